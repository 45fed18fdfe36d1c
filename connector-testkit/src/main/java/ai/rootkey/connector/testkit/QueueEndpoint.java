package ai.rootkey.connector.testkit;

/**
 * The kinds of request {@link FakeCloudflareQueues} serves; faults and request counts are per kind.
 * {@link InMemoryQueue} takes faults for {@link #PULL} (its {@code receive}) and {@link #ACK} (its {@code settle}).
 */
public enum QueueEndpoint {
    /** {@code POST .../messages/pull}. */
    PULL,
    /** {@code POST .../messages/ack} (acks and retries). */
    ACK,
    /** {@code POST .../messages/peek} (no lease, no attempt). */
    PEEK,
    /** {@code POST .../messages} and {@code POST .../messages/batch}. */
    PUBLISH,
    /** {@code GET, POST .../consumers} and {@code GET, PUT, DELETE .../consumers/{consumer_id}}. */
    CONSUMERS,
    /** {@code GET, POST /accounts/{a}/queues} (list, create) and {@code GET /accounts/{a}/queues/{q}}. */
    QUEUES,
    /** {@code /accounts/{a}/event_notifications/r2/{bucket}/configuration[/queues/{q}]}: R2's notification rules. */
    EVENT_NOTIFICATIONS
}
