package ai.rootkey.connector.r2.internal;

import org.apache.hc.core5.function.Supplier;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The upload body: multipart preamble, the content stream, epilogue; with an exact {@link #getContentLength()},
 * so the client sends {@code Content-Length} and never chunks.
 *
 * <p>The connection writes it from the uploading thread ({@link #writeTo}): the content is read in chunks of at
 * most {@value #CHUNK_BYTES} bytes into one buffer and each chunk is written before the next is read, so memory
 * stays bounded whatever the size. Each write that returns touches {@link Progress}; reads of the content pause it
 * (the source's own timeouts bound them). It counts the content bytes written and computes their SHA-256. The
 * content must yield exactly {@code size} bytes; fewer or more fails the upload. The content stream is read, never
 * closed. Single use.
 */
public final class UploadEntity implements HttpEntity {
    /** The largest piece of content read and written at once. */
    public static final int CHUNK_BYTES = 64 * 1024;

    private final byte[] preamble;
    private final byte[] epilogue;
    private final String contentType;
    private final InputStream content;
    private final long size;
    private final long length;
    private final Progress progress;
    private final MessageDigest digest = sha256();
    private final AtomicBoolean used = new AtomicBoolean();
    private volatile boolean started;
    private volatile boolean finished;
    /** Written by the uploading thread, read by the watchdog for its message. */
    private volatile long contentBytesSent;

    /**
     * @param framing  the multipart framing around the content
     * @param content  the content; read, not closed
     * @param size     the exact number of bytes {@code content} yields
     * @param progress touched as the body goes out
     */
    public UploadEntity(MultipartFraming framing, InputStream content, long size, Progress progress) {
        Objects.requireNonNull(framing, "framing");
        this.content = Objects.requireNonNull(content, "content");
        this.progress = Objects.requireNonNull(progress, "progress");
        this.length = framing.bodyLength(size);
        this.size = size;
        this.preamble = framing.preamble();
        this.epilogue = framing.epilogue();
        this.contentType = framing.contentType();
    }

    /**
     * Writes the whole body to {@code out}.
     *
     * @throws IOException when the content stream fails or yields fewer or more than {@code size} bytes, or the
     *                     connection fails; the connection then aborts the upload
     */
    @Override
    public void writeTo(OutputStream out) throws IOException {
        if (!used.compareAndSet(false, true)) {
            throw new IOException("the upload body is a stream and can be sent only once");
        }
        started = true;
        out.write(preamble);
        progress.touch();
        byte[] chunk = new byte[(int) Math.max(1, Math.min(CHUNK_BYTES, size))];
        long remaining = size;
        while (remaining > 0) {
            int n = read(chunk, (int) Math.min(chunk.length, remaining));
            if (n < 0) {
                throw new IOException("the object stream ended after " + (size - remaining) + " of its " + size
                        + " bytes");
            }
            if (n == 0) {
                continue;
            }
            out.write(chunk, 0, n);
            progress.touch();
            digest.update(chunk, 0, n);
            contentBytesSent += n;
            remaining -= n;
        }
        if (read(chunk, 1) >= 0) {
            throw new IOException("the object stream yields more than its " + size + " bytes");
        }
        out.write(epilogue);
        progress.touch();
        finished = true;
    }

    /** True once the connection began to write the body (the request headers are out). */
    public boolean started() {
        return started;
    }

    /** True once the whole body was handed to the connection. */
    public boolean finished() {
        return finished;
    }

    /** The progress this body touches. */
    public Progress progress() {
        return progress;
    }

    /** The content size, in bytes. */
    public long size() {
        return size;
    }

    /** Content bytes handed to the connection so far (framing excluded). */
    public long contentBytesSent() {
        return contentBytesSent;
    }

    /** Lowercase hex SHA-256 of the content bytes handed to the connection. Call once, after the exchange. */
    public String sha256Hex() {
        return HexFormat.of().formatHex(digest.digest());
    }

    @Override
    public long getContentLength() {
        return length;
    }

    @Override
    public String getContentType() {
        return contentType;
    }

    @Override
    public String getContentEncoding() {
        return null;
    }

    @Override
    public boolean isChunked() {
        return false;
    }

    @Override
    public Set<String> getTrailerNames() {
        return Set.of();
    }

    @Override
    public boolean isRepeatable() {
        return false;
    }

    @Override
    public boolean isStreaming() {
        return true;
    }

    /** Not supported: the body is written, never read. */
    @Override
    public InputStream getContent() {
        throw new UnsupportedOperationException("the upload body is written with writeTo, never read");
    }

    @Override
    public Supplier<List<? extends Header>> getTrailers() {
        return null;
    }

    /** Does nothing: the content stream belongs to the caller. */
    @Override
    public void close() {
    }

    private int read(byte[] buffer, int max) throws IOException {
        progress.pause();
        try {
            return content.read(buffer, 0, max);
        } finally {
            progress.resume();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
