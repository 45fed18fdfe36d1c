package ai.rootkey.connector.testkit;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorStats;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.concurrent.locks.LockSupport;

/**
 * A bucket, a queue with a dead-letter queue, a recording anchorer and a manual clock, wired like R2 wires
 * them, plus a connector builder preset to use them. Lets a user's test read like a specification:
 *
 * <pre>{@code
 * try (ConnectorTestKit kit = ConnectorTestKit.create()) {
 *     kit.bucket().put("docs/a.pdf", bytes);                 // publishes a PutObject event
 *     kit.anchorer().failNext(2, Fault.status(503));        // then succeeds
 *     Connector connector = kit.start(b -> b.filter(EventFilter.prefix("docs/")));
 *     kit.runUntilIdle(connector);                           // retries happen at once: the clock is advanced
 *     assertThat(kit.anchorer().anchoredKeys()).containsExactly("docs/a.pdf");
 *     assertThat(kit.queue().deadLettered()).isEmpty();
 * }
 * }</pre>
 *
 * <p>The queue's leases and retry delays run on {@link #clock()}, which moves only when the test (or
 * {@link #runUntilIdle}) advances it, so the connector's real back-off delays cost no time. Closing the kit
 * closes the connectors it started.
 */
public final class ConnectorTestKit implements AutoCloseable {
    /** The bucket name used by {@link #create()}. */
    public static final String DEFAULT_BUCKET = "test-bucket";
    /** How long {@link #runUntilIdle(Connector)} waits by default. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

    private final TestClock clock;
    private final InMemoryQueue deadLetterQueue;
    private final InMemoryQueue queue;
    private final InMemoryBucket bucket;
    private final RecordingAnchorer anchorer;
    private final long seed;
    private final List<Connector> started = new ArrayList<>();

    private ConnectorTestKit(Builder b) {
        this.clock = TestClock.at(b.start);
        this.seed = b.seed;
        this.deadLetterQueue = InMemoryQueue.builder().name(b.bucket + "-dlq").clock(clock).build();
        this.queue = InMemoryQueue.builder().name(b.bucket + "-events").clock(clock).maxRetries(b.maxRetries)
                .visibilityTimeout(b.visibilityTimeout).deadLetterQueue(deadLetterQueue).build();
        this.bucket = InMemoryBucket.named(b.bucket, clock).notify(queue, NotificationRule.allActions());
        this.anchorer = RecordingAnchorer.builder().retainContent(b.retainContent).seed(b.seed).build();
    }

    /** A kit for bucket {@value #DEFAULT_BUCKET} with the defaults of {@link Builder}. */
    public static ConnectorTestKit create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public TestClock clock() {
        return clock;
    }

    /** The event queue the bucket publishes to (every action, every key). */
    public InMemoryQueue queue() {
        return queue;
    }

    /** Where the queue moves exhausted messages. */
    public InMemoryQueue deadLetterQueue() {
        return deadLetterQueue;
    }

    public InMemoryBucket bucket() {
        return bucket;
    }

    public RecordingAnchorer anchorer() {
        return anchorer;
    }

    /** The seed of the connector's jitter source and of the anchorer's random faults; print it when a test fails. */
    public long seed() {
        return seed;
    }

    /**
     * A connector builder wired to the kit's queue, bucket, anchorer and clock, checking the bucket name, with a
     * seeded jitter source and short idle back-off so tests run fast. Retry delays keep their real values;
     * they pass when the clock is advanced.
     */
    public Connector.Builder connectorBuilder() {
        return Connector.builder()
                .source(queue)
                .reader(bucket)
                .anchorer(anchorer)
                .bucket(bucket.name())
                .clock(clock)
                .randomSeed(seed)
                .idleBackoff(Duration.ofMillis(1), Duration.ofMillis(20))
                .settleEvery(Connector.DEFAULT_SETTLE_BATCH_SIZE, Duration.ofMillis(5))
                .probeInterval(Duration.ofMillis(20))
                .drainTimeout(Duration.ofSeconds(10))
                .name("testkit-connector");
    }

    /** Builds and starts a connector from {@link #connectorBuilder()}; the kit closes it. */
    public Connector start() {
        return start(b -> { });
    }

