package ai.rootkey.connector.benchmarks;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Anchorer;
import ai.rootkey.connector.ObjectMetadata;
import ai.rootkey.connector.ObjectReader;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.StoredObject;

import java.io.InputStream;
import java.util.Optional;

/** The reader and anchorer of the engine benchmark (B1): they do nothing, so what is left is the engine. */
final class NoopParts {
    static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final ObjectMetadata METADATA = new ObjectMetadata(0, Optional.of("0123456789abcdef0123456789abcdef"),
            Optional.of("application/pdf"), Optional.empty());
    private static final Receipt RECEIPT = new Receipt(201, 0, EMPTY_SHA256, "{}", Optional.empty());

    private NoopParts() {
    }

    /** Opens every object as an empty one. */
    static final class Reader implements ObjectReader {
        @Override
        public Optional<StoredObject> open(String bucket, String key) {
            return Optional.of(new StoredObject(METADATA, InputStream.nullInputStream()));
        }
    }

    /** Accepts every upload without reading it. */
    static final class Uploader implements Anchorer {
        @Override
        public Receipt anchor(AnchorRequest request) {
            return RECEIPT;
        }
    }
}
