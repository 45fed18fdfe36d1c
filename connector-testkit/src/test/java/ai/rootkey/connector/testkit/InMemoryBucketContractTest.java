package ai.rootkey.connector.testkit;

import ai.rootkey.connector.ObjectReader;

/** The ObjectReader contract against {@link InMemoryBucket}. */
class InMemoryBucketContractTest extends ObjectReaderContract {
    private final InMemoryBucket bucket = InMemoryBucket.named("contract-bucket");

    @Override
    protected ObjectReader reader() {
        return bucket;
    }

    @Override
    protected String bucket() {
        return bucket.name();
    }

    @Override
    protected void put(String key, byte[] content) {
        bucket.put(key, content);
    }

    @Override
    protected void delete(String key) {
        bucket.delete(key);
    }
}
