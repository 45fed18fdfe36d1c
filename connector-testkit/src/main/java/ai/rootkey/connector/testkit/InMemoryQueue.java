package ai.rootkey.connector.testkit;

import ai.rootkey.connector.Backlog;
import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.RetryPolicy;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.r2.R2EventCodec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * An in-memory queue with the semantics of a Cloudflare Queue consumed over HTTP pull (DESIGN section 6.2),
 * for tests. Thread-safe.
 *
 * <ul>
 *   <li>Bodies are kept as published ({@code json} or {@code text}), so malformed bodies can be enqueued too;
 *       each receive parses them with {@link R2EventCodec}.</li>
 *   <li>{@link #receive(int)} leases visible messages for the visibility timeout and increments their
 *       {@code attempts} (the first delivery is attempt 1). A lease that expires makes the message visible
 *       again.</li>
 *   <li>An ack removes the message, even after its lease expired (as long as it was not removed since). A
 *       retry makes it visible again after the delay; a retry of a lease that was superseded by a newer lease
 *       is ignored and counted as a warning.</li>
 *   <li>Exhaustion: a message that is retried, or whose lease expires, after {@code maxRetries} deliveries is
 *       moved to the dead-letter queue (or dropped when there is none). With {@code maxRetries} 5 the connector's
 *       default of 5 attempts agrees with the queue.</li>
 *   <li>Time comes from the injected {@link Clock}; with a {@link TestClock}, expiry and delays happen when the
 *       test advances it. Delays keep millisecond precision (the real queue rounds to seconds).</li>
 * </ul>
 */
public final class InMemoryQueue implements EventSource {
    /** The account id written into events published through this queue's helpers. */
    public static final String DEFAULT_ACCOUNT_ID = "0123456789abcdef0123456789abcdef";

    /** How a message body was published. */
    public enum ContentType { JSON, TEXT }

    /**
     * A message as stored, for inspection.
     *
     * @param id          the stable message id
     * @param body        the body as published
     * @param contentType how it was published
     * @param attempts    deliveries so far
     * @param publishedAt when it was published
     */
    public record Message(String id, String body, ContentType contentType, int attempts, Instant publishedAt) {
    }

    private final String name;
    private final Clock clock;
    private final int maxRetries;
    private final Duration visibilityTimeout;
    private final InMemoryQueue deadLetterQueue;
    private final R2EventCodec codec;

    private final Object lock = new Object();
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, Entry> byLease = new HashMap<>();
    private final List<Message> acked = new ArrayList<>();
    private final List<Message> deadLettered = new ArrayList<>();
    private final ArrayDeque<Supplier<? extends IOException>> receiveFaults = new ArrayDeque<>();
    private final ArrayDeque<SettleFault> settleFaults = new ArrayDeque<>();
    private long sequence;
    private long deliveries;
    private long warnings;
    private long changes;

    private InMemoryQueue(Builder b) {
        this.name = b.name;
        this.clock = b.clock;
        this.maxRetries = b.maxRetries;
        this.visibilityTimeout = b.visibilityTimeout;
        this.deadLetterQueue = b.deadLetterQueue;
        this.codec = b.codec;
    }

    /** A queue named {@code events} with the defaults of {@link Builder}. */
    public static InMemoryQueue create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public String name() {
        return name;
    }

    public Clock clock() {
        return clock;
    }

    public int maxRetries() {
        return maxRetries;
    }

    public Optional<InMemoryQueue> deadLetterQueue() {
        return Optional.ofNullable(deadLetterQueue);
    }

    // ------------------------------------------------------------------ publishing

    /** Publishes a {@code json} body exactly as given (it need not be valid); returns the message id. */
    public String publish(String jsonBody) {
        return publish(jsonBody, ContentType.JSON, Duration.ZERO);
    }

    /** Publishes the R2 event notification for {@code event}, as R2 would. */
    public String publish(ObjectEvent event) {
        return publish(codec.toJson(event, DEFAULT_ACCOUNT_ID));
    }

    /** Publishes a {@code text} body. */
    public String publishText(String body) {
        return publish(body, ContentType.TEXT, Duration.ZERO);
    }

    /** Publishes a body that becomes visible after {@code delay}. */
    public String publish(String body, ContentType contentType, Duration delay) {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(delay, "delay");
        synchronized (lock) {
            Instant now = clock.instant();
            String id = String.format("%032x", ++sequence);
            entries.put(id, new Entry(id, body, contentType, now, now.plus(delay)));
            changes++;
            return id;
        }
    }

    // ------------------------------------------------------------------ EventSource

    @Override
    public Batch receive(int maxMessages) throws IOException {
        if (maxMessages < 1 || maxMessages > maxBatchSize()) {
            throw new IllegalArgumentException("maxMessages must be between 1 and " + maxBatchSize() + ", was "
                    + maxMessages);
        }
        List<Delivery> batch = new ArrayList<>();
        Backlog backlog;
        synchronized (lock) {
            Supplier<? extends IOException> fault = receiveFaults.poll();
            if (fault != null) {
                throw fault.get();
            }
            Instant now = clock.instant();
            expireLeases(now);
            for (Entry entry : new ArrayList<>(entries.values())) {
                if (batch.size() >= maxMessages) {
                    break;
                }
                if (entry.leaseId != null || entry.visibleAt.isAfter(now)) {
                    continue;
                }
                entry.attempts++;
                entry.leaseId = UUID.randomUUID().toString();
                entry.leaseExpiresAt = now.plus(visibilityTimeout);
                byLease.put(entry.leaseId, entry);
                deliveries++;
                changes++;
                batch.add(codec.toDelivery(entry.id, entry.leaseId, entry.attempts, entry.body));
            }
            backlog = backlogLocked();
        }
        return new Batch(batch, Optional.of(backlog));
    }

    @Override
    public void settle(List<Settlement> settlements) throws IOException {
        Objects.requireNonNull(settlements, "settlements");
        synchronized (lock) {
            SettleFault fault = settleFaults.poll();
            if (fault != null && !fault.applied) {
                throw fault.exception.get();
            }
            Instant now = clock.instant();
            expireLeases(now);
            changes++;
            for (Settlement settlement : settlements) {
                Entry entry = byLease.get(settlement.delivery().leaseId());
                if (entry == null || !entries.containsKey(entry.id)) {
                    warnings++;
                    continue;
                }
                boolean current = settlement.delivery().leaseId().equals(entry.leaseId)
                        || (entry.leaseId == null && settlement.delivery().attempts() == entry.attempts);
                if (settlement.kind() == Settlement.Kind.ACK) {
                    remove(entry);
                    acked.add(entry.snapshot());
                } else if (!current) {
                    warnings++;
                } else if (entry.attempts >= maxRetries) {
                    deadLetter(entry);
                } else {
                    unlease(entry);
                    entry.visibleAt = now.plus(settlement.delay());
                }
            }
            if (fault != null) {
                throw fault.exception.get();
            }
        }
    }

    @Override
    public int maxBatchSize() {
        return 100;
    }

    // ------------------------------------------------------------------ faults

    /** The next {@code count} receives throw the supplied exception without leasing anything. */
    public void failNextReceives(int count, Supplier<? extends IOException> exception) {
        synchronized (lock) {
            for (int i = 0; i < count; i++) {
                receiveFaults.add(exception);
            }
        }
    }

    /**
     * The next {@code count} settle calls throw. With {@code applied} true the settlements take effect first
     * and only the reply is lost, as when a connection drops after the server acted.
     */
    public void failNextSettles(int count, boolean applied, Supplier<? extends IOException> exception) {
        synchronized (lock) {
            for (int i = 0; i < count; i++) {
                settleFaults.add(new SettleFault(applied, exception));
            }
        }
    }

    // ------------------------------------------------------------------ inspection

    /** Messages removed by an ack, in ack order. */
    public List<Message> acked() {
        synchronized (lock) {
            return List.copyOf(acked);
        }
    }

    /** Messages this queue moved to its dead-letter queue (or dropped, when it has none), in order. */
    public List<Message> deadLettered() {
        synchronized (lock) {
            return List.copyOf(deadLettered);
        }
    }

    /** Messages in the queue (leased, visible or delayed). */
    public List<Message> messages() {
        synchronized (lock) {
            return entries.values().stream().map(Entry::snapshot).toList();
        }
    }

    /** How many messages are leased right now (expired leases are counted until the next queue call notices). */
    public int inFlight() {
        synchronized (lock) {
            expireLeases(clock.instant());
            return (int) entries.values().stream().filter(e -> e.leaseId != null).count();
        }
    }

    /** How many messages are in the queue, leased or not. */
    public int backlog() {
        synchronized (lock) {
            expireLeases(clock.instant());
            return entries.size();
        }
    }

    /** Messages visible now (neither leased nor delayed). */
    public int visible() {
        synchronized (lock) {
            Instant now = clock.instant();
            expireLeases(now);
            return (int) entries.values().stream().filter(e -> e.leaseId == null && !e.visibleAt.isAfter(now)).count();
        }
    }

    /** When the next delayed (not yet visible, not leased) message becomes visible, if there is one. */
    public Optional<Instant> nextVisibleAt() {
        synchronized (lock) {
            Instant now = clock.instant();
            expireLeases(now);
            return entries.values().stream().filter(e -> e.leaseId == null && e.visibleAt.isAfter(now))
                    .map(e -> e.visibleAt).min(Comparator.naturalOrder());
        }
    }

    /** Total deliveries (leases handed out) since creation. */
    public long deliveries() {
        synchronized (lock) {
            return deliveries;
        }
    }

    /**
     * A counter that moves on every change of the queue's state (publish, lease, settle, expiry), so a test can
     * tell that several observations were taken while nothing changed.
     */
    public long changeCount() {
        synchronized (lock) {
            return changes;
        }
    }

    /** Settlements that named an unknown, removed or superseded lease (the real queue answers with warnings). */
    public long warnings() {
        synchronized (lock) {
            return warnings;
        }
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "InMemoryQueue[" + name + ", messages=" + entries.size() + ", acked=" + acked.size()
                    + ", deadLettered=" + deadLettered.size() + "]";
        }
    }

    // ------------------------------------------------------------------ internals (lock held)

    private void expireLeases(Instant now) {
        for (Entry entry : new ArrayList<>(entries.values())) {
            if (entry.leaseId != null && !entry.leaseExpiresAt.isAfter(now)) {
                changes++;
                if (entry.attempts >= maxRetries) {
                    deadLetter(entry);
                } else {
                    unlease(entry);
                    entry.visibleAt = now;
                }
            }
        }
    }

    private void unlease(Entry entry) {
        entry.leaseId = null;
        entry.leaseExpiresAt = null;
    }

    private void remove(Entry entry) {
        entries.remove(entry.id);
        unlease(entry);
    }

    private void deadLetter(Entry entry) {
        remove(entry);
        Message message = entry.snapshot();
        deadLettered.add(message);
        if (deadLetterQueue != null) {
            deadLetterQueue.publish(entry.body, entry.contentType, Duration.ZERO);
        }
    }

    private Backlog backlogLocked() {
        long bytes = 0;
        Instant oldest = null;
        for (Entry e : entries.values()) {
            bytes += e.body.getBytes(StandardCharsets.UTF_8).length;
            if (oldest == null || e.publishedAt.isBefore(oldest)) {
                oldest = e.publishedAt;
            }
        }
        return new Backlog(entries.size(), bytes, Optional.ofNullable(oldest));
    }

    private static final class Entry {
        final String id;
        final String body;
        final ContentType contentType;
        final Instant publishedAt;
        Instant visibleAt;
        int attempts;
        String leaseId;
        Instant leaseExpiresAt;

        Entry(String id, String body, ContentType contentType, Instant publishedAt, Instant visibleAt) {
            this.id = id;
            this.body = body;
            this.contentType = contentType;
            this.publishedAt = publishedAt;
            this.visibleAt = visibleAt;
        }

        Message snapshot() {
            return new Message(id, body, contentType, attempts, publishedAt);
        }
    }

    private record SettleFault(boolean applied, Supplier<? extends IOException> exception) {
    }

    /** Configures an {@link InMemoryQueue}. Not thread-safe. */
    public static final class Builder {
        private String name = "events";
        private Clock clock = Clock.systemUTC();
        private int maxRetries = RetryPolicy.DEFAULT_MAX_ATTEMPTS;
        private Duration visibilityTimeout = Duration.ofSeconds(30);
        private InMemoryQueue deadLetterQueue;
        private R2EventCodec codec = R2EventCodec.standard();

        private Builder() {
        }

        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The clock for leases and delays; a {@link TestClock} makes them move only when the test says. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Deliveries before a failing message is dead-lettered. Default 5, what this connector expects. */
        public Builder maxRetries(int maxRetries) {
            if (maxRetries < 1 || maxRetries > 100) {
                throw new IllegalArgumentException("maxRetries must be between 1 and 100, was " + maxRetries);
            }
            this.maxRetries = maxRetries;
            return this;
        }

        /** How long a lease lasts. Default 30 s, Cloudflare's default. */
        public Builder visibilityTimeout(Duration visibilityTimeout) {
            Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
            if (visibilityTimeout.isNegative() || visibilityTimeout.isZero()) {
                throw new IllegalArgumentException("visibilityTimeout must be positive, was " + visibilityTimeout);
            }
            this.visibilityTimeout = visibilityTimeout;
            return this;
        }

        /** Where exhausted messages go. Default none: they are dropped (and still listed by {@code deadLettered()}). */
        public Builder deadLetterQueue(InMemoryQueue deadLetterQueue) {
            this.deadLetterQueue = Objects.requireNonNull(deadLetterQueue, "deadLetterQueue");
            return this;
        }

        /** The codec that turns bodies into events. Default {@link R2EventCodec#standard()}. */
        public Builder codec(R2EventCodec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        public InMemoryQueue build() {
            if (deadLetterQueue != null && deadLetterQueue.clock != clock) {
                throw new IllegalStateException("the dead-letter queue must share this queue's clock");
            }
            return new InMemoryQueue(this);
        }
    }
}
