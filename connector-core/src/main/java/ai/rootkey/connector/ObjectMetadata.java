package ai.rootkey.connector;

import java.time.Instant;
import java.util.Optional;

/**
 * The live metadata of a stored object, as the object store reports it when the object is opened.
 *
 * @param size         content length in bytes
 * @param eTag         the ETag without surrounding quotes, when the store gives one
 * @param contentType  the stored content type, when set
 * @param lastModified the store's last-modified time, when given
 */
public record ObjectMetadata(long size, Optional<String> eTag, Optional<String> contentType,
                             Optional<Instant> lastModified) {
    public ObjectMetadata {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, was " + size);
        }
        eTag = Values.normalizeETag(eTag);
        Values.requireOptional(contentType, "contentType");
        Values.requireOptional(lastModified, "lastModified");
    }
}
