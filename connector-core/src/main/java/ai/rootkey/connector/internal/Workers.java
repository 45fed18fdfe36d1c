package ai.rootkey.connector.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Threads for the engine: daemon, named after the connector, so a forgotten connector never blocks JVM exit. */
final class Workers {
    private Workers() {
    }

    /** A fixed pool of {@code size} worker threads with an unbounded queue (the engine bounds what it submits). */
    static ExecutorService newPool(String name, int size) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(size, size, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), factory(name + "-worker-"));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    static Thread newThread(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }

    /** Removes the tasks that have not started yet. */
    static void drainQueue(ExecutorService executor, List<Runnable> into) {
        ((ThreadPoolExecutor) executor).getQueue().drainTo(into);
    }

    /** Waits for {@code thread} to end, until {@code deadlineNanos} ({@link System#nanoTime()}) at most. */
    static void joinUntil(Thread thread, long deadlineNanos) {
        if (thread == null) {
            return;
        }
        try {
            long millis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            if (millis > 0) {
                thread.join(millis);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for {@code executor} to finish, until {@code deadlineNanos} at most. */
    static void awaitTermination(ExecutorService executor, long deadlineNanos) {
        try {
            long nanos = deadlineNanos - System.nanoTime();
            if (nanos > 0) {
                executor.awaitTermination(nanos, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code d} twice, at most {@code max}. */
    static Duration doubled(Duration d, Duration max) {
        Duration twice = d.multipliedBy(2);
        return twice.compareTo(max) > 0 ? max : twice;
    }

    private static ThreadFactory factory(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> newThread(prefix + counter.incrementAndGet(), runnable);
    }
}
