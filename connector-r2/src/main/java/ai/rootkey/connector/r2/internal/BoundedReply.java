package ai.rootkey.connector.r2.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * At most {@code limit} bytes of a reply body, read as they arrive, touching {@link Progress} with each read.
 *
 * @param bytes    what was read
 * @param complete true when the body ended within the limit (the connection may then be reused); false when it
 *                 was cut, and the rest must not be read (the caller discards the connection)
 */
public record BoundedReply(byte[] bytes, boolean complete) {
    public BoundedReply {
        Objects.requireNonNull(bytes, "bytes");
    }

    /** An empty, complete reply (no body). */
    public static BoundedReply empty() {
        return new BoundedReply(new byte[0], true);
    }

    /** Reads {@code body} up to its end or {@code limit} bytes, whichever comes first. */
    public static BoundedReply read(InputStream body, int limit, Progress progress) throws IOException {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0, was " + limit);
        }
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(progress, "progress");
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 1024));
        byte[] buffer = new byte[Math.min(Math.max(limit, 1), 8192)];
        while (out.size() < limit) {
            int n = body.read(buffer, 0, Math.min(buffer.length, limit - out.size()));
            if (n < 0) {
                return new BoundedReply(out.toByteArray(), true);
            }
            progress.touch();
            out.write(buffer, 0, n);
        }
        return new BoundedReply(out.toByteArray(), false);
    }
}
