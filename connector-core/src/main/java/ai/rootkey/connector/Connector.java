package ai.rootkey.connector;

import ai.rootkey.connector.internal.ConnectorEngine;
import ai.rootkey.connector.internal.ConnectorSettings;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.random.RandomGenerator;

/**
 * Moves events from an {@link EventSource} through filters, an {@link ObjectReader} and an {@link Anchorer},
 * and settles each one: ack on success or permanent failure, retry with back-off on transient failure.
 *
 * <pre>{@code
 * try (Connector connector = Connector.builder()
 *         .source(queue).reader(bucket).anchorer(api)
 *         .bucket("acme-documents")
 *         .filter(EventFilter.prefix("contracts/"))
 *         .start()) {
 *     ... // runs on its own threads until closed
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} drains: it stops receiving, lets uploads in flight finish for up to the
 * drain timeout, hands every unfinished delivery back to the queue for redelivery (never acks it), flushes
 * pending settlements, and stops its threads. It does not close the source, reader or anchorer it was given.
 */
public interface Connector extends AutoCloseable {

    /** Objects processed at once. */
    int DEFAULT_CONCURRENCY = 16;
    /** Messages asked for per receive. */
    int DEFAULT_BATCH_SIZE = 25;
    /** Largest object anchored, in bytes (500 MiB, the Worker's limit). */
    long DEFAULT_MAX_FILE_SIZE_BYTES = 524_288_000L;
    /** Largest value {@link Builder#maxFileSizeBytes(long)} accepts: R2's object limit, 5 TiB. */
    long MAX_FILE_SIZE_LIMIT_BYTES = 5L * 1024 * 1024 * 1024 * 1024;
    /** First wait after an empty receive; doubles up to {@link #DEFAULT_IDLE_BACKOFF_MAX}. */
    Duration DEFAULT_IDLE_BACKOFF_MIN = Duration.ofMillis(100);
    /** Longest wait between empty receives. */
    Duration DEFAULT_IDLE_BACKOFF_MAX = Duration.ofSeconds(5);
    /** How long {@link #close()} lets uploads in flight finish. */
    Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    /** Settlements are sent to the source when this many are pending... */
    int DEFAULT_SETTLE_BATCH_SIZE = 50;
    /** ...or when the oldest has waited this long. */
    Duration DEFAULT_SETTLE_INTERVAL = Duration.ofMillis(200);
    /** How often a paused connector probes whether its configuration works again. */
    Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(15);
    /**
     * The longest probe interval: when a probe passes but the trial delivery after it is refused again, the
     * interval doubles up to this.
     */
    Duration MAX_PROBE_INTERVAL = Duration.ofMinutes(15);
    /**
     * The smallest default lease safety margin; the default is the larger of this and a tenth of the lease's length.
     */
    Duration DEFAULT_LEASE_SAFETY_MARGIN_MIN = Duration.ofSeconds(10);
    /** The longest {@code Retry-After} from the queue that the poller and the settler wait for. */
    Duration MAX_QUEUE_RETRY_AFTER = Duration.ofMinutes(15);

    /**
     * Starts receiving on the connector's own threads and returns this connector.
     *
     * @throws IllegalStateException if already started or closed
     */
    Connector start();

    /** A snapshot of the counters; cheap, callable at any time. */
    ConnectorStats stats();

    /** The current health: UP, DEGRADED (a dependency failing transiently) or DOWN (with the reason). */
    Health health();

    /**
     * Drains and stops (see the class comment). Idempotent; blocks for at most about the drain timeout plus
     * the time to flush settlements. Never throws.
     */
    @Override
    void close();

