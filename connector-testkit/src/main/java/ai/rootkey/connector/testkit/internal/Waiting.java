package ai.rootkey.connector.testkit.internal;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/** The polling behind every fake's {@code await...} method. */
public final class Waiting {
    private static final long POLL_NANOS = 1_000_000L;

    private Waiting() {
    }

    /**
     * Polls {@code recorded} until it holds at least {@code count} items and returns that snapshot.
     *
     * @throws AssertionError when {@code timeout} passes first, saying what was expected and, from {@code state},
     *                        what the fake holds (and its seed)
     */
    public static <T> List<T> atLeast(int count, Duration timeout, String what, Supplier<List<T>> recorded,
                                      Supplier<String> state) {
        Objects.requireNonNull(timeout, "timeout");
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative, was " + count);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<T> now = recorded.get();
            if (now.size() >= count) {
                return now;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("expected at least " + count + " " + what + " within " + timeout + ", got "
                        + now.size() + ": " + now + "; " + state.get());
            }
            LockSupport.parkNanos(POLL_NANOS);
            if (Thread.currentThread().isInterrupted()) {
                throw new AssertionError("interrupted while waiting for " + count + " " + what);
            }
        }
    }
}