    /** Builds and starts a connector from {@link #connectorBuilder()} after {@code customizer} ran on it. */
    public Connector start(Consumer<Connector.Builder> customizer) {
        Connector.Builder builder = connectorBuilder();
        customizer.accept(builder);
        Connector connector = builder.start();
        synchronized (started) {
            started.add(connector);
        }
        return connector;
    }

    /** {@link #runUntilIdle(Connector, Duration)} with {@link #DEFAULT_IDLE_TIMEOUT}. */
    public void runUntilIdle(Connector connector) {
        runUntilIdle(connector, DEFAULT_IDLE_TIMEOUT);
    }

    /**
     * Lets {@code connector}, the only connector running on the kit's queue, work until nothing is left to do: no
     * message visible or leased and nothing in flight or waiting to be settled. Whenever it is waiting only for time to pass, the clock jumps: to the end of leases
     * nobody holds any more (a lost pull reply, a dropped settlement), then to the next delayed retry. Needs a
     * connector that can make progress (a paused connector never gets idle).
     *
     * @throws AssertionError with the state of queue and connector when {@code timeout} passes first
     */
    public void runUntilIdle(Connector connector, Duration timeout) {
        Objects.requireNonNull(connector, "connector");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (isQuiet(connector)) {
                Optional<Instant> expiry = queue.nextLeaseExpiry();
                Optional<Instant> next = expiry.isPresent() ? expiry : queue.nextVisibleAt();
                if (next.isEmpty()) {
                    return;
                }
                clock.advanceTo(next.get());
                continue;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("connector did not become idle within " + timeout + ": " + queue
                        + ", visible=" + queue.visible() + ", leased=" + queue.inFlight() + ", stats="
                        + connector.stats() + ", health=" + connector.health() + ", seed=" + seed);
            }
            LockSupport.parkNanos(1_000_000L);
        }
    }

    /**
     * Nothing visible, and {@code connector} holds nothing: no receive under way, everything it received decided and
     * settled. Leases still held in the queue then belong to nobody (a lost pull reply, a dropped settlement, a
     * connector closed before it could settle). Observed while the queue did not change. Assumes {@code connector}
     * is the only one running on the kit's queue.
     */
    private boolean isQuiet(Connector connector) {
        long before = queue.changeCount();
        ConnectorStats stats = connector.stats();
        boolean quiet = stats.inFlight() == 0 && stats.unsettled() == 0 && queue.visible() == 0;
        return quiet && queue.changeCount() == before;
    }

    /** Closes the connectors started through the kit. */
    @Override
    public void close() {
        List<Connector> toClose;
        synchronized (started) {
            toClose = new ArrayList<>(started);
            started.clear();
        }
        for (Connector connector : toClose) {
            connector.close();
        }
    }

    /** Configures a {@link ConnectorTestKit}. Not thread-safe. */
    public static final class Builder {
        private String bucket = DEFAULT_BUCKET;
        private Instant start = Instant.parse("2026-01-01T00:00:00Z");
        private long seed = 42L;
        private int maxRetries = ai.rootkey.connector.RetryPolicy.DEFAULT_MAX_RETRIES;
        private Duration visibilityTimeout = Duration.ofMinutes(10);
        private boolean retainContent = true;

        private Builder() {
        }

        public Builder bucket(String name) {
            this.bucket = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Where the manual clock starts. */
        public Builder startTime(Instant start) {
            this.start = Objects.requireNonNull(start, "start");
            return this;
        }

        /** The jitter seed for connectors built by the kit, and the anchorer's fault seed. Default 42. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The queue's {@code max_retries}: a message is delivered up to {@code maxRetries + 1} times. Default 5, what
         * the connector expects; the connector reads it from the queue at start.
         */
        public Builder maxRetries(int maxRetries) {
            this.maxRetries = maxRetries;
            return this;
        }

        /** The queue's lease length. Default 10 minutes. */
        public Builder visibilityTimeout(Duration visibilityTimeout) {
            this.visibilityTimeout = Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
            return this;
        }

        /** Whether the anchorer keeps uploaded content (default true; turn off for big or many files). */
        public Builder retainContent(boolean retain) {
            this.retainContent = retain;
            return this;
        }

        public ConnectorTestKit build() {
            return new ConnectorTestKit(this);
        }
    }
}
