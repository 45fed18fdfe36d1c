package ai.rootkey.connector.testkit;

import ai.rootkey.connector.Backlog;
import ai.rootkey.connector.Batch;
import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.RetryPolicy;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.r2.R2EventCodec;
import ai.rootkey.connector.testkit.internal.FaultPlan;
import ai.rootkey.connector.testkit.internal.FaultStreams;
import ai.rootkey.connector.testkit.internal.QueueBroker;
import ai.rootkey.connector.testkit.internal.Waiting;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * An in-memory Cloudflare Queue consumed over HTTP pull (DESIGN section 6.2), for tests: an {@link EventSource}
 * with the real semantics. It is a view of the same queue model as {@link FakeCloudflareQueues} (the test kit's one
 * state machine, whose rules cite their sources), so both behave alike and {@link EventSourceContract} pins both.
 * Thread-safe.
 *
 * <ul>
 *   <li>Bodies are kept as published ({@code json} or {@code text}), so malformed bodies can be enqueued too;
 *       each receive parses them with {@link R2EventCodec}.</li>
 *   <li>{@link #receive(int)} leases visible messages for the visibility timeout and increments their
 *       {@code attempts} (the first delivery is attempt 1); each delivery carries its lease deadline and the message
 *       as stored. A lease that expires makes the message visible again.</li>
 *   <li>An ack removes the message, even after its lease expired (as long as it was not removed since). A retry
 *       makes it visible again after the delay, rounded up to whole seconds and capped at 12 hours as the HTTP API
 *       takes it; a retry of a lease superseded by a newer one, or already retried, is ignored and counted as a
 *       warning. A {@linkplain Settlement#requeue requeue} publishes the body again as a new message, then acks.</li>
 *   <li>Exhaustion: {@code maxRetries} counts retries, like Cloudflare's {@code max_retries}: a message retried,
 *       or whose lease expires, on delivery {@code maxRetries + 1} is moved to the dead-letter queue (same id, attempts
 *       from zero) or dropped when there is none. {@link #maxRetries()} reports the setting to the engine.</li>
 *   <li>{@link #settle(List)} applies the settlements in calls of at most 100, each applied as a whole, in order,
 *       as the Cloudflare source does over HTTP.</li>
 *   <li>Time comes from the injected {@link Clock}; with a {@link TestClock}, expiry and delays happen when the
 *       test advances it.</li>
 * </ul>
 *
 * <p>Faults ({@link Fault}) are scripted for {@link QueueEndpoint#PULL} (a {@link #receive}) and
 * {@link QueueEndpoint#ACK} (a {@link #settle}) with {@link #failNext}, or drawn at random with {@link #faultRate},
 * as on {@link FakeCloudflareQueues}; a call meets them as {@code CloudflareQueueSource} shows the same fault of the
 * HTTP API (without its retries within a call): a status is a {@link DependencyException}, or a
 * {@link ConfigurationException} for 401, 403 and 404; a dropped connection is an {@link IOException}.
 *
 * <pre>{@code
 * InMemoryQueue queue = InMemoryQueue.builder().maxRetries(2).build();
 * queue.publish(event);
 * queue.failNext(QueueEndpoint.PULL, 1, Fault.dropAfterApply());   // leased, reply lost: redelivered later
 * // ... run a connector on it ...
 * assertThat(queue.awaitAcked(1, Duration.ofSeconds(5))).hasSize(1);
 * }</pre>
 */
public final class InMemoryQueue implements EventSource {
    /** The account id written into events published through this queue's helpers. */
    public static final String DEFAULT_ACCOUNT_ID = "0123456789abcdef0123456789abcdef";
    /** The most settlements one settle call applies at once, like one Cloudflare ack call. */
    public static final int SETTLE_CHUNK = 100;

    private static final String JSON = "json";
    private static final String TEXT = "text";

    private final String name;
    private final Clock clock;
    private final int maxRetries;
    private final Duration visibilityTimeout;
    private final InMemoryQueue deadLetterQueue;
    private final R2EventCodec codec;
    private final QueueBroker broker;
    private final String id;
    private final long seed;
    private final FaultPlan<QueueEndpoint> faults;
    private volatile boolean refusingCredentials;

    private InMemoryQueue(Builder b) {
        this.name = b.name;
        this.clock = b.clock;
        this.maxRetries = b.maxRetries;
        this.visibilityTimeout = b.visibilityTimeout;
        this.deadLetterQueue = b.deadLetterQueue;
        this.codec = b.codec;
        this.seed = b.seed;
        this.faults = new FaultPlan<>(b.seed ^ 0x5DEECE66DL);
        // A queue and its dead-letter queue live in one model, as two queues of one account.
        this.broker = deadLetterQueue != null ? deadLetterQueue.broker : new QueueBroker(clock::instant, b.seed);
        QueueConsumerSettings consumer = QueueConsumerSettings.defaults().withMaxRetries(maxRetries)
                .withVisibilityTimeout(visibilityTimeout);
        if (deadLetterQueue != null) {
            consumer = consumer.withDeadLetterQueue(deadLetterQueue.name);
        }
        this.id = broker.createQueue(name, consumer);
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

    /**
     * The consumer's {@code max_retries}: a message is delivered up to {@code maxRetries + 1} times. Reported to the
     * engine, which treats delivery {@code maxRetries + 1} as the last.
     */
    @Override
    public OptionalInt maxRetries() {
        return OptionalInt.of(maxRetries);
    }

    public Optional<InMemoryQueue> deadLetterQueue() {
        return Optional.ofNullable(deadLetterQueue);
    }

    /** The seed of the generated ids and of the random fault draws. */
    public long seed() {
        return seed;
    }

    // ------------------------------------------------------------------ publishing

    /** Publishes a {@code json} body exactly as given (it need not be valid); returns the message id. */
    public String publish(String jsonBody) {
        return publish(jsonBody, Duration.ZERO);
    }

    /** Publishes a {@code json} body that becomes visible after {@code delay} (whole seconds, at most 12 h). */
    public String publish(String jsonBody, Duration delay) {
        Objects.requireNonNull(jsonBody, "jsonBody");
        return broker.publish(id, JSON, jsonBody.getBytes(StandardCharsets.UTF_8), delay, "api");
    }

    /** Publishes the R2 event notification for {@code event}, as R2 would. */
    public String publish(ObjectEvent event) {
        return publish(codec.toJson(event, DEFAULT_ACCOUNT_ID));
    }

    /** Publishes a {@code text} body. */
    public String publishText(String body) {
        return publishText(body, Duration.ZERO);
    }

    /** Publishes a {@code text} body that becomes visible after {@code delay} (whole seconds, at most 12 h). */
    public String publishText(String body, Duration delay) {
        Objects.requireNonNull(body, "body");
        return broker.publish(id, TEXT, body.getBytes(StandardCharsets.UTF_8), delay, "api");
    }

    /**
     * Publishes raw bytes under any content type a Worker producer could use ({@code json}, {@code text},
     * {@code bytes}, {@code v8}), stored as given. Returns the id.
     */
    public String publishRaw(String contentType, byte[] body) {
        return broker.publish(id, contentType, body, Duration.ZERO, "worker");
    }

    // ------------------------------------------------------------------ EventSource

    @Override
    public Batch receive(int maxMessages) throws IOException {
        if (maxMessages < 1 || maxMessages > maxBatchSize()) {
            throw new IllegalArgumentException("maxMessages must be between 1 and " + maxBatchSize() + ", was "
                    + maxMessages);
        }
        Fault fault = beforeApplying(QueueEndpoint.PULL, "pull");
        checkCredentials("pull");
        QueueBroker.PullResult pulled = broker.pull(id, Optional.of(maxMessages), Optional.of(visibilityTimeout));
        if (fault != null && fault.kind() == Fault.Kind.DROP_AFTER_APPLY) {
            throw replyLost("pull"); // leased, but the reply is lost: the leases run out on their own
        }
        List<Delivery> batch = new ArrayList<>(pulled.messages().size());
        for (QueueBroker.Pulled m : pulled.messages()) {
            batch.add(toDelivery(m));
        }
        return new Batch(batch, Optional.of(new Backlog(pulled.backlogCount(), pulled.backlogBytes(),
                pulled.oldest())));
    }

    private Delivery toDelivery(QueueBroker.Pulled m) {
        Optional<String> text = textOf(m.contentType(), m.body());
        Delivery delivery;
        if (m.contentType().equals("v8")) {
            delivery = Delivery.malformed(m.id(), m.leaseId(), m.attempts(), "",
                    "v8 bodies cannot be decoded by a pull consumer");
        } else if (text.isEmpty()) {
            delivery = Delivery.malformed(m.id(), m.leaseId(), m.attempts(), "",
                    m.contentType() + " body is not UTF-8 text, so it cannot be an event");
        } else {
            delivery = codec.toDelivery(m.id(), m.leaseId(), m.attempts(), text.get());
        }
        delivery = delivery.withLeaseDeadline(m.leaseExpiresAt());
        if (text.isPresent() && (m.contentType().equals(JSON) || m.contentType().equals(TEXT))) {
            delivery = delivery.withMessage(new Delivery.Message(m.contentType(), text.get()));
        }
        return delivery;
    }

    /** Acks, retries and requeues, at most {@value #SETTLE_CHUNK} per step, each step applied as a whole. */
    @Override
    public void settle(List<Settlement> settlements) throws IOException {
        Objects.requireNonNull(settlements, "settlements");
        Fault fault = beforeApplying(QueueEndpoint.ACK, "ack");
        checkCredentials("ack");
        int chunks = (settlements.size() + SETTLE_CHUNK - 1) / SETTLE_CHUNK;
        boolean replyLost = fault != null && fault.kind() == Fault.Kind.DROP_AFTER_APPLY;
        int applyChunks = replyLost ? Math.min(chunks, fault.appliedChunks().orElse(chunks)) : chunks;
        for (int c = 0; c < applyChunks; c++) {
            apply(settlements.subList(c * SETTLE_CHUNK, Math.min(settlements.size(), (c + 1) * SETTLE_CHUNK)));
        }
        if (replyLost) {
            throw replyLost("ack");
        }
    }

    /** Fails while credentials are {@linkplain #refuseCredentials() refused}, as the HTTP source's probe does. */
    @Override
    public void probe() {
        checkCredentials("probe");
    }

    private void apply(List<Settlement> chunk) {
        List<String> acks = new ArrayList<>();
        List<QueueBroker.RetryRequest> retries = new ArrayList<>();
        for (Settlement s : chunk) {
            switch (s.kind()) {
                case ACK:
                    acks.add(s.delivery().leaseId());
                    break;
                case RETRY:
                    retries.add(new QueueBroker.RetryRequest(s.delivery().leaseId(),
                            Optional.of(QueueBroker.delaySeconds(s.delay()))));
                    break;
                case REQUEUE: {
                    Delivery.Message stored = s.delivery().message().orElseThrow(() -> new IllegalArgumentException(
                            "requeue of a delivery without its message: check canRequeue(delivery) first"));
                    // Publish first, ack after: a failure in between leaves a duplicate, never a loss.
                    broker.publish(id, stored.contentType(), stored.body().getBytes(StandardCharsets.UTF_8),
                            Duration.ZERO, "api");
                    acks.add(s.delivery().leaseId());
                    break;
                }
                default:
                    throw new IllegalStateException("unknown settlement " + s.kind());
            }
        }
        broker.settle(id, acks, retries);
    }

    /** True for deliveries this queue handed out with a {@code json} or {@code text} body. */
    @Override
    public boolean canRequeue(Delivery delivery) {
        return delivery.message().map(m -> m.contentType().equals(JSON) || m.contentType().equals(TEXT))
                .orElse(false);
    }

    @Override
    public int maxBatchSize() {
        return 100;
    }

    // ------------------------------------------------------------------ faults and credentials

    /**
     * The next {@code times} calls, receives or settles, meet {@code fault} (0: none). Scripted faults go first, in
     * the order they were scripted.
     *
     * @throws IllegalArgumentException for a kind a queue call cannot meet ({@link Fault#resetMidBody},
     *                                  {@link Fault#stallBody}), or {@link Fault#dropAfterApply(int)}, which is for
     *                                  {@link QueueEndpoint#ACK} only
     */
    public InMemoryQueue failNext(int times, Fault fault) {
        check(null, fault);
        faults.failNext(null, times, fault);
        return this;
    }

    /**
     * The next {@code times} calls to {@code endpoint} ({@link QueueEndpoint#PULL}: {@link #receive};
     * {@link QueueEndpoint#ACK}: {@link #settle}) meet {@code fault} (0: none). {@link Fault#dropAfterApply()}
     * on a pull leases the messages (attempts count) and loses the reply, so the leases run out and the messages
     * come again; on an ack it applies the whole call, and {@link Fault#dropAfterApply(int)} only its first steps
     * of {@value #SETTLE_CHUNK}, as when the second of several ack calls fails.
     *
     * @throws IllegalArgumentException for another endpoint, or a kind a queue call cannot meet
     */
    public InMemoryQueue failNext(QueueEndpoint endpoint, int times, Fault fault) {
        check(Objects.requireNonNull(endpoint, "endpoint"), fault);
        faults.failNext(endpoint, times, fault);
        return this;
    }

    /**
     * Each call to {@code endpoint} meets a fault with probability {@code rate} (0 turns it off), drawn uniformly
     * from {@code mix} with a {@link java.util.Random} seeded from {@link #seed()}.
     */
    public InMemoryQueue faultRate(QueueEndpoint endpoint, double rate, Fault... mix) {
        Objects.requireNonNull(endpoint, "endpoint");
        List<Fault> faultMix = List.of(mix);
        checkEndpoint(endpoint);
        faultMix.forEach(f -> check(endpoint, f));
        faults.rate(endpoint, rate, faultMix);
        return this;
    }

    /** Drops scripted faults and fault rates. */
    public InMemoryQueue clearFaults() {
        faults.clear();
        return this;
    }

    /** Faults met so far, scripted and random, in order. */
    public List<Fault> injectedFaults() {
        return faults.injected();
    }

    /**
     * From now on every receive, settle and probe is refused as the HTTP API refuses a revoked token (a
     * {@link ConfigurationException} saying to check {@code CLOUDFLARE_API_TOKEN}), until
     * {@link #acceptCredentials()}.
     */
    public InMemoryQueue refuseCredentials() {
        refusingCredentials = true;
        return this;
    }

    /** Undoes {@link #refuseCredentials()}. */
    public InMemoryQueue acceptCredentials() {
        refusingCredentials = false;
        return this;
    }

    private static void checkEndpoint(QueueEndpoint endpoint) {
        if (endpoint != null && endpoint != QueueEndpoint.PULL && endpoint != QueueEndpoint.ACK) {
            throw new IllegalArgumentException("InMemoryQueue is consumed through receive (PULL) and settle (ACK) "
                    + "only, was " + endpoint + ": FakeCloudflareQueues serves the other endpoints");
        }
    }

    private static void check(QueueEndpoint endpoint, Fault fault) {
        Objects.requireNonNull(fault, "fault");
        checkEndpoint(endpoint);
        switch (fault.kind()) {
            case RESET_MID_BODY:
            case STALL_BODY:
                throw FaultPlan.unsupported("InMemoryQueue", fault, "queue calls carry no body stream; use status, "
                        + "latency, dropBeforeApply, dropAfterApply or exception");
            case DROP_AFTER_APPLY:
                if (fault.appliedChunks().isPresent() && endpoint != QueueEndpoint.ACK) {
                    throw FaultPlan.unsupported("InMemoryQueue", fault, "only a settle is applied in steps: script "
                            + "it with failNext(QueueEndpoint.ACK, ...)");
                }
                return;
            default:
        }
    }

    /** Draws the fault for the call and acts out what happens before the call is applied. */
    private Fault beforeApplying(QueueEndpoint endpoint, String operation) throws IOException {
        Fault fault = faults.next(endpoint).orElse(null);
        if (fault == null) {
            return null;
        }
        switch (fault.kind()) {
            case STATUS:
                throw statusFailure(operation, fault);
            case EXCEPTION:
                fault.throwException();
                return fault;
            case DROP_BEFORE_APPLY:
                throw new IOException("Cloudflare Queues " + operation + ": connection closed before the call was "
                        + "applied (simulated by InMemoryQueue " + name + ")");
            case LATENCY:
                FaultStreams.sleep(fault.duration());
                return fault;
            default:
                return fault;
        }
    }

    /** What {@code CloudflareQueueSource} throws for an error answer. */
    private RuntimeException statusFailure(String operation, Fault fault) {
        int status = fault.status().getAsInt();
        String simulated = " (HTTP " + status + ", simulated by InMemoryQueue " + name + ")";
        if (status == 401 || status == 403) {
            return new ConfigurationException("Cloudflare Queues " + operation + " was refused" + simulated
                    + ": check CLOUDFLARE_API_TOKEN (it needs Queues read and write)");
        }
        if (status == 404) {
            return new ConfigurationException("queue not found" + simulated + ": check CLOUDFLARE_ACCOUNT_ID and "
                    + "R2_QUEUE_ID");
        }
        return new DependencyException("Cloudflare Queues " + operation + " failed" + simulated, status, null,
                fault.retryAfter().orElse(null), null);
    }

    private IOException replyLost(String operation) {
        return new IOException("Cloudflare Queues " + operation + ": connection closed after the call was applied; "
                + "the reply is lost (simulated by InMemoryQueue " + name + ")");
    }

    private void checkCredentials(String operation) {
        if (refusingCredentials) {
            throw new ConfigurationException("Cloudflare Queues " + operation + " was refused (HTTP 401, simulated "
                    + "by InMemoryQueue " + name + "): check CLOUDFLARE_API_TOKEN (it needs Queues read and write)");
        }
    }

    // ------------------------------------------------------------------ inspection

    /** Messages removed by an ack, in ack order. */
    public List<QueueMessage> acked() {
        return broker.acked(id);
    }

    /**
     * Messages this queue gave up on, in order, with their attempts: moved to the dead-letter queue (whose
     * {@link #messages()} then holds them, same ids) or dropped when there is none.
     */
    public List<QueueMessage> deadLettered() {
        return broker.deadLettered(id);
    }

    /** Messages in the queue (leased, visible or delayed), in publish order. */
    public List<QueueMessage> messages() {
        return broker.backlog(id);
    }

    /**
     * Up to {@code limit} (1..100) of the messages a receive would hand out next, without leasing them or counting an
     * attempt: Cloudflare's {@code messages/peek}.
     */
    public List<QueueMessage> peek(int limit) {
        List<QueueMessage> out = new ArrayList<>();
        for (QueueBroker.Peeked p : broker.peek(id, limit)) {
            out.add(new QueueMessage(p.id(), p.contentType(), QueueBroker.bodyText(p.contentType(), p.body()),
                    p.attempts(), p.publishedAt()));
        }
        return out;
    }

    /**
     * Waits until at least {@code count} messages were acknowledged and returns them all, in ack order.
     *
     * @throws AssertionError when {@code timeout} passes first, with the queue's state
     */
    public List<QueueMessage> awaitAcked(int count, Duration timeout) {
        return Waiting.atLeast(count, timeout, "acked messages in " + name, this::acked, this::toString);
    }

    /**
     * Waits until at least {@code count} messages were dead-lettered and returns them all, in order.
     *
     * @throws AssertionError when {@code timeout} passes first, with the queue's state
     */
    public List<QueueMessage> awaitDeadLettered(int count, Duration timeout) {
        return Waiting.atLeast(count, timeout, "dead-lettered messages in " + name, this::deadLettered,
                this::toString);
    }

    /** How many messages are leased right now. */
    public int inFlight() {
        return broker.leasedCount(id);
    }

    /** How many messages are in the queue, leased or not. */
    public int backlog() {
        return broker.size(id);
    }

    /** Messages visible now (neither leased nor delayed). */
    public int visible() {
        return broker.visibleCount(id);
    }

    /** When the next delayed (not yet visible, not leased) message becomes visible, if there is one. */
    public Optional<Instant> nextVisibleAt() {
        return broker.nextVisibleAt(id);
    }

    /** When the next lease ends, if a message is leased. */
    public Optional<Instant> nextLeaseExpiry() {
        return broker.nextLeaseExpiry(id);
    }

    /** Total deliveries (leases handed out) since creation, those in lost replies included. */
    public long deliveries() {
        return broker.deliveredCount(id);
    }

    /**
     * A counter that moves on every change of the queue's state (publish, lease, settle, expiry; its dead-letter
     * queue's too), so a test can tell that several observations were taken while nothing changed.
     */
    public long changeCount() {
        return broker.changeCount();
    }

    /** Settlements that named an unknown, removed or superseded lease (the real queue answers with warnings). */
    public long warnings() {
        return broker.warningCount(id);
    }

    @Override
    public String toString() {
        return "InMemoryQueue[" + name + ", messages=" + backlog() + ", acked=" + acked().size()
                + ", deadLettered=" + deadLettered().size() + "]";
    }

    // ------------------------------------------------------------------ internals

    private static Optional<String> textOf(String contentType, byte[] body) {
        if (contentType.equals("v8")) {
            return Optional.empty();
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    /** Configures an {@link InMemoryQueue}. Not thread-safe. */
    public static final class Builder {
        private String name = "events";
        private Clock clock = Clock.systemUTC();
        private int maxRetries = RetryPolicy.DEFAULT_MAX_RETRIES;
        private Duration visibilityTimeout = Duration.ofSeconds(30);
        private InMemoryQueue deadLetterQueue;
        private R2EventCodec codec = R2EventCodec.standard();
        private long seed = 1;

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

        /**
         * The consumer's {@code max_retries}, 0 to 100: a message is delivered up to {@code maxRetries + 1} times
         * before it is dead-lettered. Default 5, what this connector expects.
         */
        public Builder maxRetries(int maxRetries) {
            if (maxRetries < 0 || maxRetries > 100) {
                throw new IllegalArgumentException("maxRetries must be between 0 and 100, was " + maxRetries);
            }
            this.maxRetries = maxRetries;
            return this;
        }

        /** How long a lease lasts, 1 ms to 12 h. Default 30 s, Cloudflare's default. */
        public Builder visibilityTimeout(Duration visibilityTimeout) {
            Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
            if (visibilityTimeout.toMillis() < 1 || visibilityTimeout.compareTo(Duration.ofHours(12)) > 0) {
                throw new IllegalArgumentException("visibilityTimeout must be between 1 ms and 12 h, was "
                        + visibilityTimeout);
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

        /** The seed of the generated message and lease ids, and of random faults. Default 1. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The queue.
         *
         * @throws IllegalStateException when the dead-letter queue has another clock, or a queue of this name already
         *                               shares the dead-letter queue's model
         */
        public InMemoryQueue build() {
            if (deadLetterQueue != null && deadLetterQueue.clock != clock) {
                throw new IllegalStateException("the dead-letter queue must share this queue's clock");
            }
            try {
                return new InMemoryQueue(this);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
    }
}
