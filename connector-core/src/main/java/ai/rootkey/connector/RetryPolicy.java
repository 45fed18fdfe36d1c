package ai.rootkey.connector;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * How long a transiently failed message waits before the queue redelivers it, and how many attempts it gets.
 *
 * <p>Exponential back-off with full jitter: before attempt {@code n + 1} the delay is uniform in
 * {@code [0, min(maxDelay, initialDelay * 2^(n-1))]}. A delay the server asked for ({@code Retry-After}) wins,
 * capped at {@code maxRetryAfter}. {@code maxAttempts} must equal the queue consumer's {@code max_retries}:
 * the queue, not the engine, moves an exhausted message to the dead-letter queue.
 *
 * @param maxAttempts   deliveries of one message before the queue dead-letters it
 * @param initialDelay  the back-off ceiling after the first attempt
 * @param maxDelay      the largest back-off ceiling
 * @param maxRetryAfter the largest server-requested delay honoured
 */
public record RetryPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay, Duration maxRetryAfter) {
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    public static final Duration DEFAULT_INITIAL_DELAY = Duration.ofSeconds(10);
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofMinutes(15);
    public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofHours(12);

    private static final RetryPolicy DEFAULTS = new RetryPolicy(DEFAULT_MAX_ATTEMPTS, DEFAULT_INITIAL_DELAY,
            DEFAULT_MAX_DELAY, DEFAULT_MAX_RETRY_AFTER);

    public RetryPolicy {
        if (maxAttempts < 1 || maxAttempts > 100) {
            throw new IllegalArgumentException("maxAttempts must be between 1 and 100, was " + maxAttempts);
        }
        requirePositive(initialDelay, "initialDelay");
        requirePositive(maxDelay, "maxDelay");
        requirePositive(maxRetryAfter, "maxRetryAfter");
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("maxDelay (" + maxDelay + ") must be >= initialDelay (" + initialDelay + ")");
        }
    }

    /** 5 attempts, 10 s initial ceiling, 15 min cap, {@code Retry-After} honoured up to 12 h. */
    public static RetryPolicy defaults() {
        return DEFAULTS;
    }

    public RetryPolicy withMaxAttempts(int attempts) {
        return new RetryPolicy(attempts, initialDelay, maxDelay, maxRetryAfter);
    }

    public RetryPolicy withDelays(Duration initial, Duration max) {
        return new RetryPolicy(maxAttempts, initial, max, maxRetryAfter);
    }

    public RetryPolicy withMaxRetryAfter(Duration cap) {
        return new RetryPolicy(maxAttempts, initialDelay, maxDelay, cap);
    }

    /** True when {@code attempt} is the last one the queue will deliver. */
    public boolean isLastAttempt(int attempt) {
        return attempt >= maxAttempts;
    }

    /**
     * The delay before the next attempt after {@code attempt} (1-based) failed.
     *
     * @param serverDelay the delay the server asked for, if any; it wins, capped at {@link #maxRetryAfter()}
     * @param random      the jitter source
     */
    public Duration delayAfter(int attempt, Optional<Duration> serverDelay, RandomGenerator random) {
        Objects.requireNonNull(serverDelay, "serverDelay");
        Objects.requireNonNull(random, "random");
        if (serverDelay.isPresent()) {
            Duration asked = serverDelay.get().isNegative() ? Duration.ZERO : serverDelay.get();
            return asked.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : asked;
        }
        return random(ceiling(attempt), random);
    }

    /** The largest back-off delay after {@code attempt} failed, before jitter. */
    public Duration ceiling(int attempt) {
        int exponent = Math.max(0, Math.min(attempt - 1, 40));
        long initialMillis = initialDelay.toMillis();
        long maxMillis = maxDelay.toMillis();
        long millis = initialMillis;
        for (int i = 0; i < exponent && millis < maxMillis; i++) {
            millis *= 2;
        }
        return Duration.ofMillis(Math.min(millis, maxMillis));
    }

    private static Duration random(Duration ceiling, RandomGenerator random) {
        long millis = ceiling.toMillis();
        return millis <= 0 ? Duration.ZERO : Duration.ofMillis(random.nextLong(millis + 1));
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
    }
}
