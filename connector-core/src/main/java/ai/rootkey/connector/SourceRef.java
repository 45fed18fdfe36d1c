package ai.rootkey.connector;

import java.util.Optional;

/**
 * Which object a file came from: the idempotency key of an upload. The ROOTKey API deduplicates on
 * (bucket, key, ETag), so a redelivered event is harmless.
 *
 * @param bucket the source bucket
 * @param key    the source object key, exactly as stored
 * @param eTag   the live ETag without surrounding quotes, when known
 */
public record SourceRef(String bucket, String key, Optional<String> eTag) {
    public SourceRef {
        Values.requireText(bucket, "bucket");
        Values.requireText(key, "key");
        eTag = Values.normalizeETag(eTag);
    }
}
