package ai.rootkey.connector.testkit.internal;

import ai.rootkey.connector.testkit.QueueConsumerSettings;
import ai.rootkey.connector.testkit.QueueMessage;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The one model of a Cloudflare Queue in the test kit: leases, attempts, delays, acks, retries, peeks and
 * dead-lettering, without HTTP. {@code InMemoryQueue} (the in-process {@code EventSource}) and
 * {@code FakeCloudflareQueues} (the HTTP API) are two views of it, and {@code EventSourceContract} pins both to the
 * rules below. Every method is synchronized; expiries are applied lazily at the start of each call, so a test clock
 * that jumps works. Each queue keeps its waiting messages ordered by visibility and its leased ones by lease
 * expiry, with running backlog totals, so a publish, a pull or a settlement costs O(log n) per message however long
 * the backlog is (inspection snapshots are O(n)).
 *
 * <p>Rules, with where each comes from:
 * <ul>
 *   <li>A pull leases visible messages (oldest visibility first), increments {@code attempts} and issues a new
 *       lease id for each; {@code batch_size} 1..100, {@code visibility_timeout_ms} up to 12 h (DESIGN 6.2, the
 *       API reference's pull parameters).</li>
 *   <li>When a lease expires the message becomes visible again at the expiry time, unless it is exhausted.</li>
 *   <li>Exhaustion: {@code max_retries} counts retries, so a message is delivered up to {@code max_retries + 1}
 *       times; one that is retried, or whose lease expires, on delivery {@code max_retries + 1} goes to the
 *       consumer's dead-letter queue or is dropped when none is configured or the named queue does not exist
 *       (Cloudflare's simulator, miniflare's queue broker in {@code cloudflare/workers-sdk}: {@code maxAttempts =
 *       maxRetries + 1}). The dead-lettered copy keeps the message id and publish time, with attempts from zero
 *       (the same broker re-enqueues it with its id and timestamp).</li>
 *   <li>Ack: accepted for any lease ever issued for a message that is still in the queue, even when the lease
 *       expired and the message was redelivered since (Cloudflare accepts acks after the lease expired). A lease
 *       whose message is gone (acked, dead-lettered) or that was never issued is a warning, not an error (the ack
 *       reply's {@code warnings}, a map from lease id to message in {@code cloudflare-typescript}).</li>
 *   <li>Retry: accepted only for the message's latest lease, live or expired, and only once; a lease superseded
 *       by a newer delivery (another consumer holds the message) or already retried is a warning. This is our
 *       guess: Cloudflare does not document a second retry of one lease.</li>
 *   <li>Retry delays and publish delays are whole seconds, 0 to 43,200 (12 h): the API's {@code delay_seconds} is
 *       an integer and miniflare's schema caps it at 43,200. One ack call is applied as a whole: a delay out of
 *       range refuses the call and applies nothing.</li>
 *   <li>Peek returns the messages a pull would hand out next, without leasing them and without counting an
 *       attempt, each with an opaque {@code ref} (the API reference's {@code messages/peek}: "Messages remain
 *       available for subsequent peek or pull operations"). Which messages a peek includes (leased or delayed
 *       ones?) is not documented; we return the visible ones.</li>
 *   <li>Consumers: a queue has at most one, {@code http_pull} or {@code worker} (the pull-consumers guide: a push
 *       consumer must be removed before a pull one is added; Wrangler errors otherwise). Deliveries follow its
 *       settings, Cloudflare's defaults without one. Pulls are served whatever the consumer: what Cloudflare answers a
 *       pull on a queue without HTTP pull enabled is not documented (guess: the fake does not refuse it).</li>
 *   <li>Retention: a message not leased that was published {@code message_retention_period} ago or longer is
 *       deleted unconsumed (default 4 days, settable from 60 s to 14 days: Cloudflare's changelog of 2025-02-14); a
 *       leased one once its lease ends. A dead-lettered copy keeps its publish time, so it expires by it (a
 *       guess).</li>
 * </ul>
 */
public final class QueueBroker {
    public static final int MAX_BATCH_SIZE = 100;
    public static final long MAX_DELAY_SECONDS = 43_200;
    public static final Duration MAX_VISIBILITY_TIMEOUT = Duration.ofHours(12);
    public static final int MAX_MESSAGE_BYTES = 128 * 1024;
    public static final Set<String> CONTENT_TYPES = Set.of("json", "text", "bytes", "v8");
    /** Cloudflare's default message retention: 4 days (settable from 60 s to 14 days). */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(4);
    public static final Duration MIN_RETENTION = Duration.ofSeconds(60);
    public static final Duration MAX_RETENTION = Duration.ofDays(14);

    private final Supplier<Instant> clock;
    private final Random ids;
    /** Consumer ids come from their own draw, so that adding consumers leaves the queue ids of a seed as they were. */
    private final Random consumerIds;
    private final Map<String, Queue> queues = new LinkedHashMap<>();
    private final Map<String, LeaseRef> leases = new HashMap<>();
    private long sequence;
    private long leaseCounter;
    private long changes;

    /**
     * A queue's consumer: an HTTP pull one ({@code http_pull}) or a Worker ({@code worker}, with its script name and
     * {@code max_wait_time_ms}). Deliveries follow its settings whatever its type: the fake has no Worker to run.
     */
    public record Consumer(String id, String type, Optional<String> script, QueueConsumerSettings settings,
                           Optional<Long> maxWaitTimeMs, Instant createdOn) {
        public Consumer {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(script, "script");
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(maxWaitTimeMs, "maxWaitTimeMs");
            Objects.requireNonNull(createdOn, "createdOn");
        }
    }

    /** A queue's name, id, creation time and retention, as the queue endpoints show it. */
    public record QueueInfo(String id, String name, Instant createdOn, Duration retention,
                            Optional<Consumer> consumer) {
    }

    /** One message handed out by a pull; the lease ends at {@code leaseExpiresAt}. */
    public record Pulled(String id, String leaseId, String contentType, byte[] body, int attempts,
                         Instant publishedAt, String source, Instant leaseExpiresAt) {
    }

    /** One message shown by a peek: not leased, no attempt counted. */
    public record Peeked(String id, String ref, String contentType, byte[] body, int attempts, Instant publishedAt,
                         String source) {
    }

    /** A pull's messages and the queue's backlog after it. */
    public record PullResult(List<Pulled> messages, long backlogCount, long backlogBytes, Optional<Instant> oldest) {
    }

    /** One retry in an ack call; {@code delaySeconds} empty means the consumer's retry delay. */
    public record RetryRequest(String leaseId, Optional<Long> delaySeconds) {
    }

    /** What an ack call did; {@code warnings} maps each lease that was not applied to why. */
    public record SettleResult(int ackCount, int retryCount, Map<String, String> warnings) {
    }

    private record LeaseRef(String queueId, String messageId) {
    }

    private static final class Message {
        final String id;
        final long seq;
        final String contentType;
        final byte[] body;
        final Instant publishedAt;
        final String source;
        int attempts;
        Instant visibleAt;
        String latestLease;
        Instant leaseExpiresAt; // non-null while leased

        Message(String id, long seq, String contentType, byte[] body, Instant publishedAt, String source,
                Instant visibleAt) {
            this.id = id;
            this.seq = seq;
            this.contentType = contentType;
            this.body = body;
            this.publishedAt = publishedAt;
            this.source = source;
            this.visibleAt = visibleAt;
        }

        QueueMessage snapshot() {
            return new QueueMessage(id, contentType, bodyText(contentType, body), attempts, publishedAt);
        }
    }

    /** A body as {@link QueueMessage} shows it: text for {@code json} and {@code text}, base64 for the others. */
    public static String bodyText(String contentType, byte[] body) {
        return contentType.equals("json") || contentType.equals("text")
                ? new String(body, StandardCharsets.UTF_8)
                : Base64.getEncoder().encodeToString(body);
    }

    /** Not leased (visible now or later), by visibility then publish sequence: the order pulls hand them out. */
    private static final Comparator<Message> BY_VISIBILITY =
            Comparator.comparing((Message m) -> m.visibleAt).thenComparingLong(m -> m.seq);
    /** Leased, by lease expiry then publish sequence. */
    private static final Comparator<Message> BY_LEASE_EXPIRY =
            Comparator.comparing((Message m) -> m.leaseExpiresAt).thenComparingLong(m -> m.seq);

    private static final class Queue {
        final String id;
        final String name;
        final Instant createdOn;
        /** The one consumer (Cloudflare allows one per queue), or null. */
        Consumer consumer;
        Duration retention = DEFAULT_RETENTION;
        long expired;
        /** Every message in the queue, in the order it entered it. */
        final Map<String, Message> messages = new LinkedHashMap<>();
        /** The messages of {@link #messages} that are not leased; a message's sort keys change only outside it. */
        final TreeSet<Message> waiting = new TreeSet<>(BY_VISIBILITY);
        /** The messages of {@link #messages} that are leased. */
        final TreeSet<Message> leased = new TreeSet<>(BY_LEASE_EXPIRY);
        /** Publish times of {@link #messages}, counted, for the oldest one. */
        final TreeMap<Instant, Integer> publishTimes = new TreeMap<>();
        long bytes;
        final List<QueueMessage> acked = new ArrayList<>();
        final List<QueueMessage> deadLettered = new ArrayList<>();
        long delivered;
        long warnings;

        Queue(String id, String name, Instant createdOn) {
            this.id = id;
            this.name = name;
            this.createdOn = createdOn;
        }

        /** The settings deliveries follow: the consumer's, or Cloudflare's defaults when it has none. */
        QueueConsumerSettings settings() {
            return consumer == null ? QueueConsumerSettings.defaults() : consumer.settings();
        }

        /** Adds a message that is not leased (replacing one with the same id). */
        void add(Message m) {
            Message replaced = messages.get(m.id);
            if (replaced != null) {
                remove(replaced);
            }
            messages.put(m.id, m);
            waiting.add(m);
            publishTimes.merge(m.publishedAt, 1, Integer::sum);
            bytes += m.body.length;
        }

        /** Removes a message, leased or not. */
        void remove(Message m) {
            detach(m);
            forget(m);
        }

        /** Removes a message already detached from the ordered sets. */
        void forget(Message m) {
            messages.remove(m.id);
            publishTimes.computeIfPresent(m.publishedAt, (t, n) -> n == 1 ? null : n - 1);
            bytes -= m.body.length;
        }

        /** Takes a message out of its ordered set before its visibility or lease changes. */
        void detach(Message m) {
            if (m.leaseExpiresAt != null) {
                leased.remove(m);
            } else {
                waiting.remove(m);
            }
        }

        /** Puts a detached message back into the set its state says. */
        void attach(Message m) {
            if (m.leaseExpiresAt != null) {
                leased.add(m);
            } else {
                waiting.add(m);
            }
        }
    }

    public QueueBroker(Supplier<Instant> clock, long seed) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ids = new Random(seed);
        this.consumerIds = new Random(seed ^ 0x2C0FFEEL);
    }

    // ------------------------------------------------------------------ queues

    /** Creates a queue with an HTTP pull consumer of these settings (what the Java API and the tests start from). */
    public synchronized String createQueue(String name, QueueConsumerSettings settings) {
        Objects.requireNonNull(settings, "settings");
        String id = createQueueWithoutConsumer(name);
        queues.get(id).consumer = newConsumer("http_pull", Optional.empty(), settings, Optional.empty());
        return id;
    }

    /** Creates a queue with no consumer, as {@code POST /accounts/{a}/queues} does. */
    public synchronized String createQueueWithoutConsumer(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.indexOf('/') >= 0) {
            throw new IllegalArgumentException("a queue name must be non-blank and without '/', was \"" + name + "\"");
        }
        if (queues.values().stream().anyMatch(q -> q.name.equals(name))) {
            throw new IllegalArgumentException("a queue named \"" + name + "\" exists already");
        }
        String id = hex32();
        queues.put(id, new Queue(id, name, clock.get()));
        return id;
    }

    /**
     * Gives the queue an HTTP pull consumer with these settings: the existing one's settings are replaced (its id
     * kept); any other consumer is replaced by it.
     */
    public synchronized void configure(String queueId, QueueConsumerSettings settings) {
        Objects.requireNonNull(settings, "settings");
        Queue q = queue(queueId);
        if (q.consumer != null && q.consumer.type().equals("http_pull")) {
            q.consumer = new Consumer(q.consumer.id(), "http_pull", Optional.empty(), settings, Optional.empty(),
                    q.consumer.createdOn());
        } else {
            q.consumer = newConsumer("http_pull", Optional.empty(), settings, Optional.empty());
        }
    }

    /**
     * Adds a consumer (as {@code POST .../consumers} does) and returns it.
     *
     * @throws IllegalArgumentException when the queue has a consumer already (Cloudflare allows one: remove it first)
     */
    public synchronized Consumer addConsumer(String queueId, String type, Optional<String> script,
                                             QueueConsumerSettings settings, Optional<Long> maxWaitTimeMs) {
        Queue q = queue(queueId);
        if (q.consumer != null) {
            throw new IllegalArgumentException("queue " + q.name + " already has a consumer (" + q.consumer.type()
                    + "); remove it first");
        }
        q.consumer = newConsumer(type, script, settings, maxWaitTimeMs);
        return q.consumer;
    }

    /** Replaces the consumer with this id (as {@code PUT .../consumers/{id}} does); false when there is none. */
    public synchronized boolean replaceConsumer(String queueId, String consumerId, String type, Optional<String> script,
                                                QueueConsumerSettings settings, Optional<Long> maxWaitTimeMs) {
        Queue q = queue(queueId);
        if (q.consumer == null || !q.consumer.id().equals(consumerId)) {
            return false;
        }
        q.consumer = new Consumer(consumerId, type, script, settings, maxWaitTimeMs, q.consumer.createdOn());
        return true;
    }

    /** Removes the consumer with this id, or any consumer when {@code consumerId} is null; false when none. */
    public synchronized boolean removeConsumer(String queueId, String consumerId) {
        Queue q = queue(queueId);
        if (q.consumer == null || (consumerId != null && !q.consumer.id().equals(consumerId))) {
            return false;
        }
        q.consumer = null;
        return true;
    }

    public synchronized Optional<Consumer> consumer(String queueId) {
        return Optional.ofNullable(queue(queueId).consumer);
    }

    /** Sets how long an unconsumed message is kept (60 s to 14 days). */
    public synchronized void retention(String queueId, Duration retention) {
        Objects.requireNonNull(retention, "retention");
        if (retention.compareTo(MIN_RETENTION) < 0 || retention.compareTo(MAX_RETENTION) > 0) {
            throw new IllegalArgumentException("message_retention_period must be between 60 s and 14 days, was "
                    + retention);
        }
        queue(queueId).retention = retention;
    }

    public synchronized QueueInfo info(String queueId) {
        Queue q = queue(queueId);
        return new QueueInfo(q.id, q.name, q.createdOn, q.retention, Optional.ofNullable(q.consumer));
    }

    /** Every queue, in creation order. */
    public synchronized List<QueueInfo> queues() {
        List<QueueInfo> out = new ArrayList<>();
        queues.values().forEach(q -> out.add(info(q.id)));
        return out;
    }

    /** Messages the queue deleted unconsumed because they outlived its retention. */
    public synchronized long expiredCount(String queueId) {
        Queue q = queue(queueId);
        sweep();
        return q.expired;
    }

    private Consumer newConsumer(String type, Optional<String> script, QueueConsumerSettings settings,
                                 Optional<Long> maxWaitTimeMs) {
        StringBuilder id = new StringBuilder(32);
        for (int i = 0; i < 32; i++) {
            id.append(Character.forDigit(consumerIds.nextInt(16), 16));
        }
        return new Consumer(id.toString(), type, script, settings, maxWaitTimeMs, clock.get());
    }

    public synchronized boolean exists(String queueId) {
        return queues.containsKey(queueId);
    }

    public synchronized Optional<String> idOf(String name) {
        return queues.values().stream().filter(q -> q.name.equals(name)).map(q -> q.id).findFirst();
    }

    public synchronized String nameOf(String queueId) {
        return queue(queueId).name;
    }

    /** The settings deliveries follow: the consumer's, or Cloudflare's defaults when the queue has none. */
    public synchronized QueueConsumerSettings settings(String queueId) {
        return queue(queueId).settings();
    }

    public synchronized Map<String, String> queueIdsByName() {
        Map<String, String> out = new LinkedHashMap<>();
        queues.values().forEach(q -> out.put(q.name, q.id));
        return out;
    }

    // ------------------------------------------------------------------ operations

    /**
     * Stores a message, visible after {@code delay}.
     *
     * @throws IllegalArgumentException for an unknown content type, an oversize body or a delay out of range
     */
    public synchronized String publish(String queueId, String contentType, byte[] body, Duration delay, String source) {
        Queue q = queue(queueId);
        checkPublish(contentType, body, delay);
        Instant now = sweep();
        Message m = new Message(hex32(), sequence++, contentType, body.clone(), now, source, now.plus(delay));
        q.add(m);
        changes++;
        return m.id;
    }

    /** Checks one message as {@link #publish} would, without storing it. */
    public static void checkPublish(String contentType, byte[] body, Duration delay) {
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(delay, "delay");
        if (!CONTENT_TYPES.contains(contentType)) {
            throw new IllegalArgumentException("content_type must be one of " + CONTENT_TYPES + ", was " + contentType);
        }
        if (body.length > MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("message body is " + body.length + " bytes; the limit is "
                    + MAX_MESSAGE_BYTES);
        }
        if (delay.isNegative() || delay.getSeconds() > MAX_DELAY_SECONDS || delay.getNano() != 0) {
            throw new IllegalArgumentException("delay_seconds must be whole seconds between 0 and " + MAX_DELAY_SECONDS
                    + ", was " + delay);
        }
    }

    /**
     * A delay as the API takes it: rounded up to whole seconds and capped at {@value #MAX_DELAY_SECONDS}, the way
     * a client that speaks {@code delay_seconds} must send a {@link Duration}.
     */
    public static long delaySeconds(Duration delay) {
        if (delay.isNegative() || delay.isZero()) {
            return 0;
        }
        if (delay.getSeconds() >= MAX_DELAY_SECONDS) {
            return MAX_DELAY_SECONDS;
        }
        return delay.getSeconds() + (delay.getNano() > 0 ? 1 : 0);
    }

    /**
     * Leases up to {@code batchSize} visible messages for {@code visibility}; both empty mean the consumer's
     * settings.
     */
    public synchronized PullResult pull(String queueId, Optional<Integer> batchSize, Optional<Duration> visibility) {
        Queue q = queue(queueId);
        int n = batchSize.orElse(q.settings().batchSize());
        Duration lease = visibility.orElse(q.settings().visibilityTimeout());
        if (n < 1 || n > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("batch_size must be between 1 and " + MAX_BATCH_SIZE + ", was " + n);
        }
        if (lease.toMillis() < 1 || lease.compareTo(MAX_VISIBILITY_TIMEOUT) > 0) {
            throw new IllegalArgumentException("visibility_timeout_ms must be between 1 and "
                    + MAX_VISIBILITY_TIMEOUT.toMillis() + ", was " + lease.toMillis());
        }
        Instant now = sweep();
        List<Pulled> out = new ArrayList<>();
        while (out.size() < n && !q.waiting.isEmpty() && !q.waiting.first().visibleAt.isAfter(now)) {
            Message m = q.waiting.pollFirst();
            m.attempts++;
            m.latestLease = newLeaseId();
            m.leaseExpiresAt = now.plus(lease);
            q.leased.add(m);
            leases.put(m.latestLease, new LeaseRef(q.id, m.id));
            q.delivered++;
            changes++;
            out.add(new Pulled(m.id, m.latestLease, m.contentType, m.body.clone(), m.attempts, m.publishedAt, m.source,
                    m.leaseExpiresAt));
        }
        Instant oldest = q.publishTimes.isEmpty() ? null : q.publishTimes.firstKey();
        return new PullResult(out, q.messages.size(), q.bytes, Optional.ofNullable(oldest));
    }

    /**
     * Up to {@code batchSize} (1..100) of the messages a pull would hand out next, without leasing them or counting
     * an attempt.
     */
    public synchronized List<Peeked> peek(String queueId, int batchSize) {
        Queue q = queue(queueId);
        if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("batch_size must be between 1 and " + MAX_BATCH_SIZE + ", was "
                    + batchSize);
        }
        Instant now = sweep();
        List<Peeked> out = new ArrayList<>();
        for (Message m : q.waiting) {
            if (out.size() >= batchSize || m.visibleAt.isAfter(now)) {
                break;
            }
            out.add(new Peeked(m.id, "fake-ref." + q.id + "." + m.id + "." + m.seq, m.contentType, m.body.clone(),
                    m.attempts, m.publishedAt, m.source));
        }
        return out;
    }

    /**
     * Applies acks and retries (see the class rules); unknown or stale leases become warnings.
     *
     * @throws IllegalArgumentException for a retry delay out of range (nothing is applied then)
     */
    public synchronized SettleResult settle(String queueId, List<String> acks, List<RetryRequest> retries) {
        Queue q = queue(queueId);
        for (RetryRequest r : retries) {
            r.delaySeconds().ifPresent(d -> {
                if (d < 0 || d > MAX_DELAY_SECONDS) {
                    throw new IllegalArgumentException("delay_seconds must be between 0 and " + MAX_DELAY_SECONDS
                            + ", was " + d);
                }
            });
        }
        Instant now = sweep();
        changes++;
        Map<String, String> warnings = new LinkedHashMap<>();
        int ackCount = 0;
        for (String lease : acks) {
            Message m = messageFor(q, lease, warnings);
            if (m != null) {
                q.remove(m);
                q.acked.add(m.snapshot());
                ackCount++;
            }
        }
        int retryCount = 0;
        for (RetryRequest r : retries) {
            Message m = messageFor(q, r.leaseId(), warnings);
            if (m == null) {
                continue;
            }
            if (!r.leaseId().equals(m.latestLease)) {
                warnings.put(r.leaseId(), m.latestLease == null ? "lease already settled by a retry"
                        : "lease superseded: the message was delivered again since");
                continue;
            }
            retryCount++;
            q.detach(m);
            m.leaseExpiresAt = null;
            m.latestLease = null; // a retry settles the lease: retrying it again is a warning
            if (isExhausted(q, m)) {
                deadLetter(q, m, now);
            } else {
                long delay = r.delaySeconds().orElse(q.settings().retryDelay().getSeconds());
                m.visibleAt = now.plusSeconds(delay);
                q.attach(m);
            }
        }
        q.warnings += warnings.size();
        return new SettleResult(ackCount, retryCount, warnings);
    }

    /** A message on its last delivery: {@code max_retries + 1} (see the class rules). */
    private static boolean isExhausted(Queue q, Message m) {
        return m.attempts >= q.settings().maxRetries() + 1;
    }

    private Message messageFor(Queue q, String lease, Map<String, String> warnings) {
        LeaseRef ref = leases.get(lease);
        if (ref == null || !ref.queueId().equals(q.id)) {
            warnings.put(lease, "unknown lease");
            return null;
        }
        Message m = q.messages.get(ref.messageId());
        if (m == null) {
            warnings.put(lease, "the message is no longer in the queue (acknowledged or dead-lettered)");
        }
        return m;
    }

    /**
     * Applies expired leases everywhere (dead-lettering exhausted messages) and returns now. Within a queue, expired
     * messages are handled in the order they entered it.
     */
    private Instant sweep() {
        Instant now = clock.get();
        for (Queue q : new ArrayList<>(queues.values())) {
            List<Message> expired = new ArrayList<>();
            while (!q.leased.isEmpty() && !q.leased.first().leaseExpiresAt.isAfter(now)) {
                expired.add(q.leased.pollFirst());
            }
            expired.sort(Comparator.comparingLong(m -> m.seq));
            for (Message m : expired) {
                Instant expiredAt = m.leaseExpiresAt;
                m.leaseExpiresAt = null;
                changes++;
                if (isExhausted(q, m)) {
                    deadLetter(q, m, now);
                } else {
                    m.visibleAt = expiredAt;
                    q.waiting.add(m);
                }
            }
            if (!q.publishTimes.isEmpty() && !q.publishTimes.firstKey().plus(q.retention).isAfter(now)) {
                Instant cutoff = now.minus(q.retention);
                for (Message m : new ArrayList<>(q.messages.values())) {
                    if (m.leaseExpiresAt == null && !m.publishedAt.isAfter(cutoff)) {
                        q.remove(m);
                        q.expired++;
                        changes++;
                    }
                }
            }
        }
        return now;
    }

    /** Moves {@code m}, which must be detached from its queue's ordered sets, to the dead-letter queue. */
    private void deadLetter(Queue from, Message m, Instant now) {
        changes++;
        from.forget(m);
        from.deadLettered.add(m.snapshot());
        Optional<Queue> dlq = from.settings().deadLetterQueue()
                .flatMap(name -> queues.values().stream().filter(q -> q.name.equals(name)).findFirst())
                .filter(q -> q != from);
        dlq.ifPresent(target -> {
            Message copy = new Message(m.id, sequence++, m.contentType, m.body, m.publishedAt, m.source, now);
            target.add(copy);
        });
    }

    // ------------------------------------------------------------------ inspection

    /** Everything still in the queue: visible, delayed and leased, in publish order. */
    public synchronized List<QueueMessage> backlog(String queueId) {
        Queue q = queue(queueId);
        sweep();
        return q.messages.values().stream().map(Message::snapshot).toList();
    }

    public synchronized List<QueueMessage> inFlight(String queueId) {
        Queue q = queue(queueId);
        sweep();
        return q.messages.values().stream().filter(m -> m.leaseExpiresAt != null).map(Message::snapshot).toList();
    }

    public synchronized List<QueueMessage> acked(String queueId) {
        Queue q = queue(queueId);
        sweep();
        return List.copyOf(q.acked);
    }

    public synchronized List<QueueMessage> deadLettered(String queueId) {
        Queue q = queue(queueId);
        sweep();
        return List.copyOf(q.deadLettered);
    }

    public synchronized long deliveredCount(String queueId) {
        return queue(queueId).delivered;
    }

    /** Ack and retry entries that named an unknown, gone, superseded or already settled lease. */
    public synchronized long warningCount(String queueId) {
        return queue(queueId).warnings;
    }

    /** Messages visible now (neither leased nor delayed). */
    public synchronized int visibleCount(String queueId) {
        Queue q = queue(queueId);
        Instant now = sweep();
        int n = 0;
        for (Message m : q.waiting) {
            if (m.visibleAt.isAfter(now)) {
                break;
            }
            n++;
        }
        return n;
    }

    /** Messages leased now. */
    public synchronized int leasedCount(String queueId) {
        Queue q = queue(queueId);
        sweep();
        return q.leased.size();
    }

    /** Messages in the queue, leased or not. */
    public synchronized int size(String queueId) {
        Queue q = queue(queueId);
        sweep();
        return q.messages.size();
    }

    /** When the next delayed message becomes visible, if one is delayed. */
    public synchronized Optional<Instant> nextVisibleAt(String queueId) {
        Queue q = queue(queueId);
        Instant now = sweep();
        for (Message m : q.waiting) {
            if (m.visibleAt.isAfter(now)) {
                return Optional.of(m.visibleAt);
            }
        }
        return Optional.empty();
    }

    /** When the next lease ends, if a message is leased. */
    public synchronized Optional<Instant> nextLeaseExpiry(String queueId) {
        Queue q = queue(queueId);
        sweep();
        return q.leased.isEmpty() ? Optional.empty() : Optional.of(q.leased.first().leaseExpiresAt);
    }

    /**
     * A counter that moves on every change of any queue's state (publish, lease, settle, expiry), so a test can
     * tell that several observations were taken while nothing changed.
     */
    public synchronized long changeCount() {
        sweep();
        return changes;
    }

    // ------------------------------------------------------------------ helpers

    private Queue queue(String queueId) {
        Queue q = queues.get(Objects.requireNonNull(queueId, "queueId"));
        if (q == null) {
            throw new IllegalArgumentException("no queue with id " + queueId + "; create it with createQueue(name)");
        }
        return q;
    }

    private String hex32() {
        StringBuilder s = new StringBuilder(32);
        for (int i = 0; i < 32; i++) {
            s.append(Character.forDigit(ids.nextInt(16), 16));
        }
        return s.toString();
    }

    private String newLeaseId() {
        byte[] bytes = new byte[18];
        ids.nextBytes(bytes);
        return "fake-lease." + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes) + "." + (++leaseCounter);
    }
}
