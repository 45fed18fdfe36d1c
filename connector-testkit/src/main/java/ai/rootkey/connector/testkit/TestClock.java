package ai.rootkey.connector.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that moves only when told to, for lease expiry and retry delays without waiting. Thread-safe.
 *
 * <pre>{@code
 * TestClock clock = TestClock.at(Instant.parse("2026-01-01T00:00:00Z"));
 * InMemoryQueue queue = InMemoryQueue.builder().clock(clock).build();
 * clock.advance(Duration.ofMinutes(10)); // leases expire, delayed retries become visible
 * }</pre>
 */
public final class TestClock extends Clock {
    private final AtomicReference<Instant> now;

    private TestClock(Instant start) {
        this.now = new AtomicReference<>(start);
    }

    /** A clock standing at {@code start}. */
    public static TestClock at(Instant start) {
        return new TestClock(Objects.requireNonNull(start, "start"));
    }

    /** A clock standing at the current system time. */
    public static TestClock now() {
        return new TestClock(Instant.now());
    }

    /** Moves the clock forward by {@code step}. */
    public Instant advance(Duration step) {
        Objects.requireNonNull(step, "step");
        if (step.isNegative()) {
            throw new IllegalArgumentException("a clock only moves forward, got " + step);
        }
        return now.updateAndGet(t -> t.plus(step));
    }

    /** Moves the clock to {@code target} if that is later than now. */
    public Instant advanceTo(Instant target) {
        Objects.requireNonNull(target, "target");
        return now.updateAndGet(t -> target.isAfter(t) ? target : t);
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("TestClock is always UTC");
    }

    @Override
    public String toString() {
        return "TestClock[" + now.get() + "]";
    }
}
