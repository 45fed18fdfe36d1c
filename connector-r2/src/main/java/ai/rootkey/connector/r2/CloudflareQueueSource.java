package ai.rootkey.connector.r2;

import ai.rootkey.connector.Batch;
import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.r2.internal.CloudflareApi;
import ai.rootkey.connector.r2.internal.CloudflareQueue;
import ai.rootkey.connector.r2.internal.QueueBodies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An {@link EventSource} on a Cloudflare Queue's HTTP pull consumer (DESIGN section 6.2), on
 * {@code java.net.http} and Jackson.
 *
 * <p>{@link #receive(int)} pulls up to 100 messages under a lease of {@link Builder#visibilityTimeout(Duration)}
 * (default {@link #DEFAULT_VISIBILITY_TIMEOUT}, long enough to upload a 500 MiB file; there is no call that
 * extends a lease) and decodes each body by its {@code CF-Content-Type}: {@code json} and {@code bytes} are base64
 * (padding optional, URL-safe alphabet accepted; a {@code json} body that is plain JSON is used as it is),
 * {@code text} is taken as it is, {@code v8} becomes a malformed delivery, and a missing or unknown type is
 * treated like {@code json}. A message without a {@code lease_id} cannot be settled and is skipped with a
 * warning (the queue redelivers it when its lease ends); one without an {@code id} uses its lease id as id.
 * Queue and account ids are 32 lowercase hex characters (a queue's name is not its id).
 * {@link #settle(List)} sends acks and retries, at most 100 leases per call, each retry delay rounded up to
 * whole seconds and capped at 12 hours.
 *
 * <p>Errors: 401/403 (or a v4 authentication error) throw {@link AccessRefusedException}, 404 a
 * {@link ConfigurationException}, each naming what to check. 408, 429, 5xx, timeouts and I/O errors are retried
 * inside the call ({@link Builder#apiRetry}), honouring {@code Retry-After}; after that the call throws
 * {@link DependencyException} (with status, Cloudflare error code and requested delay) or {@link IOException}, and
 * the engine backs off. Other error answers throw {@link DependencyException} at once.
 *
 * <p>Thread-safe: receive and settle may run at the same time. The API token is read from its {@link Secret}
 * for each request and never logged. {@link #close()} releases the {@link HttpClient} only when this source
 * built it.
 *
 * <pre>{@code
 * CloudflareQueueSource source = CloudflareQueueSource.builder()
 *         .accountId(System.getenv("CLOUDFLARE_ACCOUNT_ID"))
 *         .queueId(System.getenv("R2_QUEUE_ID"))
 *         .apiToken(Secret.fromEnvironment("CLOUDFLARE_API_TOKEN"))
 *         .build();
 * }</pre>
 */
public final class CloudflareQueueSource implements EventSource {
    /** The Cloudflare API root. */
    public static final String DEFAULT_BASE_URL = CloudflareApi.DEFAULT_BASE_URL;
    /** How long a pulled message stays leased to us: 10 minutes. */
    public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofMinutes(10);
    /** The longest lease Cloudflare grants: 12 hours. */
    public static final Duration MAX_VISIBILITY_TIMEOUT = CloudflareQueue.MAX_VISIBILITY_TIMEOUT;
    /** The longest retry delay Cloudflare accepts: 12 hours (43,200 s); longer delays are capped. */
    public static final Duration MAX_RETRY_DELAY = CloudflareQueue.MAX_RETRY_DELAY;
    /** The most messages one pull returns, and the most leases one ack call settles. */
    public static final int MAX_BATCH_SIZE = CloudflareQueue.MAX_BATCH_SIZE;
    /**
     * Pulls, and ack calls, this source lets the engine have under way at once: 8 of each. Several HTTP pull
     * consumers may pull from one queue at the same time, and Cloudflare allows pull consumers to pull and acknowledge
     * up to 5,000 messages a second per queue (https://developers.cloudflare.com/queues/configuration/pull-consumers/,
     * changelog of 2025-04-17). One ack call settles at most 100 leases, so one call at a time caps a queue 80 ms
     * away at 1,250 acks a second; pulls of the default 25 messages need more than 5 under way to feed 256 workers
     * from a queue 80 ms away (B5 in BENCHMARKS.md: 4 at once reached 0.70x the limit there, 8 reached 0.94x).
     */
    public static final int MAX_CONCURRENT_CALLS = 8;
    /** The most messages one publish-batch call carries. */
    public static final int MAX_PUBLISH_BATCH_SIZE = CloudflareQueue.MAX_PUBLISH_BATCH_SIZE;
    /** The largest message body Cloudflare Queues accepts: 128 KB. */
    public static final int MAX_MESSAGE_BYTES = CloudflareQueue.MAX_MESSAGE_BYTES;
    /** How long one API request may take: 30 seconds. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = CloudflareApi.DEFAULT_REQUEST_TIMEOUT;
    /** How long connecting to the API may take (for the client this source builds): 10 seconds. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = CloudflareApi.DEFAULT_CONNECT_TIMEOUT;
    /** Attempts per API call for retryable failures: 3. */
    public static final int DEFAULT_API_ATTEMPTS = CloudflareApi.DEFAULT_ATTEMPTS;
    /** Back-off after the first failed attempt of an API call: 250 ms, doubling. */
    public static final Duration DEFAULT_API_INITIAL_BACKOFF = CloudflareApi.DEFAULT_RETRY.initialBackoff();
    /** The longest back-off inside one API call, and the longest {@code Retry-After} waited for in it: 5 s. */
    public static final Duration DEFAULT_API_MAX_BACKOFF = CloudflareApi.DEFAULT_RETRY.maxBackoff();

    private static final Logger LOG = LoggerFactory.getLogger(CloudflareQueueSource.class);

    private final Duration visibilityTimeout;
    private final R2EventCodec codec;
    private final Secret apiToken;
    private final CloudflareApi api;
    private final CloudflareQueue queue;
    private final Clock clock;
    private final AtomicBoolean closed = new AtomicBoolean();

    private CloudflareQueueSource(Builder b, CloudflareApi api) {
        this.visibilityTimeout = b.visibilityTimeout;
        this.codec = b.codec;
        this.apiToken = b.apiToken;
        this.clock = b.clock;
        this.api = api;
        this.queue = api.queue(b.queueId, CloudflareQueue.Role.EVENTS);
    }

    /** A new builder; the builder is not thread-safe, the built source is. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Leases up to {@code maxMessages} messages (clamped to 1..{@value #MAX_BATCH_SIZE}) and returns them with
     * the queue's backlog when the reply reports it. Each delivery carries its lease deadline (counted from before
     * the request was sent, so it is never later than the queue's) and, for {@code json} and {@code text} bodies, the
     * message as stored, so that it can be {@linkplain Settlement#requeue requeued}.
     */
    @Override
    public Batch receive(int maxMessages) throws IOException {
        ensureOpen();
        int batchSize = Math.max(1, Math.min(MAX_BATCH_SIZE, maxMessages));
        Instant leaseDeadline = clock.instant().plus(visibilityTimeout);
        CloudflareQueue.Pull pull = queue.pull(batchSize, visibilityTimeout);
        List<Delivery> deliveries = new ArrayList<>(pull.messages().size());
        for (CloudflareQueue.Message m : pull.messages()) {
            String leaseId = m.leaseId().orElseThrow();
            Delivery delivery = QueueBodies.toDelivery(codec, m.id().orElse(leaseId), leaseId,
                    Math.max(1, m.attempts()), m.contentType(), m.body()).withLeaseDeadline(leaseDeadline);
            deliveries.add(QueueBodies.storedMessage(m.contentType(), m.body()).map(delivery::withMessage)
                    .orElse(delivery));
        }
        return new Batch(deliveries, pull.backlog());
    }

    /** {@value #MAX_CONCURRENT_CALLS}: each pull and ack is its own HTTP request, and this source is thread-safe. */
    @Override
    public int maxConcurrentCalls() {
        return MAX_CONCURRENT_CALLS;
    }

    /**
     * Acks, retries and requeues the given deliveries, in calls of at most {@value #MAX_BATCH_SIZE} leases. A
     * retry's delay is rounded up to whole seconds and capped at {@link #MAX_RETRY_DELAY}. A requeue publishes the
     * stored message again (publish-batch calls), and only after that succeeded is its lease acked in the same ack
     * call as the rest. Leases the queue no longer knows (expired, already settled) come back as warnings, which are
     * logged, not thrown. When a later call fails the earlier ones stay applied; calling again with the same
     * settlements is safe (a requeue may then publish twice: consumers are idempotent).
     *
     * @throws IllegalArgumentException for a requeue of a delivery {@link #canRequeue(Delivery)} refuses (nothing is
     *                                  sent then)
     */
    @Override
    public void settle(List<Settlement> settlements) throws IOException {
        Objects.requireNonNull(settlements, "settlements");
        ensureOpen();
        List<CloudflareQueue.Settle> settles = new ArrayList<>(settlements.size());
        for (Settlement s : settlements) {
            String leaseId = s.delivery().leaseId();
            switch (s.kind()) {
                case ACK:
                    settles.add(CloudflareQueue.Settle.ack(leaseId));
                    break;
                case RETRY:
                    settles.add(CloudflareQueue.Settle.retry(leaseId, s.delay()));
                    break;
                case REQUEUE:
                    if (!canRequeue(s.delivery())) {
                        throw new IllegalArgumentException("cannot requeue message " + s.delivery().messageId()
                                + ": only json and text messages of at most " + MAX_MESSAGE_BYTES
                                + " bytes can be published again");
                    }
                    settles.add(CloudflareQueue.Settle.requeue(leaseId, s.delivery().message().orElseThrow()));
                    break;
                default:
                    throw new IllegalStateException("unknown settlement " + s.kind());
            }
        }
        queue.settle(settles, "ack", "requeue");
    }

    /**
     * True for a delivery this source pulled with a {@code json} or {@code text} body of at most
     * {@value #MAX_MESSAGE_BYTES} bytes: the publish API takes those two content types only.
     */
    @Override
    public boolean canRequeue(Delivery delivery) {
        return delivery.message().map(QueueBodies::isPublishable).orElse(false);
    }

    /**
     * The consumer's {@code max_retries}, read from {@code GET .../consumers} (the first consumer that has the
     * setting, normally the one HTTP pull consumer). Empty when no consumer reports it.
     *
     * @throws AccessRefusedException when the token may not read consumer settings (403)
     * @throws IOException            when the API cannot be reached
     */
    @Override
    public OptionalInt maxRetries() throws IOException {
        ensureOpen();
        return queue.maxRetries();
    }

    /**
     * Checks the token, account id and queue id without consuming messages: an ack call with no leases.
     *
     * @throws ConfigurationException when the token is refused ({@link AccessRefusedException}) or the queue does
     *                                not exist
     */
    @Override
    public void probe() throws IOException {
        ensureOpen();
        queue.probe();
    }

    @Override
    public int maxBatchSize() {
        return MAX_BATCH_SIZE;
    }

    /**
     * Publishes one JSON message to this queue ({@code content_type: json}), e.g. to replay a dead-lettered event.
     * A retried call may publish the message twice; consumers are idempotent.
     *
     * @param jsonBody one JSON value, at most {@value #MAX_MESSAGE_BYTES} bytes in UTF-8
     * @throws IllegalArgumentException when the body is not JSON or too large
     */
    public void publish(String jsonBody) throws IOException {
        ensureOpen();
        queue.publishJson(jsonBody, "jsonBody");
    }

    /**
     * Publishes JSON messages to this queue, in calls of at most {@value #MAX_PUBLISH_BATCH_SIZE} messages and
     * about 250 KB. When a later call fails the earlier ones stay published.
     *
     * @throws IllegalArgumentException when a body is not JSON or too large (nothing is published then)
     */
    public void publishBatch(List<String> jsonBodies) throws IOException {
        Objects.requireNonNull(jsonBodies, "jsonBodies");
        ensureOpen();
        queue.publishJsonBatch(jsonBodies, "publish_batch");
    }

    /** Marks the source closed and releases the HTTP client when this source built it. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            api.close();
        }
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this CloudflareQueueSource is closed");
        }
    }

    /** Account, queue and endpoint; the token shows as redacted. */
    @Override
    public String toString() {
        return "CloudflareQueueSource[account=" + api.accountId() + ", queue=" + queue.id() + ", baseUrl="
                + api.baseUrl() + ", visibilityTimeout=" + visibilityTimeout + ", apiToken=" + apiToken + "]";
    }

    /**
     * Builds a {@link CloudflareQueueSource}. Setters reject bad values at once; {@link #build()} rejects missing
     * ones. Not thread-safe.
     */
    public static final class Builder extends CloudflareAccessBuilder<Builder> {
        private Duration visibilityTimeout = DEFAULT_VISIBILITY_TIMEOUT;
        private R2EventCodec codec = R2EventCodec.standard();

        private Builder() {
            super(LOG);
        }

        /** As {@link #baseUrl(URI)}. */
        public Builder baseUrl(String baseUrl) {
            Objects.requireNonNull(baseUrl, "baseUrl");
            try {
                return baseUrl(URI.create(baseUrl.trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("baseUrl is not a URL: " + e.getMessage(), e);
            }
        }

        /**
         * How long a pulled message stays leased before the queue redelivers it; size it for the slowest upload.
         * Default {@link #DEFAULT_VISIBILITY_TIMEOUT}, between 1 ms and {@link #MAX_VISIBILITY_TIMEOUT}.
         */
        public Builder visibilityTimeout(Duration visibilityTimeout) {
            Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
            if (visibilityTimeout.toMillis() < 1 || visibilityTimeout.compareTo(MAX_VISIBILITY_TIMEOUT) > 0) {
                throw new IllegalArgumentException("visibilityTimeout must be between 1 ms and 12 h, was "
                        + visibilityTimeout);
            }
            this.visibilityTimeout = visibilityTimeout;
            return this;
        }

        /** How long one API request may take; default {@link #DEFAULT_REQUEST_TIMEOUT}. */
        public Builder requestTimeout(Duration requestTimeout) {
            api.requestTimeout(requestTimeout);
            return this;
        }

        /**
         * The connect timeout of the client this source builds; default {@link #DEFAULT_CONNECT_TIMEOUT}. Cannot
         * be combined with {@link #httpClient(HttpClient)}.
         */
        public Builder connectTimeout(Duration connectTimeout) {
            api.connectTimeout(connectTimeout);
            return this;
        }

        /** The event codec; default {@link R2EventCodec#standard()}. */
        public Builder codec(R2EventCodec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /**
         * Retries inside one API call: up to {@code maxAttempts} (1..10, default {@value #DEFAULT_API_ATTEMPTS})
         * attempts for 408, 429, 5xx, timeouts and I/O errors, waiting {@code initialBackoff} doubling up to
         * {@code maxBackoff} between them (defaults 250 ms and 5 s). A {@code Retry-After} up to {@code maxBackoff}
         * is waited instead; a longer one ends the call at once with a {@link DependencyException} carrying it.
         */
        public Builder apiRetry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
            api.retry(new CloudflareApi.Retry(maxAttempts, initialBackoff, maxBackoff));
            return this;
        }

        /** For tests: how the back-off waits. */
        Builder sleeper(CloudflareApi.Sleeper sleeper) {
            api.sleeper(sleeper);
            return this;
        }

        /**
         * The source.
         *
         * @throws IllegalStateException  when the account id, queue id or token is missing, or connectTimeout is
         *                                combined with a user-supplied client
         * @throws ConfigurationException when the base URL breaks the https rule
         */
        public CloudflareQueueSource build() {
            if (queueId == null) {
                throw new IllegalStateException("no queue id: call queueId(...) (R2_QUEUE_ID)");
            }
            return new CloudflareQueueSource(this, api.build());
        }
    }
}
