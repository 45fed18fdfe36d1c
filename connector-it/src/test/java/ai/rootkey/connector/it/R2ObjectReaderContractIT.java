package ai.rootkey.connector.it;

import ai.rootkey.connector.local.EmbeddedS3;
import ai.rootkey.connector.ObjectReader;
import ai.rootkey.connector.r2.R2ObjectReader;
import ai.rootkey.connector.testkit.ObjectReaderContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** The ObjectReader contract against the real R2 reader on S3Proxy. */
class R2ObjectReaderContractIT extends ObjectReaderContract {
    private static final String BUCKET = "contract-bucket";
    private static EmbeddedS3 s3;

    private final R2ObjectReader reader = s3.readerBuilder().build();

    @BeforeAll
    static void startS3() throws Exception {
        s3 = EmbeddedS3.start();
        s3.createBucket(BUCKET);
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    @AfterEach
    void closeReader() {
        reader.close();
    }

    @Override
    protected ObjectReader reader() {
        return reader;
    }

    @Override
    protected String bucket() {
        return BUCKET;
    }

    @Override
    protected void put(String key, byte[] content) {
        s3.putObject(BUCKET, key, content, "application/octet-stream");
    }

    @Override
    protected void delete(String key) {
        s3.client().deleteObject(b -> b.bucket(BUCKET).key(key));
    }
}
