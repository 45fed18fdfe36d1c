package ai.rootkey.connector.r2.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for an asynchronous HTTP exchange with an idle timeout, turning its failure into the exception thrown. */
public final class Exchanges {
    private Exchanges() {
    }

    /**
     * The response of {@code exchange}, waiting as long as it makes progress: it fails when nothing happened
     * (no headers, no reply bytes) for {@code idleTimeout} since {@code progress} was last touched. On timeout or
     * interrupt the exchange is cancelled, which closes its connection.
     *
     * @param what what is awaited, for the timeout message (e.g. "a response to the upload")
     * @throws HttpTimeoutException   when idle for {@code idleTimeout}
     * @throws InterruptedIOException when interrupted
     * @throws IOException            the exchange's own failure (connection refused, reset, ...)
     */
    public static <T> HttpResponse<T> await(CompletableFuture<HttpResponse<T>> exchange, Progress progress,
                                            Duration idleTimeout, String what) throws IOException {
        long idleNanos = idleTimeout.toNanos();
        while (true) {
            long left = progress.lastNanos() + idleNanos - System.nanoTime();
            if (left <= 0 && !exchange.isDone()) {
                exchange.cancel(true);
                throw new HttpTimeoutException("no " + what + " from the ROOTKey API within " + idleTimeout
                        + " (idle timeout)");
            }
            try {
                return exchange.get(Math.max(left, 0), TimeUnit.NANOSECONDS);
            } catch (TimeoutException notYet) {
                // progress may have moved the deadline: look again
            } catch (InterruptedException e) {
                exchange.cancel(true);
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for " + what);
            } catch (CancellationException e) {
                throw new IOException("the exchange was cancelled while waiting for " + what, e);
            } catch (ExecutionException e) {
                throw failure(e.getCause());
            }
        }
    }

    /** The exception to throw for an exchange that completed with {@code cause}. */
    public static IOException failure(Throwable cause) {
        if (cause instanceof IOException) {
            return (IOException) cause;
        }
        if (cause instanceof RuntimeException) {
            throw (RuntimeException) cause;
        }
        if (cause instanceof Error) {
            throw (Error) cause;
        }
        return new IOException(String.valueOf(cause), cause);
    }
}
