package ai.rootkey.connector.r2;

import ai.rootkey.connector.Callbacks;
import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.LogSafe;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.r2.internal.CloudflareApi;
import ai.rootkey.connector.r2.internal.CloudflareIds;
import ai.rootkey.connector.r2.internal.CloudflareQueue;
import ai.rootkey.connector.r2.internal.QueueBodies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * The connector's dead-letter queue: look at what it holds ({@link #peek}) and send it back to the event queue
 * ({@link #replay()}), over the same Cloudflare Queues HTTP API as {@link CloudflareQueueSource}.
 *
 * <pre>{@code
 * try (DeadLetterQueue dlq = DeadLetterQueue.fromConfig(R2ConnectorConfig.fromEnvironment())) {
 *     dlq.peek("invoices/", 20).forEach(m -> System.out.println(m.key().orElse("?") + " " + m.attempts()));
 *     DeadLetterQueue.ReplayReport report = dlq.replay().keyPrefix("invoices/").limit(500).run();
 * }
 * }</pre>
 *
 * <p><b>Peeking costs nothing.</b> {@link #peek} uses Cloudflare's {@code POST .../messages/peek}, which shows
 * messages without leasing them and without counting an attempt (API reference; {@code cloudflare-typescript}'s
 * {@code messages.peek}). One peek shows at most {@value #MAX_PEEK} messages, the ones a pull would hand out next.
 *
 * <p><b>Replay leases.</b> A replay must ack what it replayed, so it pulls with a short lease
 * ({@link Builder#lease(Duration)}), and hands back what it does not replay with a retry of delay 0; each such
 * hand-back counts one attempt. The dead-letter queue's own consumer drops (or moves on) a message retried on its
 * delivery {@code max_retries + 1}; when the token may read that setting, a message on that delivery is not retried
 * but refreshed: its body is published to the dead-letter queue again (a new message id, attempts from zero) and
 * the old delivery acked. If a replay dies before handing the messages back, they come back by themselves when the
 * lease ends.
 *
 * <p><b>Replay never loses a message.</b> For each batch it publishes the bodies to the event queue (as
 * {@code json}) and acks them from the dead-letter queue only after the publish succeeded. Interrupted between
 * the two, a message is in both queues (a duplicate the connector anchors idempotently), never in neither.
 * Messages not replayed (another prefix, beyond the limit, a body that is not JSON) are handed back like a peek
 * does.
 *
 * <p>Thread-safe for one operation at a time per instance. The API token is never logged. {@link #close()}
 * releases the HTTP client when this object built it; one passed to {@link Builder#httpClient(HttpClient)} is left
 * open. Progress callbacks run through {@link Callbacks}: what they throw is logged and does not stop the replay.
 */
public final class DeadLetterQueue implements AutoCloseable {
    /** How long a replay holds the messages it pulled: 2 minutes. */
    public static final Duration DEFAULT_LEASE = Duration.ofMinutes(2);
    /** The most messages one peek shows: Cloudflare's largest peek batch. */
    public static final int MAX_PEEK = CloudflareQueueSource.MAX_BATCH_SIZE;

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterQueue.class);

    private final CloudflareApi api;
    private final CloudflareQueue dlq;
    private final CloudflareQueue events;
    private final Duration lease;
    private final Clock clock;
    private final R2EventCodec codec = R2EventCodec.standard();

    private DeadLetterQueue(Builder b, CloudflareApi api) {
        this.api = api;
        this.dlq = api.queue(b.dlqId, CloudflareQueue.Role.DEAD_LETTERS);
        this.events = api.queue(b.queueId, CloudflareQueue.Role.EVENTS);
        this.lease = b.lease;
        this.clock = b.clock;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The dead-letter queue of a configuration ({@code R2_DLQ_ID}) and its event queue ({@code R2_QUEUE_ID}).
     *
     * @throws ConfigurationException when the configuration has no dead-letter queue id
     */
    public static DeadLetterQueue fromConfig(R2ConnectorConfig config) {
        return builder().config(config).build();
    }

    // ------------------------------------------------------------------ peek

    /**
     * Up to {@code limit} messages whose key starts with {@code keyPrefix} ({@code ""} for all), in the order a pull
     * would hand them out, from one peek of the first {@value #MAX_PEEK} visible messages: no lease is taken and no
     * attempt counted (see the class comment).
     *
     * @throws IOException            the API could not be reached
     * @throws ConfigurationException the token or ids are refused
     */
    public List<DeadLetter> peek(String keyPrefix, int limit) throws IOException {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        requirePositive(limit, "limit");
        List<DeadLetter> found = new ArrayList<>();
        for (CloudflareQueue.Message m : dlq.peek(MAX_PEEK)) {
            DeadLetter letter = letter(m, m.ref().orElse("peek"));
            if (found.size() < limit && matches(letter, keyPrefix)) {
                found.add(letter);
            }
        }
        return List.copyOf(found);
    }

    // ------------------------------------------------------------------ replay

    /** A replay to configure and {@link Replay#run() run}. */
    public Replay replay() {
        return new Replay();
    }

    /** Configures and runs one replay. Not thread-safe. */
    public final class Replay {
        private String keyPrefix = "";
        private int limit = Integer.MAX_VALUE;
        private boolean dryRun;
        private Consumer<ReplayReport> progress = r -> { };

        private Replay() {
        }

        /** Only messages whose event key starts with this; default all ({@code ""}). */
        public Replay keyPrefix(String keyPrefix) {
            this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
            return this;
        }

        /** Replay at most this many messages; default no limit. */
        public Replay limit(int limit) {
            this.limit = requirePositive(limit, "limit");
            return this;
        }

        /** Count what would be replayed, publish and ack nothing (the messages still count one attempt). */
        public Replay dryRun(boolean dryRun) {
            this.dryRun = dryRun;
            return this;
        }

        /**
         * Called after each batch with the running totals, on the calling thread. What it throws is logged
         * ({@code rootkey.listener.failed}) and does not stop the replay.
         */
        public Replay onProgress(Consumer<ReplayReport> progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        /**
         * Runs the replay until the dead-letter queue has nothing more, or the limit is reached.
         *
         * @throws IOException            the API could not be reached (what was acked is in the event queue;
         *                                everything else is still, or again, in the dead-letter queue)
         * @throws ConfigurationException the token or ids are refused
         */
        public ReplayReport run() throws IOException {
            Map<String, Pulled> held = new LinkedHashMap<>();
            int examined = 0;
            int replayed = 0;
            int filteredOut = 0;
            int unreplayable = 0;
            Instant started = clock.instant();
            try {
                while (replayed < limit) {
                    List<Pulled> batch = pull(CloudflareQueueSource.MAX_BATCH_SIZE);
                    List<Pulled> toReplay = new ArrayList<>();
                    boolean fresh = false;
                    for (Pulled m : batch) {
                        if (held.containsKey(m.letter.messageId())) {
                            held.put(m.letter.messageId(), m); // its lease ran out and it came back: newest lease
                            continue;
                        }
                        fresh = true;
                        examined++;
                        if (!matches(m.letter, keyPrefix)) {
                            filteredOut++;
                            held.put(m.letter.messageId(), m);
                        } else if (replayed + toReplay.size() >= limit) {
                            held.put(m.letter.messageId(), m);
                        } else if (!m.letter.replayable()) {
                            unreplayable++;
                            held.put(m.letter.messageId(), m);
                            LOG.atWarn().addKeyValue("message_id", m.letter.messageId())
                                    .log("rootkey.dlq.not_replayable message_id={} note=\"the body is not JSON of at "
                                            + "most 128 KB; it stays in the dead-letter queue\"", m.letter.messageId());
                        } else {
                            toReplay.add(m);
                        }
                    }
                    if (!fresh) {
                        break;
                    }
                    if (dryRun) {
                        toReplay.forEach(m -> held.put(m.letter.messageId(), m));
                    } else if (!toReplay.isEmpty()) {
                        List<String> bodies = new ArrayList<>(toReplay.size());
                        toReplay.forEach(m -> bodies.add(m.letter.body()));
                        try {
                            events.publishJsonBatch(bodies, "publish_batch");
                        } catch (IOException | RuntimeException e) {
                            toReplay.forEach(m -> held.put(m.letter.messageId(), m)); // handed back below
                            throw e;
                        }
                        // Published: from here on a failure leaves a duplicate, never a loss.
                        settle(toReplay, true);
                    }
                    replayed += toReplay.size();
                    ReplayReport sofar = new ReplayReport(examined, replayed, filteredOut, unreplayable, dryRun,
                            Duration.between(started, clock.instant()));
                    Callbacks.run(progress, "onProgress", () -> progress.accept(sofar));
                }
            } finally {
                handBack(held.values());
            }
            ReplayReport report = new ReplayReport(examined, replayed, filteredOut, unreplayable, dryRun,
                    Duration.between(started, clock.instant()));
            LOG.atInfo().log("rootkey.dlq.replayed examined={} replayed={} filtered_out={} unreplayable={} dry_run={}",
                    examined, replayed, filteredOut, unreplayable, dryRun);
            return report;
        }
    }

    /**
     * The running totals or the result of a replay.
     *
     * @param examined     distinct dead-letter messages looked at
     * @param replayed     published to the event queue and acked from the dead-letter queue (for a dry run: that
     *                     would have been)
     * @param filteredOut  left in the dead-letter queue because their key does not match the prefix (or their body
     *                     is no event)
     * @param unreplayable left in the dead-letter queue because their body is not JSON of at most 128 KB
     * @param dryRun       whether nothing was published or acked
     * @param elapsed      time since the replay started
     */
    public record ReplayReport(int examined, int replayed, int filteredOut, int unreplayable, boolean dryRun,
                               Duration elapsed) {
        public ReplayReport {
            Objects.requireNonNull(elapsed, "elapsed");
        }
    }

    /**
     * One dead-lettered message.
     *
     * @param messageId   the queue's message id (stable across deliveries)
     * @param attempts    deliveries of this message by the dead-letter queue so far (a peek counts none; a replay's
     *                    pull counts one)
     * @param publishedAt when it was put in the dead-letter queue
     * @param event       the event, when the body is one
     * @param problem     why the body is not an event, when it is not
     * @param body        the body as text (decoded as the connector decodes it), what a replay publishes
     */
    public record DeadLetter(String messageId, int attempts, Instant publishedAt, Optional<ObjectEvent> event,
                             Optional<String> problem, String body) {
        public DeadLetter {
            Objects.requireNonNull(messageId, "messageId");
            Objects.requireNonNull(publishedAt, "publishedAt");
            Objects.requireNonNull(event, "event");
            Objects.requireNonNull(problem, "problem");
            Objects.requireNonNull(body, "body");
        }

        /** The object key, when the body is an event. */
        public Optional<String> key() {
            return event.map(ObjectEvent::key);
        }

        /** How long it has been in the dead-letter queue as of {@code now}; never negative. */
        public Duration age(Instant now) {
            Duration age = Duration.between(publishedAt, now);
            return age.isNegative() ? Duration.ZERO : age;
        }

        /** Whether a replay can publish the body again: JSON of at most 128 KB. */
        public boolean replayable() {
            return QueueBodies.isPublishable(new Delivery.Message("json", body));
        }

        @Override
        public String toString() {
            return "DeadLetter[" + messageId + ", key=" + key().map(LogSafe::quoted).orElse("none") + ", attempts="
                    + attempts + ", publishedAt=" + publishedAt + "]";
        }
    }

    // ------------------------------------------------------------------ internals

    private static final class Pulled {
        final DeadLetter letter;
        final String leaseId;

        Pulled(DeadLetter letter, String leaseId) {
            this.letter = letter;
            this.leaseId = leaseId;
        }
    }

    private List<Pulled> pull(int batchSize) throws IOException {
        List<Pulled> out = new ArrayList<>();
        for (CloudflareQueue.Message m : dlq.pull(batchSize, lease).messages()) {
            String leaseId = m.leaseId().orElseThrow();
            out.add(new Pulled(letter(m, leaseId), leaseId));
        }
        return out;
    }

    /** One pulled or peeked message; {@code handle} stands in for the id when the message has none. */
    private DeadLetter letter(CloudflareQueue.Message m, String handle) {
        String id = m.id().orElse(handle);
        Delivery delivery = QueueBodies.toDelivery(codec, id, handle, Math.max(1, m.attempts()), m.contentType(),
                m.body());
        return new DeadLetter(id, m.attempts(), Instant.ofEpochMilli(m.timestampMs()), delivery.event(),
                delivery.parseFailure().map(Delivery.ParseFailure::reason), m.bodyText());
    }

    /** Acks ({@code ack}) or retries with delay 0 the given leases, in calls of at most 100. */
    private void settle(List<Pulled> messages, boolean ack) throws IOException {
        List<CloudflareQueue.Settle> settles = new ArrayList<>(messages.size());
        for (Pulled m : messages) {
            settles.add(ack ? CloudflareQueue.Settle.ack(m.leaseId) : CloudflareQueue.Settle.retry(m.leaseId,
                    Duration.ZERO));
        }
        dlq.settle(settles, ack ? "ack" : "hand_back", "refresh");
    }

    /**
     * Best effort: what fails to be handed back becomes visible when its lease ends. A message on its last delivery
     * by the dead-letter queue's consumer ({@code max_retries + 1}) would be dropped by a retry (and by an expiring
     * lease alike), so it is refreshed instead: a copy of its body is published to the dead-letter queue, then the
     * old delivery is acked (new message id, attempts from zero, age from now).
     */
    private void handBack(Collection<Pulled> held) {
        if (held.isEmpty()) {
            return;
        }
        List<Pulled> retry = new ArrayList<>();
        List<Pulled> refresh = new ArrayList<>();
        OptionalInt maxRetries = consumerMaxRetries();
        for (Pulled m : held) {
            (maxRetries.isPresent() && m.letter.attempts() >= maxRetries.getAsInt() + 1 ? refresh : retry).add(m);
        }
        try {
            settle(retry, false);
        } catch (IOException | RuntimeException e) {
            LOG.atWarn().log("rootkey.dlq.hand_back_failed count={} error=\"{}\" note=\"the messages become visible "
                    + "again when their lease of {} s ends\"", retry.size(), LogSafe.escape(String.valueOf(e.getMessage())),
                    lease.toSeconds());
        }
        if (!refresh.isEmpty()) {
            refresh(refresh, maxRetries.getAsInt());
        }
    }

    private void refresh(List<Pulled> messages, int maxRetries) {
        List<CloudflareQueue.Settle> settles = new ArrayList<>(messages.size());
        for (Pulled m : messages) {
            String body = m.letter.body();
            settles.add(CloudflareQueue.Settle.requeue(m.leaseId,
                    new Delivery.Message(QueueBodies.isJsonValue(body) ? "json" : "text", body)));
        }
        try {
            dlq.settle(settles, "ack", "refresh");
            LOG.atWarn().log("rootkey.dlq.refreshed count={} max_retries={} note=\"these messages were on the "
                    + "dead-letter queue consumer's last delivery; they were re-published to the dead-letter queue (new "
                    + "ids) so that handing them back does not drop them\"", messages.size(), maxRetries);
        } catch (IOException | RuntimeException e) {
            LOG.atError().log("rootkey.dlq.refresh_failed count={} error=\"{}\" note=\"these messages had used up "
                    + "the dead-letter queue consumer's max_retries; Cloudflare drops them when their lease ends\"",
                    messages.size(), LogSafe.escape(String.valueOf(e.getMessage())));
        }
    }

    private static boolean matches(DeadLetter letter, String prefix) {
        return prefix.isEmpty() || letter.key().map(k -> k.startsWith(prefix)).orElse(false);
    }

    /**
     * The dead-letter queue consumer's {@code max_retries}, when the token may read consumer settings: a message on
     * delivery {@code max_retries + 1} is dropped on its next hand-back.
     */
    public OptionalInt consumerMaxRetries() {
        try {
            return dlq.maxRetries();
        } catch (IOException | ConfigurationException | DependencyException e) {
            LOG.atDebug().log("rootkey.dlq.consumer_settings_unreadable error=\"{}\"",
                    LogSafe.escape(String.valueOf(e.getMessage())));
        }
        return OptionalInt.empty();
    }

    /** The dead-letter queue's id. */
    public String id() {
        return dlq.id();
    }

    /**
     * Releases the HTTP client when this object built it (from Java 21; on 17 there is nothing to release); one
     * passed to {@link Builder#httpClient(HttpClient)} is left open. Idempotent.
     */
    @Override
    public void close() {
        api.close();
    }

    /** The queues and the API root; never the token. */
    @Override
    public String toString() {
        return "DeadLetterQueue[" + dlq.id() + ", events=" + events.id() + ", " + api + "]";
    }

    private static int requirePositive(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, was " + value);
        }
        return value;
    }

    /** Builds a {@link DeadLetterQueue}. Setters reject bad values at once. Not thread-safe. */
    public static final class Builder extends CloudflareAccessBuilder<Builder> {
        private String dlqId;
        private Duration lease = DEFAULT_LEASE;

        private Builder() {
            super(LOG);
        }

        /**
         * Account, token, base URL, event queue and dead-letter queue from a configuration.
         *
         * @throws ConfigurationException when it has no dead-letter queue id
         */
        public Builder config(R2ConnectorConfig config) {
            Objects.requireNonNull(config, "config");
            String dlq = config.dlqId().orElseThrow(() -> new ConfigurationException(
                    "no dead-letter queue: set R2_DLQ_ID to the id of the queue the consumer dead-letters to"));
            return accountId(config.accountId()).queueId(config.queueId()).dlqId(dlq).apiToken(config.apiToken())
                    .baseUrl(config.apiBaseUrl()).allowInsecureLoopbackForTesting(config.allowInsecureLoopback());
        }

        /** The dead-letter queue ({@code R2_DLQ_ID}), 32 lowercase hex characters. Required. */
        public Builder dlqId(String dlqId) {
            this.dlqId = CloudflareIds.requireQueueId(dlqId, "dlqId");
            return this;
        }

        /**
         * How long a peek or replay holds what it pulled, 1 s to 12 h; default {@link #DEFAULT_LEASE}. It must
         * cover one peek, or one batch of a replay (a pull, a publish and an ack).
         */
        public Builder lease(Duration lease) {
            Objects.requireNonNull(lease, "lease");
            if (lease.compareTo(Duration.ofSeconds(1)) < 0
                    || lease.compareTo(CloudflareQueueSource.MAX_VISIBILITY_TIMEOUT) > 0) {
                throw new IllegalArgumentException("lease must be between 1 s and 12 h, was " + lease);
            }
            this.lease = lease;
            return this;
        }

        /**
         * The dead-letter queue.
         *
         * @throws IllegalStateException  when the account, a queue id or the token is missing
         * @throws ConfigurationException when the base URL breaks the https rule
         */
        public DeadLetterQueue build() {
            if (queueId == null || dlqId == null) {
                throw new IllegalStateException("a DeadLetterQueue needs accountId, queueId, dlqId and apiToken: call "
                        + "config(R2ConnectorConfig.fromEnvironment()) or set each");
            }
            return new DeadLetterQueue(this, api.build());
        }
    }
}
