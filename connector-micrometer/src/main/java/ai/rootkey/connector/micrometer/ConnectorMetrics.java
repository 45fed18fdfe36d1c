package ai.rootkey.connector.micrometer;

import ai.rootkey.connector.Backlog;
import ai.rootkey.connector.Batch;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.Health;
import ai.rootkey.connector.Outcome;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * Micrometer meters for one connector: a {@link ConnectorListener} that counts what the connector does and a
 * {@link MeterBinder} that exposes it. Register it as a listener when you build the connector, and bind it to any
 * number of registries, before or after the connector starts: counters read totals kept here, so nothing counted
 * before binding is lost (the upload timer records from the moment it is bound).
 *
 * <pre>{@code
 * ConnectorMetrics metrics = ConnectorMetrics.forBucket("acme-documents");
 * Connector connector = R2Connector.builder().config(config).listener(metrics).start();
 * metrics.bindTo(registry);
 * }</pre>
 *
 * <p>Meters (every one tagged {@code bucket} plus the builder's extra tags):
 * <ul>
 * <li>{@code rootkey.connector.deliveries} (counter, tag {@code outcome}: {@code anchored}, {@code skipped},
 * {@code retried}, {@code dead_lettered}, {@code terminal}, {@code released}, {@code requeued}).
 * {@code dead_lettered} counts transient failures on the last allowed attempt, which the queue moves to its
 * dead-letter queue; {@code requeued} counts deliveries handed back undecided on their last attempt and published
 * again instead.</li>
 * <li>{@code rootkey.connector.received} (counter): deliveries received from the queue.</li>
 * <li>{@code rootkey.connector.anchored.bytes} (counter, base unit bytes): content bytes the API accepted.</li>
 * <li>{@code rootkey.connector.upload.duration} (timer, tag {@code outcome}): from the start of processing to
 * the decision, for deliveries whose object was read and uploaded (successfully or not).</li>
 * <li>{@code rootkey.connector.retries} (counter, tag {@code reason}): transient failures handed back to the
 * queue, by the classifier's label ({@code http_503}, {@code timeout}, ...). At most {@value #MAX_REASONS}
 * distinct reasons are kept; further ones, and labels that are not short lowercase words, count as
 * {@code other}.</li>
 * <li>{@code rootkey.connector.in.flight} (gauge): received and not yet decided.</li>
 * <li>{@code rootkey.connector.backlog.messages} and {@code rootkey.connector.backlog.bytes} (gauges): the
 * queue's backlog at the last receive; NaN until the queue has reported one.</li>
 * <li>{@code rootkey.connector.backlog.oldest.age} (time gauge, seconds): how long the oldest waiting message has
 * waited, now; 0 when the backlog is empty, NaN when unknown.</li>
 * <li>{@code rootkey.connector.health} (gauge, tag {@code status}: {@code up}, {@code degraded}, {@code down}): 1
 * for the current status, 0 for the others.</li>
 * </ul>
 * Object keys are never tags. Thread-safe.
 */
public final class ConnectorMetrics implements ConnectorListener, MeterBinder {
    /** The common prefix of every meter name. */
    public static final String PREFIX = "rootkey.connector";
    /** The most distinct {@code reason} tag values of {@code rootkey.connector.retries}. */
    public static final int MAX_REASONS = 32;
    /** The {@code reason} used once {@value #MAX_REASONS} are taken, or for labels that are not tag-safe. */
    public static final String OTHER_REASON = "other";

    private static final Pattern REASON = Pattern.compile("^[a-z0-9][a-z0-9_.-]{0,63}$");

    private final Tags tags;
    private final Clock clock;
    private final LongAdder received = new LongAdder();
    private final LongAdder decided = new LongAdder();
    private final LongAdder bytesAnchored = new LongAdder();
    private final Map<Outcome.Kind, LongAdder> outcomes = new EnumMap<>(Outcome.Kind.class);
    private final Map<String, LongAdder> retriesByReason = new ConcurrentHashMap<>();
    private final AtomicReference<Backlog> backlog = new AtomicReference<>();
    private final AtomicReference<Health.Status> status = new AtomicReference<>(Health.Status.DOWN);
    /** Guards the registries bound so far and the timers registered in them. */
    private final Object binding = new Object();
    private final List<MeterRegistry> registries = new ArrayList<>();
    private volatile List<Map<Outcome.Kind, Timer>> timers = List.of();

    private ConnectorMetrics(Builder b) {
        Tags t = Tags.of("bucket", b.bucket);
        this.tags = t.and(b.extraTags);
        this.clock = b.clock;
        for (Outcome.Kind kind : Outcome.Kind.values()) {
            outcomes.put(kind, new LongAdder());
        }
    }

    /** Metrics tagged {@code bucket=<bucket>}, on the system clock. */
    public static ConnectorMetrics forBucket(String bucket) {
        return builder().bucket(bucket).build();
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The tag value of {@code outcome} for an outcome kind: its name in lowercase, {@code dead_lettered} for exhausted. */
    public static String outcomeTag(Outcome.Kind kind) {
        Objects.requireNonNull(kind, "kind");
        return kind == Outcome.Kind.EXHAUSTED ? "dead_lettered" : kind.name().toLowerCase(Locale.ROOT);
    }

    // ------------------------------------------------------------------ ConnectorListener

    @Override
    public void onBatchReceived(Batch batch) {
        received.add(batch.size());
        batch.backlog().ifPresent(backlog::set);
    }

    @Override
    public void onOutcome(Outcome outcome) {
        Outcome.Kind kind = outcome.kind();
        outcomes.get(kind).increment();
        decided.increment();
        if (kind == Outcome.Kind.ANCHORED) {
            bytesAnchored.add(outcome.receipt().map(r -> r.bytesSent()).orElse(0L));
        }
        if (kind == Outcome.Kind.RETRIED || kind == Outcome.Kind.EXHAUSTED) {
            retryCounter(outcome.reason()).increment();
        }
        if (outcome.source().isPresent()) {
            for (Map<Outcome.Kind, Timer> byKind : timers) {
                Timer timer = byKind.get(kind);
                if (timer != null) {
                    timer.record(outcome.elapsed());
                }
            }
        }
    }

    @Override
    public void onHealthChanged(Health health) {
        status.set(health.status());
    }

    // ------------------------------------------------------------------ MeterBinder

    /** Registers every meter in {@code registry}; binding the same registry twice is harmless. */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        synchronized (binding) {
            if (registries.contains(registry)) {
                return;
            }
            for (Outcome.Kind kind : Outcome.Kind.values()) {
                LongAdder count = outcomes.get(kind);
                FunctionCounter.builder(PREFIX + ".deliveries", count, LongAdder::doubleValue)
                        .description("Deliveries decided, by outcome")
                        .tags(tags).tag("outcome", outcomeTag(kind)).register(registry);
            }
            FunctionCounter.builder(PREFIX + ".received", received, LongAdder::doubleValue)
                    .description("Deliveries received from the queue").tags(tags).register(registry);
            FunctionCounter.builder(PREFIX + ".anchored.bytes", bytesAnchored, LongAdder::doubleValue)
                    .description("Content bytes accepted by the ROOTKey API").baseUnit("bytes").tags(tags)
                    .register(registry);
            for (Map.Entry<String, LongAdder> reason : retriesByReason.entrySet()) {
                registerRetries(registry, reason.getKey(), reason.getValue());
            }
            Gauge.builder(PREFIX + ".in.flight", this, m -> Math.max(0, m.received.sum() - m.decided.sum()))
                    .description("Deliveries received and not yet decided").tags(tags).register(registry);
            Gauge.builder(PREFIX + ".backlog.messages", this, m -> m.backlogValue(false))
                    .description("Messages waiting in the queue at the last receive").tags(tags).register(registry);
            Gauge.builder(PREFIX + ".backlog.bytes", this, m -> m.backlogValue(true))
                    .description("Bytes waiting in the queue at the last receive").baseUnit("bytes").tags(tags)
                    .register(registry);
            TimeGauge.builder(PREFIX + ".backlog.oldest.age", this, TimeUnit.SECONDS, ConnectorMetrics::oldestAgeSeconds)
                    .description("How long the oldest waiting message has waited").tags(tags).register(registry);
            for (Health.Status s : Health.Status.values()) {
                Gauge.builder(PREFIX + ".health", this, m -> m.status.get() == s ? 1 : 0)
                        .description("1 for the connector's current health status, 0 for the others")
                        .tags(tags).tag("status", s.name().toLowerCase(Locale.ROOT)).register(registry);
            }
            Map<Outcome.Kind, Timer> byKind = new EnumMap<>(Outcome.Kind.class);
            for (Outcome.Kind kind : Outcome.Kind.values()) {
                byKind.put(kind, Timer.builder(PREFIX + ".upload.duration")
                        .description("Time from the start of processing to the decision, for uploaded objects")
                        .tags(tags).tag("outcome", outcomeTag(kind)).register(registry));
            }
            List<Map<Outcome.Kind, Timer>> more = new ArrayList<>(timers);
            more.add(byKind);
            timers = List.copyOf(more);
            registries.add(registry);
        }
    }

    private LongAdder retryCounter(String reason) {
        String label = REASON.matcher(reason).matches() ? reason : OTHER_REASON;
        LongAdder existing = retriesByReason.get(label);
        if (existing != null) {
            return existing;
        }
        synchronized (binding) {
            existing = retriesByReason.get(label);
            if (existing != null) {
                return existing;
            }
            if (retriesByReason.size() >= MAX_REASONS - 1 && !label.equals(OTHER_REASON)) {
                return retryCounter(OTHER_REASON);
            }
            LongAdder counter = new LongAdder();
            retriesByReason.put(label, counter);
            for (MeterRegistry registry : registries) {
                registerRetries(registry, label, counter);
            }
            return counter;
        }
    }

    private void registerRetries(MeterRegistry registry, String reason, LongAdder counter) {
        FunctionCounter.builder(PREFIX + ".retries", counter, LongAdder::doubleValue)
                .description("Transient failures handed back to the queue, by reason")
                .tags(tags).tag("reason", reason).register(registry);
    }

    private double backlogValue(boolean bytes) {
        Backlog b = backlog.get();
        if (b == null) {
            return Double.NaN;
        }
        return bytes ? b.bytes() : b.messages();
    }

    private double oldestAgeSeconds() {
        Backlog b = backlog.get();
        if (b == null) {
            return Double.NaN;
        }
        if (b.oldestMessageTime().isEmpty()) {
            return b.messages() == 0 ? 0 : Double.NaN;
        }
        Instant oldest = b.oldestMessageTime().get();
        Duration age = Duration.between(oldest, clock.instant());
        return age.isNegative() ? 0 : age.toMillis() / 1000.0;
    }

    @Override
    public String toString() {
        return "ConnectorMetrics" + tags.stream().map(Tag::toString).toList();
    }

    /** Configures {@link ConnectorMetrics}. Not thread-safe. */
    public static final class Builder {
        private String bucket;
        private Tags extraTags = Tags.empty();
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** The {@code bucket} tag of every meter. Required. */
        public Builder bucket(String bucket) {
            Objects.requireNonNull(bucket, "bucket");
            if (bucket.isBlank()) {
                throw new IllegalArgumentException("bucket must not be blank");
            }
            this.bucket = bucket;
            return this;
        }

        /** More tags on every meter (e.g. {@code env=prod}); keep their values few. */
        public Builder tags(Iterable<Tag> tags) {
            this.extraTags = this.extraTags.and(Objects.requireNonNull(tags, "tags"));
            return this;
        }

        /** The clock for the oldest-message age; use the connector's. Default the UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The metrics, not yet bound to a registry.
         *
         * @throws IllegalStateException without a bucket
         */
        public ConnectorMetrics build() {
            if (bucket == null) {
                throw new IllegalStateException("no bucket: call bucket(...) (the tag that tells connectors apart)");
            }
            return new ConnectorMetrics(this);
        }
    }
}
