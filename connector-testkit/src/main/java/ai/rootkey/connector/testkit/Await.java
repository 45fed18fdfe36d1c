package ai.rootkey.connector.testkit;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits for a condition with a deadline, polling, instead of sleeping for a guessed time.
 *
 * <pre>{@code
 * Await.until(() -> anchorer.anchoredKeys().contains("docs/a.pdf"), Duration.ofSeconds(5), "docs/a.pdf anchored");
 * Await.untilAsserted(() -> assertThat(queue.backlog()).isZero(), Duration.ofSeconds(5));
 * }</pre>
 */
public final class Await {
    private static final long POLL_NANOS = 2_000_000L;

    private Await() {
    }

    /**
     * Returns once {@code condition} is true.
     *
     * @throws AssertionError naming {@code description} when the deadline passes first
     */
    public static void until(BooleanSupplier condition, Duration timeout, String description) {
        until(condition, timeout, () -> description);
    }

    /**
     * Returns once {@code condition} is true; {@code description} is read only when the deadline passes, so it can
     * report the state at that moment (a child process's output, a fake's requests).
     *
     * @throws AssertionError naming the description when the deadline passes first
     */
    public static void until(BooleanSupplier condition, Duration timeout, Supplier<String> description) {
        Objects.requireNonNull(condition, "condition");
        Objects.requireNonNull(description, "description");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + description.get());
            }
            pause();
        }
    }

    /** Returns the first value of {@code value} that satisfies {@code condition}. */
    public static <T> T until(Supplier<T> value, Predicate<? super T> condition, Duration timeout) {
        Objects.requireNonNull(value, "value");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T current = value.get();
            if (condition.test(current)) {
                return current;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + "; last value: " + current);
            }
            pause();
        }
    }

    /** Returns once {@code assertion} runs without throwing an {@link AssertionError}; rethrows the last one otherwise. */
    public static void untilAsserted(Runnable assertion, Duration timeout) {
        Objects.requireNonNull(assertion, "assertion");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                assertion.run();
                return;
            } catch (AssertionError e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
            }
            pause();
        }
    }

    private static void pause() {
        LockSupport.parkNanos(POLL_NANOS);
        if (Thread.currentThread().isInterrupted()) {
            throw new AssertionError("interrupted while waiting");
        }
    }
}
