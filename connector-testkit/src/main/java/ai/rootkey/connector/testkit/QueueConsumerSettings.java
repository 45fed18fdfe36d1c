package ai.rootkey.connector.testkit;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The HTTP pull consumer of a {@link FakeCloudflareQueues} queue, as Cloudflare shows it
 * ({@code {"type":"http_pull","settings":{...},"dead_letter_queue":"..."}}).
 *
 * @param batchSize         messages per pull when the request does not say (1..100); default 5
 * @param maxRetries        retries after the first delivery (0..100): a message is delivered up to
 *                          {@code maxRetries + 1} times, then dead-lettered; default 3, like Cloudflare; this
 *                          connector wants 5
 * @param visibilityTimeout lease length when the pull request does not say (1 ms..12 h); default 30 s
 * @param retryDelay        delay of a retry that does not say (0..12 h, whole seconds); default 0
 * @param deadLetterQueue   the name of the queue that receives exhausted messages; empty to drop them
 */
public record QueueConsumerSettings(int batchSize, int maxRetries, Duration visibilityTimeout, Duration retryDelay,
                                    Optional<String> deadLetterQueue) {
    private static final Duration TWELVE_HOURS = Duration.ofHours(12);

    public QueueConsumerSettings {
        if (batchSize < 1 || batchSize > 100) {
            throw new IllegalArgumentException("batchSize must be between 1 and 100, was " + batchSize);
        }
        if (maxRetries < 0 || maxRetries > 100) {
            throw new IllegalArgumentException("maxRetries must be between 0 and 100, was " + maxRetries);
        }
        Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
        if (visibilityTimeout.toMillis() < 1 || visibilityTimeout.compareTo(TWELVE_HOURS) > 0) {
            throw new IllegalArgumentException("visibilityTimeout must be between 1 ms and 12 h, was " + visibilityTimeout);
        }
        Objects.requireNonNull(retryDelay, "retryDelay");
        if (retryDelay.isNegative() || retryDelay.compareTo(TWELVE_HOURS) > 0 || retryDelay.getNano() != 0) {
            throw new IllegalArgumentException("retryDelay must be whole seconds between 0 and 12 h, was " + retryDelay);
        }
        Objects.requireNonNull(deadLetterQueue, "deadLetterQueue (use Optional.empty() for none)");
        deadLetterQueue.ifPresent(name -> {
            if (name.isBlank()) {
                throw new IllegalArgumentException("deadLetterQueue must be a queue name, was blank");
            }
        });
    }

    /** Cloudflare's defaults: batch 5, 3 retries, 30 s visibility, no retry delay, no dead-letter queue. */
    public static QueueConsumerSettings defaults() {
        return new QueueConsumerSettings(5, 3, Duration.ofSeconds(30), Duration.ZERO, Optional.empty());
    }

    public QueueConsumerSettings withBatchSize(int size) {
        return new QueueConsumerSettings(size, maxRetries, visibilityTimeout, retryDelay, deadLetterQueue);
    }

    public QueueConsumerSettings withMaxRetries(int retries) {
        return new QueueConsumerSettings(batchSize, retries, visibilityTimeout, retryDelay, deadLetterQueue);
    }

    public QueueConsumerSettings withVisibilityTimeout(Duration timeout) {
        return new QueueConsumerSettings(batchSize, maxRetries, timeout, retryDelay, deadLetterQueue);
    }

    public QueueConsumerSettings withRetryDelay(Duration delay) {
        return new QueueConsumerSettings(batchSize, maxRetries, visibilityTimeout, delay, deadLetterQueue);
    }

    /** Exhausted messages go to the queue named {@code queueName}. */
    public QueueConsumerSettings withDeadLetterQueue(String queueName) {
        return new QueueConsumerSettings(batchSize, maxRetries, visibilityTimeout, retryDelay,
                Optional.of(Objects.requireNonNull(queueName, "queueName")));
    }
}
