package com.example.plain;

import ai.rootkey.connector.ObjectReader;
import ai.rootkey.connector.testkit.InMemoryBucket;
import ai.rootkey.connector.testkit.ObjectReaderContract;

/** The kit's contract tests (abstract JUnit classes) run by the user's JUnit, here against the kit's own bucket. */
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
