package ai.rootkey.connector.testkit;

import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.testkit.internal.BucketRules;
import ai.rootkey.connector.testkit.internal.FakeQueuesHandler;
import ai.rootkey.connector.testkit.internal.FakeQueuesMain;
import ai.rootkey.connector.testkit.internal.FaultPlan;
import ai.rootkey.connector.testkit.internal.LoopbackServer;
import ai.rootkey.connector.testkit.internal.QueueBroker;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A local stand-in for the Cloudflare Queues HTTP API (DESIGN section 6.2) with the real semantics: leases that
 * expire, attempts that count, retry delays, dead-lettering after {@code max_retries + 1} deliveries, peeks that
 * lease nothing, the v4 envelope, the bearer token check, and seeded fault injection. It serves the same queue model
 * as {@link InMemoryQueue}, whose rules (and the sources they come from) are documented there and pinned by
 * {@link EventSourceContract}. Serves plain http on 127.0.0.1 under {@code /client/v4}, so point a
 * client's base URL at {@link #baseUrl()} (and allow insecure loopback).
 *
 * <pre>{@code
 * try (FakeCloudflareQueues fake = FakeCloudflareQueues.builder().build().start()) {
 *     String queueId = fake.createQueue("uploads", QueueConsumerSettings.defaults().withMaxRetries(5));
 *     fake.publish(queueId, "{\"hello\":1}");
 *     fake.failNext(QueueEndpoint.PULL, 1, Fault.status(503));
 *     // ... run the code under test against fake.baseUrl(), fake.accountId(), queueId, fake.token()
 *     assertThat(fake.queue(queueId).awaitAcked(1, Duration.ofSeconds(5))).hasSize(1);
 * }
 * }</pre>
 *
 * <p>Semantics (see also {@link QueueConsumerSettings}):
 * <ul>
 *   <li>Pull leases visible messages, oldest first; {@code batch_size} defaults to the consumer's (5), at most 100
 *       (more is a 400 error envelope); the lease is the request's {@code visibility_timeout_ms}, else the
 *       consumer's, else 30 s; at most 12 h. Each delivery increments {@code attempts} (the first is 1) and gets a
 *       new opaque lease id; the message id is stable. Bodies come back as Cloudflare sends them: base64 with
 *       {@code CF-Content-Type: json} (or {@code bytes}, {@code v8}), plain for {@code text}.</li>
 *   <li>A lease that expires makes the message visible again. A retry makes it visible after
 *       {@code delay_seconds} (at most 43,200), or the consumer's {@code retry_delay}.</li>
 *   <li>Exhaustion: {@code max_retries} counts retries: a message retried, or whose lease expires, on delivery
 *       {@code max_retries + 1} moves to the consumer's dead-letter queue (another queue of this fake, by name; same
 *       message id and publish time, attempts reset) or is dropped when there is none. {@code max_retries: 5}
 *       therefore means six deliveries, as in Cloudflare's own simulator (miniflare: {@code maxAttempts =
 *       maxRetries + 1}).</li>
 *   <li>Peek ({@code POST .../messages/peek}) shows the messages a pull would hand out next, with an opaque
 *       {@code ref} and no {@code lease_id}, without leasing them or counting an attempt.</li>
 *   <li>Ack: accepted for any lease issued for a message still in the queue, even after the lease expired or the
 *       message was redelivered since. Retry: only for the message's latest lease, once. A lease whose message is
 *       gone, that was superseded or already retried, or that was never issued, is reported in {@code warnings} (a
 *       map lease to reason), never as an error.</li>
 *   <li>Every request needs {@code Authorization: Bearer <token>}; otherwise 401 with error code 10000. A wrong
 *       account id is 403 (code 10000), an unknown queue id 404. Other error codes are the fake's own.</li>
 *   <li>Expiries are checked lazily on every call, so an injected {@link Clock} or {@link #advanceTime(Duration)}
 *       moves time for leases and delays without waiting.</li>
 *   <li>The account's queues can be listed and created, and a queue read with its settings
 *       ({@code message_retention_period}, default 4 days: an unconsumed message older than that is deleted). A
 *       queue has at most one consumer, {@code http_pull} or {@code worker}, which can be listed, added, replaced
 *       and removed; a queue created over HTTP has none. {@link #createQueue(String)} gives it an {@code http_pull}
 *       one; {@link #addWorkerConsumer} plays the R2 Worker's Terraform module.</li>
 *   <li>R2's event notification rules per bucket can be read and created (a rule overlapping another of the
 *       bucket is a 409); {@link #publishBucketEvent} publishes an event to the queues whose rules match, as R2
 *       would.</li>
 * </ul>
 * The routes, the shapes and where the fake guesses are listed in the handler's documentation
 * ({@code testkit.internal.FakeQueuesHandler}, {@code BucketRules}, {@code QueueBroker}).
 * Faults ({@link Fault}) are scripted per {@link QueueEndpoint} ({@link #failNext}) or drawn at random from a
 * seeded source ({@link #faultRate}): {@link Fault#status} (with the v4 error envelope Cloudflare sends for it),
 * {@link Fault#latency}, {@link Fault#dropBeforeApply} and {@link Fault#dropAfterApply()}; the fake refuses the
 * kinds a queue request cannot meet. Thread-safe; requests are served concurrently by a thread pool that
 * {@link #close()} stops. Built on the JDK's {@code com.sun.net.httpserver}, which answers about 40 ms late unless
 * the JVM runs with {@code -Dsun.net.httpserver.nodelay=true} (see the package documentation).
 */
public final class FakeCloudflareQueues implements AutoCloseable {
    /** The account id unless the builder sets one. */
    public static final String DEFAULT_ACCOUNT_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    /** The API token unless the builder sets one. */
    public static final String DEFAULT_TOKEN = "fake-cloudflare-api-token";
    /** The most messages one publish-batch call may carry. */
    public static final int MAX_BATCH_MESSAGES = FakeQueuesHandler.MAX_BATCH_MESSAGES;
    /** The most body bytes one publish-batch call may carry: 256 KB. */
    public static final int MAX_BATCH_BYTES = FakeQueuesHandler.MAX_BATCH_BYTES;
    /** The largest message body: 128 KB. */
    public static final int MAX_MESSAGE_BYTES = QueueBroker.MAX_MESSAGE_BYTES;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int requestedPort;
    private final long seed;
    private final String accountId;
    private final QueueBroker store;
    private final BucketRules rules;
    private final FaultPlan<QueueEndpoint> faults;
    private final FakeQueuesHandler handler;
    private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);
    private final Clock clock;
    private final Object lifecycle = new Object();
    private LoopbackServer server;
    private boolean closed;

    private FakeCloudflareQueues(Builder b) {
        this.requestedPort = b.port;
        this.seed = b.seed;
        this.accountId = b.accountId;
        this.clock = b.clock;
        this.store = new QueueBroker(this::now, b.seed);
        this.rules = new BucketRules(this::now, b.seed);
        this.faults = new FaultPlan<>(b.seed ^ 0x5DEECE66DL);
        this.handler = new FakeQueuesHandler(store, rules, faults, accountId, b.token);
    }

    /** A new builder; not thread-safe. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs the fake as a program, for clients in any language: creates a queue and its dead-letter queue and
     * prints the environment to reach them ({@code CLOUDFLARE_API_BASE_URL}, {@code CLOUDFLARE_ACCOUNT_ID},
     * {@code CLOUDFLARE_API_TOKEN}, {@code R2_QUEUE_ID}, {@code R2_DLQ_ID}). Options: {@code --port N}
     * ({@code FAKE_CLOUDFLARE_QUEUES_PORT}, default 8788), {@code --token T} ({@code FAKE_CLOUDFLARE_QUEUES_TOKEN},
     * default random), {@code --queue NAME}, {@code --dlq NAME}, {@code --max-retries N} (default 5),
     * {@code --seed N}, {@code --no-queues} (an empty account: no queue is created, for {@code provision}). Stops on
     * Ctrl-C. Turns on {@code sun.net.httpserver.nodelay} unless it is set: the process
     * is the fake's own.
     */
    public static void main(String[] args) throws InterruptedException {
        LoopbackServer.preferNoDelay();
        FakeCloudflareQueues fake;
        try {
            fake = FakeQueuesMain.start(Arrays.asList(args), System.getenv(), System.out);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(FakeQueuesMain.USAGE);
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            fake.close();
            stopped.countDown();
        }, "fake-cloudflare-queues-shutdown"));
        stopped.await();
    }

    /**
     * Binds 127.0.0.1 and starts serving.
     *
     * @throws UncheckedIOException when the port cannot be bound
     * @throws IllegalStateException when already started or closed
     */
    public FakeCloudflareQueues start() {
        synchronized (lifecycle) {
            if (server != null || closed) {
                throw new IllegalStateException(closed ? "closed" : "already started");
            }
            server = LoopbackServer.start("fake-cloudflare-queues", requestedPort, handler);
            return this;
        }
    }

    /** Stops serving at once (requests in progress are cut off) and stops the threads. Idempotent. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            if (server != null) {
                server.stop();
            }
        }
    }

    /** {@code http://127.0.0.1:PORT/client/v4}, the value for a client's API base URL. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + port() + "/client/v4");
    }

    /** The bound port. */
    public int port() {
        synchronized (lifecycle) {
            if (server == null) {
                throw new IllegalStateException("not started: call start()");
            }
            return server.port();
        }
    }

    public String accountId() {
        return accountId;
    }

    /** The seed of the random fault draws and the generated ids; print it with a failure to replay the run. */
    public long seed() {
        return seed;
    }

    /** The token requests must carry now. */
    public String token() {
        return handler.token();
    }

    // ------------------------------------------------------------------ queues

    /**
     * Creates a queue with an {@code http_pull} consumer of Cloudflare's default settings and returns its id (32 hex
     * characters).
     */
    public String createQueue(String name) {
        return createQueue(name, QueueConsumerSettings.defaults());
    }

    /** Creates a queue with an {@code http_pull} consumer of these settings and returns its id (32 hex characters). */
    public String createQueue(String name, QueueConsumerSettings consumer) {
        return store.createQueue(name, consumer);
    }

    /** Creates a queue with no consumer, as {@code POST /accounts/{a}/queues} does, and returns its id. */
    public String createQueueWithoutConsumer(String name) {
        return store.createQueueWithoutConsumer(name);
    }

    /**
     * Gives the queue an {@code http_pull} consumer with these settings (as {@code wrangler queues consumer http add}
     * would), replacing its settings, or any other consumer.
     */
    public void configureConsumer(String queueId, QueueConsumerSettings consumer) {
        store.configure(queueId, consumer);
    }

    /**
     * Makes a Worker the queue's consumer, as the R2 Worker's Terraform module does ({@code cloudflare_queue_consumer}
     * of type {@code worker}); any other consumer is removed first. Deliveries follow {@code settings}; nothing
     * consumes them (the fake runs no Worker). Returns the consumer's id.
     */
    public String addWorkerConsumer(String queueId, String scriptName, QueueConsumerSettings settings) {
        Objects.requireNonNull(scriptName, "scriptName");
        Objects.requireNonNull(settings, "settings");
        store.removeConsumer(queueId, null);
        return store.addConsumer(queueId, "worker", Optional.of(scriptName), settings, Optional.of(5000L)).id();
    }

    /** Removes the queue's consumer, if it has one. */
    public void removeConsumer(String queueId) {
        store.removeConsumer(queueId, null);
    }

    /** Sets how long the queue keeps an unconsumed message: 60 seconds to 14 days (default 4 days). */
    public void setMessageRetention(String queueId, Duration retention) {
        store.retention(queueId, retention);
    }

    // ------------------------------------------------------------------ R2 event notifications

    /**
     * Adds a notification rule of {@code bucket} to the queue, as {@code PUT .../configuration/queues/{q}} does, and
     * returns its id.
     *
     * @throws IllegalArgumentException when it overlaps a rule of the bucket, or the queue does not exist
     */
    public String addNotificationRule(String bucket, String queueId, NotificationRule rule) {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(rule, "rule");
        store.settings(queueId); // fails for an unknown id
        List<String> actions = new ArrayList<>();
        for (EventAction a : EnumSet.copyOf(rule.actions())) {
            actions.add(a.wireName());
        }
        BucketRules.Added added = rules.add(bucket, queueId, List.of(new BucketRules.NewRule(actions, rule.prefix(),
                rule.suffix(), Optional.empty())));
        return added.rules().stream().findFirst().map(BucketRules.Rule::id)
                .orElseThrow(() -> new IllegalArgumentException(added.conflict().orElse("no rule made")));
    }

    /** The bucket's notification rules by queue id (in the order the rules were made). */
    public Map<String, List<NotificationRule>> notificationRules(String bucket) {
        Map<String, List<NotificationRule>> out = new LinkedHashMap<>();
        for (BucketRules.Rule r : rules.rules(bucket)) {
            EnumSet<EventAction> actions = EnumSet.noneOf(EventAction.class);
            r.actions().forEach(a -> actions.add(EventAction.fromWireName(a)));
            out.computeIfAbsent(r.queueId(), q -> new ArrayList<>())
                    .add(new NotificationRule(actions, r.prefix(), r.suffix()));
        }
        return out;
    }

    /**
     * Publishes an event of the bucket, as R2 would: {@code jsonBody} as a {@code json} message to every queue with a
     * rule of {@code bucket} for {@code action} whose prefix and suffix {@code key} has. Returns the message ids (none
     * when no rule matches: the event is not announced).
     */
    public List<String> publishBucketEvent(String bucket, EventAction action, String key, String jsonBody) {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(key, "key");
        List<String> ids = new ArrayList<>();
        for (String queueId : rules.route(Objects.requireNonNull(bucket, "bucket"), action.wireName(), key)) {
            if (store.exists(queueId)) {
                ids.add(publish(queueId, jsonBody));
            }
        }
        return ids;
    }

    /** A live view of the queue with this id. */
    public FakeQueue queue(String queueId) {
        store.settings(queueId); // fails for an unknown id
        return new FakeQueue(store, queueId, store.nameOf(queueId));
    }

    /** A live view of the queue with this name. */
    public FakeQueue queueNamed(String name) {
        return queue(store.idOf(name).orElseThrow(() -> new IllegalArgumentException("no queue named " + name)));
    }

    /** Queue names to ids, in creation order. */
    public Map<String, String> queueIds() {
        return store.queueIdsByName();
    }

    // ------------------------------------------------------------------ publishing from Java

    /** Publishes a JSON message ({@code CF-Content-Type: json}) and returns its id. */
    public String publish(String queueId, String jsonBody) {
        return publish(queueId, jsonBody, Duration.ZERO);
    }

    /** Publishes a JSON message visible after {@code delay} (whole seconds, at most 12 h) and returns its id. */
    public String publish(String queueId, String jsonBody, Duration delay) {
        Objects.requireNonNull(jsonBody, "jsonBody");
        JsonNode tree;
        try {
            tree = JSON.readTree(jsonBody);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("jsonBody is not valid JSON: " + e.getOriginalMessage());
        }
        if (tree == null || tree.isMissingNode()) {
            throw new IllegalArgumentException("jsonBody is empty");
        }
        try {
            return store.publish(queueId, "json", JSON.writeValueAsBytes(tree), delay, "api");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Publishes a text message ({@code CF-Content-Type: text}) and returns its id. */
    public String publishText(String queueId, String text) {
        return publishText(queueId, text, Duration.ZERO);
    }

    /** Publishes a text message visible after {@code delay} and returns its id. */
    public String publishText(String queueId, String text, Duration delay) {
        Objects.requireNonNull(text, "text");
        return store.publish(queueId, "text", text.getBytes(StandardCharsets.UTF_8), delay, "api");
    }

    /**
     * Publishes raw bytes under any content type the real queue uses ({@code json}, {@code text}, {@code bytes},
     * {@code v8}); the body is stored as given, not validated. For testing decoders with what a Worker producer
     * could send ({@code CF-sourceMessageSource: worker}). Returns the id.
     */
    public String publishRaw(String queueId, String contentType, byte[] body) {
        return store.publish(queueId, contentType, body, Duration.ZERO, "worker");
    }

    // ------------------------------------------------------------------ time

    /** The fake's now: its clock plus everything {@link #advanceTime(Duration)} added. */
    public Instant now() {
        return clock.instant().plus(offset.get());
    }

    /** Moves the fake's time forward; leases expire and delays end as if that time had passed. */
    public void advanceTime(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("time only moves forward, was " + duration);
        }
        offset.accumulateAndGet(duration, Duration::plus);
    }

    // ------------------------------------------------------------------ credentials

    /** From now on every request is refused with 401 (code 10000), as if the token were revoked. */
    public FakeCloudflareQueues refuseCredentials() {
        handler.refusingCredentials(true);
        return this;
    }

    /** Undoes {@link #refuseCredentials()}. */
    public FakeCloudflareQueues acceptCredentials() {
        handler.refusingCredentials(false);
        return this;
    }

    /** From now on only {@code newToken} is accepted (the old one gets 401): a rotation. */
    public FakeCloudflareQueues rotateCredentials(String newToken) {
        Objects.requireNonNull(newToken, "newToken");
        if (newToken.isBlank()) {
            throw new IllegalArgumentException("a token must not be blank");
        }
        handler.token(newToken);
        return this;
    }

    // ------------------------------------------------------------------ faults and counters

    /**
     * The next {@code n} requests, to any endpoint, meet {@code fault} (0: none). Scripted faults go first, in the
     * order they were scripted.
     *
     * @throws IllegalArgumentException for a kind a queue request cannot meet ({@link Fault#exception},
     *                                  {@link Fault#resetMidBody}, {@link Fault#stallBody},
     *                                  {@link Fault#dropAfterApply(int)})
     */
    public FakeCloudflareQueues failNext(int n, Fault fault) {
        FakeQueuesHandler.check(Objects.requireNonNull(fault, "fault"));
        faults.failNext(null, n, fault);
        return this;
    }

    /** The next {@code n} requests to {@code endpoint} meet {@code fault} (0: none). */
    public FakeCloudflareQueues failNext(QueueEndpoint endpoint, int n, Fault fault) {
        Objects.requireNonNull(endpoint, "endpoint");
        FakeQueuesHandler.check(Objects.requireNonNull(fault, "fault"));
        faults.failNext(endpoint, n, fault);
        return this;
    }

    /**
     * Each request to {@code endpoint} meets a fault with probability {@code rate} (0 turns it off), drawn
     * uniformly from {@code mix}, from a {@link java.util.Random} seeded by {@link Builder#seed(long)}.
     */
    public FakeCloudflareQueues faultRate(QueueEndpoint endpoint, double rate, Fault... mix) {
        Objects.requireNonNull(endpoint, "endpoint");
        List<Fault> faultMix = List.of(mix);
        faultMix.forEach(FakeQueuesHandler::check);
        faults.rate(endpoint, rate, faultMix);
        return this;
    }

    /** Drops every scripted fault and fault rate. */
    public FakeCloudflareQueues clearFaults() {
        faults.clear();
        return this;
    }

    /** Faults injected so far, scripted and random, in order. */
    public List<Fault> injectedFaults() {
        return faults.injected();
    }

    /** How many requests reached this endpoint (faulted and refused ones included). */
    public long requestCount(QueueEndpoint endpoint) {
        return handler.requestCount(Objects.requireNonNull(endpoint, "endpoint"));
    }

    @Override
    public String toString() {
        synchronized (lifecycle) {
            return "FakeCloudflareQueues[" + (server == null ? "not started" : baseUrl()) + ", account=" + accountId
                    + ", queues=" + store.queueIdsByName() + ", refusingCredentials=" + handler.refusingCredentials()
                    + "]";
        }
    }

    /** Builds a {@link FakeCloudflareQueues}; not thread-safe. */
    public static final class Builder {
        private int port;
        private String token = DEFAULT_TOKEN;
        private String accountId = DEFAULT_ACCOUNT_ID;
        private Clock clock = Clock.systemUTC();
        private long seed = 1;

        private Builder() {
        }

        /** The port on 127.0.0.1; default 0, any free port. */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** The bearer token requests must carry; default {@link #DEFAULT_TOKEN}. */
        public Builder token(String token) {
            Objects.requireNonNull(token, "token");
            if (token.isBlank()) {
                throw new IllegalArgumentException("a token must not be blank");
            }
            this.token = token;
            return this;
        }

        /**
         * The account id in request paths; default {@link #DEFAULT_ACCOUNT_ID}. Not validated beyond being one
         * path segment: clients check the real format.
         */
        public Builder accountId(String accountId) {
            Objects.requireNonNull(accountId, "accountId");
            if (accountId.isBlank() || accountId.indexOf('/') >= 0) {
                throw new IllegalArgumentException("accountId must be non-blank and without '/', was " + accountId);
            }
            this.accountId = accountId;
            return this;
        }

        /** The clock for publish times, leases and delays; default the UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The seed of the random fault draws and of generated ids; default 1. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The fake, not started yet. */
        public FakeCloudflareQueues build() {
            return new FakeCloudflareQueues(this);
        }
    }
}
