package ai.rootkey.connector;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * An opened object: its live metadata and its content as a stream. The caller must close it; closing
 * closes the stream (and, for network stores, releases or aborts the connection).
 */
public record StoredObject(ObjectMetadata metadata, InputStream body) implements Closeable {
    public StoredObject {
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(body, "body");
    }

    @Override
    public void close() throws IOException {
        body.close();
    }
}