    /** A new builder. */
    static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link Connector}. Not thread-safe; each {@link #build()} yields an independent connector. */
    final class Builder {
        private EventSource source;
        private ObjectReader reader;
        private Anchorer anchorer;
        private FailureClassifier classifier = FailureClassifier.defaults();
        private String bucket;
        private final List<EventFilter> filters = new ArrayList<>();
        private final List<ConnectorListener> listeners = new ArrayList<>();
        private int concurrency = DEFAULT_CONCURRENCY;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private long maxFileSizeBytes = DEFAULT_MAX_FILE_SIZE_BYTES;
        private RetryPolicy retryPolicy = RetryPolicy.defaults();
        private Duration idleBackoffMin = DEFAULT_IDLE_BACKOFF_MIN;
        private Duration idleBackoffMax = DEFAULT_IDLE_BACKOFF_MAX;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private int settleBatchSize = DEFAULT_SETTLE_BATCH_SIZE;
        private Duration settleInterval = DEFAULT_SETTLE_INTERVAL;
        private Duration probeInterval = DEFAULT_PROBE_INTERVAL;
        private Duration leaseSafetyMargin;
        private Clock clock = Clock.systemUTC();
        private RandomGenerator random;
        private String name = "rootkey-connector";

        private Builder() {
        }

        /** Where events come from. Required. Not closed by the connector. */
        public Builder source(EventSource source) {
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /** Where objects are read from. Required. Not closed by the connector. */
        public Builder reader(ObjectReader reader) {
            this.reader = Objects.requireNonNull(reader, "reader");
            return this;
        }

        /** Where objects are uploaded to. Required. Not closed by the connector. */
        public Builder anchorer(Anchorer anchorer) {
            this.anchorer = Objects.requireNonNull(anchorer, "anchorer");
            return this;
        }

        /** How failures are classified. Default {@link FailureClassifier#defaults()}. */
        public Builder classifier(FailureClassifier classifier) {
            this.classifier = Objects.requireNonNull(classifier, "classifier");
            return this;
        }

        /**
         * The only bucket this connector anchors from: events naming another bucket are permanent failures
         * ({@code foreign_bucket}). Default: no check.
         */
        public Builder bucket(String bucket) {
            Objects.requireNonNull(bucket, "bucket");
            if (bucket.isBlank()) {
                throw new IllegalArgumentException("bucket must not be blank");
            }
            this.bucket = bucket;
            return this;
        }

        /** Adds a filter; an event is anchored only if every filter accepts it. */
        public Builder filter(EventFilter filter) {
            filters.add(Objects.requireNonNull(filter, "filter"));
            return this;
        }

        /** Adds a listener; listeners are called in the order added. */
        public Builder listener(ConnectorListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Objects processed at once, 1 to 1024. Default {@value Connector#DEFAULT_CONCURRENCY}. */
        public Builder concurrency(int concurrency) {
            this.concurrency = requireRange(concurrency, 1, 1024, "concurrency");
            return this;
        }

        /**
         * Messages asked for per receive, 1 to 100 (and at most the source's limit). The connector holds at most
         * {@code concurrency + batchSize} deliveries it has not decided yet: it never leases more than it can start.
         * Where the source takes several receives at once ({@link EventSource#maxConcurrentCalls()}, 8 for
         * Cloudflare Queues), the second term is {@code max(batchSize, min(concurrency, calls × batchSize))}:
         * with many workers, as many may be received ahead as the workers start in one round, so that a distant
         * queue's round trip is hidden. Default {@value Connector#DEFAULT_BATCH_SIZE}.
         */
        public Builder batchSize(int batchSize) {
            this.batchSize = requireRange(batchSize, 1, 100, "batchSize");
            return this;
        }

        /** Largest object anchored, in bytes, 1 to 5 TiB. Default {@value Connector#DEFAULT_MAX_FILE_SIZE_BYTES}. */
        public Builder maxFileSizeBytes(long bytes) {
            if (bytes < 1 || bytes > MAX_FILE_SIZE_LIMIT_BYTES) {
                throw new IllegalArgumentException("maxFileSizeBytes must be between 1 and " + MAX_FILE_SIZE_LIMIT_BYTES
                        + " (5 TiB), was " + bytes);
            }
            this.maxFileSizeBytes = bytes;
            return this;
        }

        /** Retry back-off and attempt limit. Default {@link RetryPolicy#defaults()}. */
        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
            return this;
        }

        /** Wait after an empty receive: starts at {@code min}, doubles up to {@code max}. Default 100 ms to 5 s. */
        public Builder idleBackoff(Duration min, Duration max) {
            requirePositive(min, "idleBackoff min");
            requirePositive(max, "idleBackoff max");
            if (max.compareTo(min) < 0) {
                throw new IllegalArgumentException("idleBackoff max (" + max + ") must be >= min (" + min + ")");
            }
            this.idleBackoffMin = min;
            this.idleBackoffMax = max;
            return this;
        }

        /** How long {@link Connector#close()} lets uploads in flight finish. Default 30 s. */
        public Builder drainTimeout(Duration drainTimeout) {
            Objects.requireNonNull(drainTimeout, "drainTimeout");
            if (drainTimeout.isNegative()) {
                throw new IllegalArgumentException("drainTimeout must not be negative, was " + drainTimeout);
            }
            this.drainTimeout = drainTimeout;
            return this;
        }

        /**
         * Settlements are sent in batches: when {@code batchSize} are pending, when the oldest has waited
         * {@code maxDelay}, when a receive finds the queue empty, and always on close. Default 50 and 200 ms.
         */
        public Builder settleEvery(int batchSize, Duration maxDelay) {
            this.settleBatchSize = requireRange(batchSize, 1, 1000, "settle batchSize");
            this.settleInterval = requirePositive(maxDelay, "settle maxDelay");
            return this;
        }

        /**
         * How often a paused connector probes its configuration. Default 15 s. When a probe passes but the next
         * delivery is refused again, the interval doubles, up to {@link Connector#MAX_PROBE_INTERVAL} (or this
         * interval, if longer).
         */
        public Builder probeInterval(Duration probeInterval) {
            this.probeInterval = requirePositive(probeInterval, "probeInterval");
            return this;
        }

        /**
         * How much of a delivery's lease must be left for the connector to start reading or uploading it (DESIGN
         * section 4 rule 11); with less left, it hands the delivery back. Applies to sources that report lease
         * deadlines. Default: the larger of {@link Connector#DEFAULT_LEASE_SAFETY_MARGIN_MIN} and a tenth of the
         * lease's length. Zero turns the check off.
         */
        public Builder leaseSafetyMargin(Duration margin) {
            Objects.requireNonNull(margin, "margin");
            if (margin.isNegative()) {
                throw new IllegalArgumentException("leaseSafetyMargin must not be negative, was " + margin);
            }
            this.leaseSafetyMargin = margin;
            return this;
        }

        /** The clock for timestamps and durations. Default the UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The jitter source for retry delays. Default a new unseeded {@link Random}. */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** Shorthand for {@code random(new Random(seed))}: deterministic jitter. */
        public Builder randomSeed(long seed) {
            this.random = new Random(seed);
            return this;
        }

        /** A name for the connector's threads and log lines. Default {@code rootkey-connector}. */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            this.name = name;
            return this;
        }

        /**
         * Builds the connector, not yet started.
         *
         * @throws IllegalStateException when the source, reader or anchorer is missing, the batch size exceeds
         *                               the source's limit, or the source allows fewer than one receive at once
         */
        public Connector build() {
            if (source == null) {
                throw new IllegalStateException("no EventSource: call source(...) or use R2Connector.builder()");
            }
            if (reader == null) {
                throw new IllegalStateException("no ObjectReader: call reader(...) or use R2Connector.builder()");
            }
            if (anchorer == null) {
                throw new IllegalStateException("no Anchorer: call anchorer(...) or use R2Connector.builder()");
            }
            if (batchSize > source.maxBatchSize()) {
                throw new IllegalStateException("batchSize " + batchSize + " exceeds the source's limit of "
                        + source.maxBatchSize() + ": lower batchSize(...)");
            }
            if (source.maxConcurrentCalls() < 1) {
                throw new IllegalStateException("the source's maxConcurrentCalls() must be at least 1, was "
                        + source.maxConcurrentCalls() + ": fix the EventSource implementation");
            }
            EventFilter filter = filters.stream().reduce(EventFilter::and).orElse(EventFilter.all());
            return new ConnectorEngine(new ConnectorSettings(source, reader, anchorer, classifier,
                    Optional.ofNullable(bucket), filter, List.copyOf(listeners), concurrency, batchSize,
                    source.maxConcurrentCalls(), maxFileSizeBytes, retryPolicy, idleBackoffMin, idleBackoffMax, drainTimeout, settleBatchSize,
                    settleInterval, probeInterval, Optional.ofNullable(leaseSafetyMargin), clock,
                    random == null ? new Random() : random, name));
        }

        /** {@link #build()} then {@link Connector#start()}. */
        public Connector start() {
            return build().start();
        }

        private static int requireRange(int value, int min, int max, String name) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + value);
            }
            return value;
        }

        private static Duration requirePositive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
            return d;
        }
    }
}
