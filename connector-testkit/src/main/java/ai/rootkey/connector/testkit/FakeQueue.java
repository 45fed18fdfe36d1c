package ai.rootkey.connector.testkit;

import ai.rootkey.connector.testkit.internal.QueueBroker;
import ai.rootkey.connector.testkit.internal.Waiting;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A live view of one queue of a {@link FakeCloudflareQueues}, for assertions. Every method returns a snapshot
 * taken after applying expired leases. Thread-safe.
 */
public final class FakeQueue {
    private final QueueBroker store;
    private final String id;
    private final String name;

    FakeQueue(QueueBroker store, String id, String name) {
        this.store = store;
        this.id = id;
        this.name = name;
    }

    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    /** The settings deliveries follow: its consumer's, or Cloudflare's defaults when it has none. */
    public QueueConsumerSettings consumer() {
        return store.settings(id);
    }

    /** Its consumer's type ({@code http_pull}, {@code worker}), or empty when it has none. */
    public Optional<String> consumerType() {
        return store.consumer(id).map(c -> c.type());
    }

    /** The Worker script of a {@code worker} consumer. */
    public Optional<String> workerScript() {
        return store.consumer(id).flatMap(c -> c.script());
    }

    /** How long an unconsumed message is kept. */
    public Duration messageRetention() {
        return store.info(id).retention();
    }

    /** Messages deleted unconsumed because they outlived the retention. */
    public long expiredCount() {
        return store.expiredCount(id);
    }

    /** Every message still in the queue (visible, delayed or leased), in publish order; Cloudflare's backlog. */
    public List<QueueMessage> backlog() {
        return store.backlog(id);
    }

    /** The messages leased now (pulled, lease not expired, not settled). */
    public List<QueueMessage> inFlight() {
        return store.inFlight(id);
    }

    /** The messages acknowledged, in ack order; a message appears at most once. */
    public List<QueueMessage> acked() {
        return store.acked(id);
    }

    /**
     * The messages this queue gave up on, in order, with their attempts: moved to the consumer's dead-letter queue
     * (whose {@link #backlog()} then holds them) or dropped when it has none.
     */
    public List<QueueMessage> deadLettered() {
        return store.deadLettered(id);
    }

    /**
     * Waits until at least {@code count} messages were acknowledged and returns them all, in ack order.
     *
     * @throws AssertionError when {@code timeout} passes first, with the queue's backlog and dead letters
     */
    public List<QueueMessage> awaitAcked(int count, Duration timeout) {
        return Waiting.atLeast(count, timeout, "acked messages in " + this, this::acked, this::state);
    }

    /**
     * Waits until at least {@code count} messages were dead-lettered and returns them all, in order.
     *
     * @throws AssertionError when {@code timeout} passes first, with the queue's backlog and acks
     */
    public List<QueueMessage> awaitDeadLettered(int count, Duration timeout) {
        return Waiting.atLeast(count, timeout, "dead-lettered messages in " + this, this::deadLettered, this::state);
    }

    private String state() {
        return "backlog " + backlog() + ", acked " + acked().size() + ", dead-lettered " + deadLettered().size()
                + ", deliveries " + deliveredCount();
    }

    /** How many deliveries pulls have handed out (redeliveries included). */
    public long deliveredCount() {
        return store.deliveredCount(id);
    }

    @Override
    public String toString() {
        return "FakeQueue[" + name + ", " + id + "]";
    }
}
