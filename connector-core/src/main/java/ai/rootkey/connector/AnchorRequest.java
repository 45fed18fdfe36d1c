package ai.rootkey.connector;

import java.io.InputStream;
import java.util.Objects;
import java.util.Optional;

/**
 * One file to anchor: where it came from, how long it is, and its content as a stream that yields exactly
 * {@code size} bytes. The anchorer reads the stream; the engine closes it.
 *
 * @param source      the idempotency key (bucket, key, live ETag)
 * @param size        the exact content length in bytes
 * @param contentType the stored content type, when known
 * @param body        the content; must not be buffered whole by the anchorer
 */
public record AnchorRequest(SourceRef source, long size, Optional<String> contentType, InputStream body) {
    public AnchorRequest {
        Objects.requireNonNull(source, "source");
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, was " + size);
        }
        Values.requireOptional(contentType, "contentType");
        Objects.requireNonNull(body, "body");
    }

    /** The file name the upload should carry: the last path segment of the key, before any sanitising. */
    public String fileName() {
        String key = source.key();
        int slash = key.lastIndexOf('/');
        return slash < 0 ? key : key.substring(slash + 1);
    }
}
