package ai.rootkey.connector.r2.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * The upload body: multipart preamble, the content stream, epilogue; with an exact {@link #contentLength()}, so
 * the HTTP client sends {@code Content-Length} and never chunks.
 *
 * <p>The uploading thread drives it with {@link #send}: it reads the content stream in chunks of at most
 * {@value #CHUNK_BYTES} bytes and hands each one to the client only when the client asks for more (Flow demand).
 * Memory stays bounded whatever the size, blocking reads of the content never run on the client's threads, and
 * a client that stops taking bytes (because the server stopped reading) is detected as idle. While sending it
 * counts the content bytes and computes their SHA-256. The content must yield exactly {@code size} bytes; fewer
 * or more fails the upload. Single use: a second subscription is refused with an error.
 */
public final class UploadBody implements HttpRequest.BodyPublisher {
    /** The largest piece of content handed to the client at once. */
    public static final int CHUNK_BYTES = 64 * 1024;

    private final byte[] preamble;
    private final byte[] epilogue;
    private final InputStream content;
    private final long size;
    private final long length;
    private final Progress progress;
    private final MessageDigest digest;
    /** Written by the sending thread only. */
    private long contentBytesSent;

    /** For content of at most one chunk: the whole body, read up front, handed to the client in one piece. */
    private final HttpRequest.BodyPublisher whole;

    private final Object lock = new Object();
    /** The fields below are guarded by {@code lock}. */
    private Flow.Subscriber<? super ByteBuffer> subscriber;
    private boolean ready;
    private boolean cancelled;
    private boolean finished;
    private long demand;
    private IllegalArgumentException demandError;

    /**
     * @param framing  the multipart framing around the content
     * @param content  the content; this class reads it but does not close it
     * @param size     the exact number of bytes {@code content} yields
     * @param progress touched each time the client takes a chunk
     */
    public UploadBody(MultipartFraming framing, InputStream content, long size, Progress progress) {
        this(framing, content, size, progress, null);
    }

    private UploadBody(MultipartFraming framing, InputStream content, long size, Progress progress,
                       HttpRequest.BodyPublisher whole) {
        Objects.requireNonNull(framing, "framing");
        this.content = Objects.requireNonNull(content, "content");
        this.progress = Objects.requireNonNull(progress, "progress");
        this.length = framing.bodyLength(size);
        this.size = size;
        this.preamble = framing.preamble();
        this.epilogue = framing.epilogue();
        this.digest = sha256();
        this.whole = whole;
    }

    /**
     * The body for {@code content}: content of at most {@link #CHUNK_BYTES} is read now, into one buffer no larger
     * than the streaming path's chunk, and handed to the client in one piece (no hand-off between threads per
     * piece, which dominates the cost of small files); larger content is streamed by {@link #send}.
     *
     * @throws IOException when small content cannot be read or yields fewer or more than {@code size} bytes
     */
    public static UploadBody of(MultipartFraming framing, InputStream content, long size, Progress progress)
            throws IOException {
        if (size > CHUNK_BYTES) {
            return new UploadBody(framing, content, size, progress);
        }
        byte[] preamble = framing.preamble();
        byte[] epilogue = framing.epilogue();
        byte[] body = new byte[preamble.length + (int) size + epilogue.length];
        System.arraycopy(preamble, 0, body, 0, preamble.length);
        int read = content.readNBytes(body, preamble.length, (int) size);
        if (read < size) {
            throw new IOException("the object stream ended after " + read + " of its " + size + " bytes");
        }
        if (content.read() >= 0) {
            throw new IOException("the object stream yields more than its " + size + " bytes");
        }
        System.arraycopy(epilogue, 0, body, preamble.length + (int) size, epilogue.length);
        UploadBody upload = new UploadBody(framing, content, size, progress,
                HttpRequest.BodyPublishers.ofByteArray(body));
        upload.digest.update(body, preamble.length, (int) size);
        upload.contentBytesSent = size;
        return upload;
    }

    @Override
    public long contentLength() {
        return length;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
        Objects.requireNonNull(s, "subscriber");
        if (whole != null) {
            whole.subscribe(s);
            return;
        }
        boolean first;
        synchronized (lock) {
            first = subscriber == null;
            if (first) {
                subscriber = s;
            }
        }
        if (!first) {
            s.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                }

                @Override
                public void cancel() {
                }
            });
            s.onError(new IllegalStateException("the upload body is a stream and can be sent only once"));
            return;
        }
        s.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                synchronized (lock) {
                    if (n <= 0) {
                        demandError = new IllegalArgumentException("demand must be positive, was " + n);
                    } else {
                        demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                    }
                    lock.notifyAll();
                }
            }

            @Override
            public void cancel() {
                synchronized (lock) {
                    cancelled = true;
                    lock.notifyAll();
                }
            }
        });
        boolean abandoned;
        synchronized (lock) {
            ready = true;
            abandoned = finished;
            lock.notifyAll();
        }
        if (abandoned) {
            s.onError(new IOException("the upload was abandoned before the connection was ready"));
        }
    }

    /**
     * Sends the whole body from the calling thread. Returns when the client has taken all of it, or earlier when
     * {@code exchange} completes first (an early answer, or a failure the caller reads from {@code exchange}).
     *
     * @param exchange    the exchange this body belongs to
     * @param idleTimeout how long to wait for the client to take the next chunk (the first one includes
     *                    connecting and sending the request headers)
     * @throws HttpTimeoutException    when the client takes nothing for {@code idleTimeout}
     * @throws InterruptedIOException  when the thread is interrupted
     * @throws IOException             when the content stream fails or yields fewer or more than {@code size}
     *                                 bytes; the upload is failed with the same exception
     */
    public void send(CompletableFuture<?> exchange, Duration idleTimeout) throws IOException {
        Objects.requireNonNull(exchange, "exchange");
        if (whole != null) {
            progress.touch(); // the client sends it by itself; the idle timeout runs from here
            return;
        }
        long idleNanos = idleTimeout.toNanos();
        exchange.whenComplete((r, t) -> wake());
        try {
            if (!emit(ByteBuffer.wrap(preamble), exchange, idleNanos)) {
                return;
            }
            long remaining = size;
            while (remaining > 0) {
                byte[] chunk = new byte[(int) Math.min(CHUNK_BYTES, remaining)];
                int n = content.read(chunk, 0, chunk.length);
                if (n < 0) {
                    throw new IOException("the object stream ended after " + (size - remaining) + " of its "
                            + size + " bytes");
                }
                if (n == 0) {
                    continue;
                }
                if (!emit(ByteBuffer.wrap(chunk, 0, n), exchange, idleNanos)) {
                    return;
                }
                digest.update(chunk, 0, n);
                contentBytesSent += n;
                remaining -= n;
            }
            if (content.read() >= 0) {
                throw new IOException("the object stream yields more than its " + size + " bytes");
            }
            if (emit(ByteBuffer.wrap(epilogue), exchange, idleNanos)) {
                complete();
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
            throw e;
        }
    }

    /** Content bytes handed to the client so far (framing excluded). */
    public long contentBytesSent() {
        return contentBytesSent;
    }

    /** Lowercase hex SHA-256 of the content bytes handed to the client. Call once, after {@link #send}. */
    public String sha256Hex() {
        return HexFormat.of().formatHex(digest.digest());
    }

    private boolean emit(ByteBuffer buffer, CompletableFuture<?> exchange, long idleNanos) throws IOException {
        Flow.Subscriber<? super ByteBuffer> s;
        synchronized (lock) {
            long deadline = System.nanoTime() + idleNanos;
            while (true) {
                if (demandError != null) {
                    throw demandError;
                }
                if (exchange.isDone() || cancelled) {
                    return false;
                }
                if (ready && demand > 0) {
                    demand--;
                    s = subscriber;
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new HttpTimeoutException(ready
                            ? "the ROOTKey API took no upload bytes for " + Duration.ofNanos(idleNanos)
                                    + " (idle timeout) after " + contentBytesSent + " of " + size + " content bytes"
                            : "the connection to the ROOTKey API was not ready for the upload within "
                                    + Duration.ofNanos(idleNanos) + " (idle timeout)");
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while uploading");
                }
            }
        }
        s.onNext(buffer);
        progress.touch();
        return true;
    }

    private void complete() {
        Flow.Subscriber<? super ByteBuffer> s = finish();
        if (s != null) {
            s.onComplete();
            progress.touch();
        }
    }

    private void fail(Throwable error) {
        Flow.Subscriber<? super ByteBuffer> s = finish();
        if (s != null) {
            s.onError(error);
        }
    }

    /** Marks the body finished; the subscriber to signal, or null when there is none to signal. */
    private Flow.Subscriber<? super ByteBuffer> finish() {
        synchronized (lock) {
            if (finished || !ready || cancelled) {
                finished = true;
                return null;
            }
            finished = true;
            return subscriber;
        }
    }

    private void wake() {
        synchronized (lock) {
            lock.notifyAll();
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
