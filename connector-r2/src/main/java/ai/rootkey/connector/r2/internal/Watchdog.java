package ai.rootkey.connector.r2.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Aborts exchanges that stopped moving. A blocking socket write never times out in Java: a server that stops
 * reading the body would hold the uploading thread forever. One daemon thread looks at each watched exchange at
 * least every {@value #MAX_CHECK_MILLIS} ms (or its idle timeout, if shorter) and aborts it when it has not moved
 * for its idle timeout, or when the uploading thread was interrupted (blocking socket I/O ignores interrupts).
 * The thread starts with the first watch. Thread-safe.
 */
public final class Watchdog implements AutoCloseable {
    /** The longest time between two looks at one exchange, in milliseconds. */
    public static final long MAX_CHECK_MILLIS = 1000;

    private final ScheduledThreadPoolExecutor timer;

    /** A watchdog whose thread is named {@code threadName}. */
    public Watchdog(String threadName) {
        Objects.requireNonNull(threadName, "threadName");
        timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        timer.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
    }

    /**
     * Watches the exchange of the calling thread until the returned watch is closed.
     *
     * @param abort what aborts the exchange; run at most once, on the watchdog's thread
     * @throws IllegalStateException after {@link #close()}
     */
    public Watch watch(Progress progress, Duration idleTimeout, Runnable abort) {
        Watch watch = new Watch(progress, idleTimeout.toNanos(), abort, Thread.currentThread());
        watch.schedule(Math.min(watch.idleNanos, TimeUnit.MILLISECONDS.toNanos(MAX_CHECK_MILLIS)));
        return watch;
    }

    /**
     * Runs {@code task} every {@code period} on the watchdog's thread until {@link #close()}; an exception it throws
     * is swallowed.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public void every(Duration period, Runnable task) {
        try {
            timer.scheduleWithFixedDelay(() -> {
                try {
                    task.run();
                } catch (RuntimeException ignored) {
                    // housekeeping: the next run tries again
                }
            }, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("the watchdog is closed", e);
        }
    }

    /** Stops the thread; watches still open never fire. Idempotent. */
    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** What the watchdog did to one exchange. */
    public enum Verdict {
        /** Nothing: the exchange kept moving. */
        NONE,
        /** Aborted: it did not move for its idle timeout. */
        IDLE,
        /** Aborted: the uploading thread was interrupted. */
        INTERRUPTED
    }

    /** One watched exchange. Close it when the exchange is over. */
    public final class Watch implements AutoCloseable {
        private final Progress progress;
        private final long idleNanos;
        private final Runnable abort;
        private final Thread owner;
        private ScheduledFuture<?> next;
        private boolean closed;
        private volatile Verdict verdict = Verdict.NONE;

        private Watch(Progress progress, long idleNanos, Runnable abort, Thread owner) {
            this.progress = Objects.requireNonNull(progress, "progress");
            this.idleNanos = idleNanos;
            this.abort = Objects.requireNonNull(abort, "abort");
            this.owner = owner;
        }

        /** Why the exchange was aborted, if it was. */
        public Verdict verdict() {
            return verdict;
        }

        @Override
        public synchronized void close() {
            closed = true;
            if (next != null) {
                next.cancel(false);
            }
        }

        private synchronized void schedule(long delayNanos) {
            if (closed) {
                return;
            }
            try {
                next = timer.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                throw new IllegalStateException("the watchdog is closed", e);
            }
        }

        private void check() {
            long delay;
            synchronized (this) {
                if (closed) {
                    return;
                }
                long idle = progress.idleNanos(System.nanoTime());
                if (idle >= idleNanos || owner.isInterrupted()) {
                    // Under the lock: close() (the exchange is over) cannot pass an abort in progress.
                    verdict = idle >= idleNanos ? Verdict.IDLE : Verdict.INTERRUPTED;
                    closed = true;
                    abort.run();
                    return;
                }
                delay = Math.min(idleNanos - idle, TimeUnit.MILLISECONDS.toNanos(MAX_CHECK_MILLIS));
            }
            try {
                schedule(delay);
            } catch (IllegalStateException closing) {
                // the watchdog is closing: nothing more to watch
            }
        }
    }
}
