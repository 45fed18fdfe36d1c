package ai.rootkey.connector.r2.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A response body that, when closed before it was read to the end, aborts the connection instead of closing
 * normally. Closing a pooled HTTP response normally reads the rest of the body so the connection can be reused:
 * for a 5 GiB object closed after a failed upload that is 5 GiB of download. Aborting drops the connection at once.
 * Closed after the last byte, the stream closes normally and the connection returns to the pool.
 *
 * <p>One reader thread at a time, as for any stream; {@link #close()} may be called from another thread to cancel
 * a blocked read, and is idempotent.
 */
public final class AbortingInputStream extends FilterInputStream {
    private final Runnable abort;
    private final long length;
    private long consumed;
    private volatile boolean endReached;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param body   the response body
     * @param abort  drops the connection (and closes {@code body})
     * @param length the body's length in bytes, from Content-Length; reading that many bytes counts as the end
     */
    public AbortingInputStream(InputStream body, Runnable abort, long length) {
        super(Objects.requireNonNull(body, "body"));
        this.abort = Objects.requireNonNull(abort, "abort");
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0, was " + length);
        }
        this.length = length;
        this.endReached = length == 0;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        count(b < 0 ? -1 : 1);
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        count(n);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(n);
        if (skipped > 0) {
            count(skipped);
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readlimit) {
        // not supported: a reset would make the byte count wrong
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset is not supported");
    }

    /** True when the body was read to its end. */
    public boolean endReached() {
        return endReached;
    }

    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (endReached) {
            super.close();
        } else {
            abort.run();
        }
    }

    private void count(long n) {
        if (n < 0) {
            endReached = true;
        } else {
            consumed += n;
            if (consumed >= length) {
                endReached = true;
            }
        }
    }
}
