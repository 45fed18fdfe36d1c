package ai.rootkey.connector;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How long a transiently failed message waits before the queue redelivers it, and how many attempts it gets.
 *
 * <p>Exponential back-off with full jitter: before attempt {@code n + 1} the delay is uniform in
 * {@code [0, min(maxDelay, initialDelay * 2^(n-1))]}. A delay the server asked for ({@code Retry-After}) wins,
 * capped at {@code maxRetryAfter}.
 *
 * <p>{@code maxRetries} counts retries, not deliveries, as Cloudflare's consumer setting {@code max_retries} does:
 * the queue delivers a message up to {@code maxRetries + 1} times ({@link #maxAttempts()}), then moves it to the
 * dead-letter queue (DESIGN section 4 rule 9; Cloudflare's local simulator, miniflare's queue broker, computes
 * {@code maxAttempts = maxRetries + 1}). The queue, not the engine, dead-letters; this value only tells the engine
 * which delivery is the last. When the source can read the consumer's setting
 * ({@link EventSource#maxRetries()}) the engine uses that instead.
 *
 * @param maxRetries    the queue consumer's {@code max_retries}: redeliveries after the first delivery, 0 to 100
 * @param initialDelay  the back-off ceiling after the first attempt
 * @param maxDelay      the largest back-off ceiling
 * @param maxRetryAfter the largest server-requested delay honoured
 */
public record RetryPolicy(int maxRetries, Duration initialDelay, Duration maxDelay, Duration maxRetryAfter) {
    /** The consumer's {@code max_retries} this connector expects: 5, so six deliveries in all. */
    public static final int DEFAULT_MAX_RETRIES = 5;
    public static final Duration DEFAULT_INITIAL_DELAY = Duration.ofSeconds(10);
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofMinutes(15);
    public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofHours(12);

    private static final RetryPolicy DEFAULTS = new RetryPolicy(DEFAULT_MAX_RETRIES, DEFAULT_INITIAL_DELAY,
            DEFAULT_MAX_DELAY, DEFAULT_MAX_RETRY_AFTER);

    public RetryPolicy {
        if (maxRetries < 0 || maxRetries > 100) {
            throw new IllegalArgumentException("maxRetries must be between 0 and 100 (Cloudflare's limits), was "
                    + maxRetries);
        }
        requirePositive(initialDelay, "initialDelay");
        requirePositive(maxDelay, "maxDelay");
        requirePositive(maxRetryAfter, "maxRetryAfter");
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("maxDelay (" + maxDelay + ") must be >= initialDelay (" + initialDelay + ")");
        }
    }

    /** 5 retries (6 deliveries), 10 s initial ceiling, 15 min cap, {@code Retry-After} honoured up to 12 h. */
    public static RetryPolicy defaults() {
        return DEFAULTS;
    }

    /** This policy for a queue consumer with this {@code max_retries}. */
    public RetryPolicy withMaxRetries(int retries) {
        return new RetryPolicy(retries, initialDelay, maxDelay, maxRetryAfter);
    }

    public RetryPolicy withDelays(Duration initial, Duration max) {
        return new RetryPolicy(maxRetries, initial, max, maxRetryAfter);
    }

    public RetryPolicy withMaxRetryAfter(Duration cap) {
        return new RetryPolicy(maxRetries, initialDelay, maxDelay, cap);
    }

    /** Deliveries of one message before the queue dead-letters it: {@code maxRetries + 1}. */
    public int maxAttempts() {
        return maxRetries + 1;
    }

    /** True when {@code attempt} (1-based) is the last delivery the queue makes. */
    public boolean isLastAttempt(int attempt) {
        return attempt >= maxAttempts();
    }

    /**
     * The back-off delay before the next attempt after {@code attempt} (1-based) failed: uniform in
     * {@code [0, ceiling(attempt)]}.
     *
     * @param random the jitter source
     */
    public Duration delayAfter(int attempt, RandomGenerator random) {
        Objects.requireNonNull(random, "random");
        return random(ceiling(attempt), random);
    }

    /**
     * The delay a server asked for ({@code Retry-After}), as this policy honours it: at most {@link #maxRetryAfter()},
     * never negative. It wins over the back-off.
     */
    public Duration honoured(Duration serverDelay) {
        Objects.requireNonNull(serverDelay, "serverDelay");
        Duration asked = serverDelay.isNegative() ? Duration.ZERO : serverDelay;
        return asked.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : asked;
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
