package ai.rootkey.connector.r2;

import ai.rootkey.connector.Backlog;
import ai.rootkey.connector.Batch;
import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.r2.internal.CloudflareApi;
import ai.rootkey.connector.r2.internal.Endpoints;
import ai.rootkey.connector.r2.internal.Json;
import ai.rootkey.connector.r2.internal.QueueBodies;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

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
 * {@link #settle(List)} sends acks and retries, at most 100 leases per call, each retry delay rounded up to
 * whole seconds and capped at 12 hours.
 *
 * <p>Errors: 401/403 (or a v4 authentication error) and 404 throw {@link ConfigurationException} naming what to
 * check. 408, 429, 5xx, timeouts and I/O errors are retried inside the call ({@link Builder#apiRetry}), honouring
 * {@code Retry-After}; after that the call throws {@link DependencyException} (with status, Cloudflare error code
 * and requested delay) or {@link IOException}, and the engine backs off. Other error answers throw
 * {@link DependencyException} at once.
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
    public static final String DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4";
    /** How long a pulled message stays leased to us: 10 minutes. */
    public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofMinutes(10);
    /** The longest lease Cloudflare grants: 12 hours. */
    public static final Duration MAX_VISIBILITY_TIMEOUT = Duration.ofHours(12);
    /** The longest retry delay Cloudflare accepts: 12 hours (43,200 s); longer delays are capped. */
    public static final Duration MAX_RETRY_DELAY = Duration.ofHours(12);
    /** The most messages one pull returns, and the most leases one ack call settles. */
    public static final int MAX_BATCH_SIZE = 100;
    /** The most messages one publish-batch call carries. */
    public static final int MAX_PUBLISH_BATCH_SIZE = 100;
    /** The largest message body Cloudflare Queues accepts: 128 KB. */
    public static final int MAX_MESSAGE_BYTES = 128 * 1024;
    /** How long one API request may take: 30 seconds. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** How long connecting to the API may take (for the client this source builds): 10 seconds. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Attempts per API call for retryable failures: 3. */
    public static final int DEFAULT_API_ATTEMPTS = 3;
    /** Back-off after the first failed attempt of an API call: 250 ms, doubling. */
    public static final Duration DEFAULT_API_INITIAL_BACKOFF = Duration.ofMillis(250);
    /** The longest back-off inside one API call, and the longest {@code Retry-After} waited for in it: 5 s. */
    public static final Duration DEFAULT_API_MAX_BACKOFF = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(CloudflareQueueSource.class);
    private static final Pattern ACCOUNT_ID = Pattern.compile("^[0-9a-f]{32}$");
    /** Total body bytes per publish-batch call, kept under Cloudflare's 256 KB with room for the envelope. */
    private static final int MAX_PUBLISH_BATCH_BYTES = 250 * 1000;
    private static final long MAX_RETRY_DELAY_SECONDS = MAX_RETRY_DELAY.getSeconds();

    private final String accountId;
    private final String queueId;
    private final URI baseUrl;
    private final Secret apiToken;
    private final Duration visibilityTimeout;
    private final R2EventCodec codec;
    private final HttpClient httpClient;
    private final boolean ownsHttpClient;
    private final CloudflareApi api;
    private final Clock clock;
    private final String messagesPath;
    private final AtomicBoolean closed = new AtomicBoolean();

    private CloudflareQueueSource(Builder b, URI baseUrl, HttpClient httpClient, boolean ownsHttpClient) {
        this.accountId = b.accountId;
        this.queueId = b.queueId;
        this.baseUrl = baseUrl;
        this.apiToken = b.apiToken;
        this.visibilityTimeout = b.visibilityTimeout;
        this.codec = b.codec;
        this.httpClient = httpClient;
        this.ownsHttpClient = ownsHttpClient;
        this.clock = b.clock;
        this.messagesPath = "/accounts/" + accountId + "/queues/" + Endpoints.pathSegment(queueId) + "/messages";
        this.api = new CloudflareApi(httpClient, baseUrl, apiToken, b.requestTimeout,
                new CloudflareApi.Retry(b.apiAttempts, b.apiInitialBackoff, b.apiMaxBackoff), b.clock, b.sleeper,
                "queue " + queueId + " of account " + accountId);
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
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("batch_size", batchSize);
        request.put("visibility_timeout_ms", visibilityTimeout.toMillis());
        Instant leaseDeadline = clock.instant().plus(visibilityTimeout);
        JsonNode result = api.post("pull", messagesPath + "/pull", request);
        if (result == null || !result.isObject()) {
            throw new DependencyException("Cloudflare Queues pull answered without a result object", 200);
        }
        List<Delivery> deliveries = new ArrayList<>();
        JsonNode messages = result.get("messages");
        if (messages != null && messages.isArray()) {
            for (JsonNode message : messages) {
                toDelivery(message).map(d -> d.withLeaseDeadline(leaseDeadline)).ifPresent(deliveries::add);
            }
        }
        return new Batch(deliveries, backlog(result));
    }

    private Optional<Delivery> toDelivery(JsonNode message) {
        String leaseId = text(message, "lease_id");
        String id = text(message, "id");
        if (leaseId == null) {
            LOG.atWarn().addKeyValue("message_id", id == null ? "" : CloudflareApi.excerpt(id))
                    .log("rootkey.queue.message_skipped reason=no_lease_id message_id=\"{}\" note=\"it cannot be settled; "
                            + "the queue redelivers it when its lease ends\"", id == null ? "" : CloudflareApi.excerpt(id));
            return Optional.empty();
        }
        JsonNode attemptsNode = message.get("attempts");
        int attempts = attemptsNode != null && attemptsNode.canConvertToInt() ? Math.max(1, attemptsNode.asInt()) : 1;
        JsonNode metadata = message.get("metadata");
        String contentType = metadata == null ? null : text(metadata, "CF-Content-Type");
        JsonNode bodyNode = message.get("body");
        String body = bodyNode == null || bodyNode.isNull() ? ""
                : bodyNode.isTextual() ? bodyNode.textValue() : bodyNode.toString();
        Delivery delivery = QueueBodies.toDelivery(codec, id == null ? leaseId : id, leaseId, attempts, contentType,
                body);
        return Optional.of(QueueBodies.storedMessage(contentType, body).map(delivery::withMessage).orElse(delivery));
    }

    private static Optional<Backlog> backlog(JsonNode result) {
        JsonNode metrics = result.path("metadata").path("metrics");
        if (metrics.isObject() && metrics.has("backlog_count")) {
            long count = nonNegative(metrics.get("backlog_count"));
            long bytes = nonNegative(metrics.get("backlog_bytes"));
            long oldest = nonNegative(metrics.get("oldest_message_timestamp_ms"));
            return Optional.of(new Backlog(count, bytes,
                    oldest == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(oldest))));
        }
        JsonNode count = result.get("message_backlog_count");
        if (count != null && count.canConvertToLong()) {
            return Optional.of(new Backlog(nonNegative(count), 0, Optional.empty()));
        }
        return Optional.empty();
    }

    /**
     * Acks, retries and requeues the given deliveries, in calls of at most {@value #MAX_BATCH_SIZE} leases. A
     * retry's delay is rounded up to whole seconds and capped at {@link #MAX_RETRY_DELAY}. A requeue publishes the
     * stored message again (publish-batch calls), and only after that succeeded is its lease acked in the same ack
     * call as the rest. Leases the queue no longer knows (expired, already settled) come back as warnings, which are
     * logged, not thrown. When a later call fails the earlier ones stay applied; calling again with the same
     * settlements is safe (a requeue may then publish twice: consumers are idempotent).
     *
     * @throws IllegalArgumentException for a requeue of a delivery {@link #canRequeue(Delivery)} refuses
     */
    @Override
    public void settle(List<Settlement> settlements) throws IOException {
        Objects.requireNonNull(settlements, "settlements");
        ensureOpen();
        for (int from = 0; from < settlements.size(); from += MAX_BATCH_SIZE) {
            List<Settlement> chunk = settlements.subList(from, Math.min(settlements.size(), from + MAX_BATCH_SIZE));
            List<ObjectNode> republish = new ArrayList<>();
            List<Integer> sizes = new ArrayList<>();
            ObjectNode request = Json.MAPPER.createObjectNode();
            ArrayNode acks = request.putArray("acks");
            ArrayNode retries = request.putArray("retries");
            for (Settlement s : chunk) {
                switch (s.kind()) {
                    case ACK:
                        acks.addObject().put("lease_id", s.delivery().leaseId());
                        break;
                    case RETRY:
                        retries.addObject().put("lease_id", s.delivery().leaseId())
                                .put("delay_seconds", delaySeconds(s.delay()));
                        break;
                    case REQUEUE: {
                        if (!canRequeue(s.delivery())) {
                            throw new IllegalArgumentException("cannot requeue message " + s.delivery().messageId()
                                    + ": only json and text messages of at most " + MAX_MESSAGE_BYTES
                                    + " bytes can be published again");
                        }
                        Delivery.Message stored = s.delivery().message().orElseThrow();
                        republish.add(QueueBodies.publication(stored));
                        sizes.add(stored.body().getBytes(StandardCharsets.UTF_8).length);
                        acks.addObject().put("lease_id", s.delivery().leaseId());
                        break;
                    }
                    default:
                        throw new IllegalStateException("unknown settlement " + s.kind());
                }
            }
            if (!republish.isEmpty()) {
                publishMessages(republish, sizes, "requeue");
            }
            JsonNode result = api.post("ack", messagesPath + "/ack", request);
            logWarnings(result, acks.size(), retries.size());
        }
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
     * @throws ConfigurationException when the token may not read consumer settings (403)
     * @throws IOException            when the API cannot be reached
     */
    @Override
    public OptionalInt maxRetries() throws IOException {
        JsonNode consumers = consumers();
        if (consumers != null && consumers.isArray()) {
            for (JsonNode consumer : consumers) {
                JsonNode value = consumer.path("settings").path("max_retries");
                if (value.canConvertToInt() && value.asInt() >= 0) {
                    return OptionalInt.of(value.asInt());
                }
            }
        }
        return OptionalInt.empty();
    }

    /** A retry delay in whole seconds as the API wants it: rounded up, within [0, 43200]. */
    static long delaySeconds(Duration delay) {
        if (delay.isNegative() || delay.isZero()) {
            return 0;
        }
        if (delay.compareTo(MAX_RETRY_DELAY) >= 0) {
            return MAX_RETRY_DELAY_SECONDS;
        }
        return delay.getSeconds() + (delay.getNano() > 0 ? 1 : 0);
    }

    private void logWarnings(JsonNode result, int sentAcks, int sentRetries) {
        JsonNode warnings = result == null ? null : result.get("warnings");
        List<String> lines = new ArrayList<>();
        if (warnings != null && warnings.isArray()) {
            warnings.forEach(w -> lines.add(CloudflareApi.excerpt(w.isTextual() ? w.textValue() : w.toString())));
        } else if (warnings != null && warnings.isObject()) {
            for (Map.Entry<String, JsonNode> e : warnings.properties()) {
                JsonNode v = e.getValue();
                lines.add(CloudflareApi.excerpt(e.getKey()) + ": "
                        + CloudflareApi.excerpt(v.isTextual() ? v.textValue() : v.toString()));
            }
        }
        if (lines.isEmpty()) {
            return;
        }
        long acked = result.path("ackCount").asLong(-1);
        long retried = result.path("retryCount").asLong(-1);
        LOG.atWarn().addKeyValue("warnings", lines.size()).addKeyValue("acks", sentAcks)
                .addKeyValue("retries", sentRetries).addKeyValue("ack_count", acked).addKeyValue("retry_count", retried)
                .log("rootkey.queue.settle_warnings warnings={} acks={} retries={} ack_count={} retry_count={} "
                        + "note=\"leases the queue no longer holds (expired or already settled); see DEBUG for each\"",
                        lines.size(), sentAcks, sentRetries, acked, retried);
        if (LOG.isDebugEnabled()) {
            for (String line : lines) {
                LOG.debug("rootkey.queue.settle_warning warning=\"{}\"", line);
            }
        }
    }

    /**
     * Checks the token, account id and queue id without consuming messages: an ack call with no leases.
     *
     * @throws ConfigurationException when the token is refused or the queue does not exist
     */
    @Override
    public void probe() throws IOException {
        ensureOpen();
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.putArray("acks");
        request.putArray("retries");
        api.post("probe", messagesPath + "/ack", request);
    }

    @Override
    public int maxBatchSize() {
        return MAX_BATCH_SIZE;
    }

    /** {@code GET .../consumers}: the queue's consumers as Cloudflare lists them, for {@link Doctor}. */
    JsonNode consumers() throws IOException {
        ensureOpen();
        return api.get("consumers", messagesPath.substring(0, messagesPath.length() - "/messages".length())
                + "/consumers");
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
        ObjectNode request = message(jsonBody, "jsonBody");
        api.post("publish", messagesPath, request);
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
        List<ObjectNode> messages = new ArrayList<>(jsonBodies.size());
        List<Integer> sizes = new ArrayList<>(jsonBodies.size());
        for (int i = 0; i < jsonBodies.size(); i++) {
            String body = Objects.requireNonNull(jsonBodies.get(i), "jsonBodies[" + i + "]");
            messages.add(message(body, "jsonBodies[" + i + "]"));
            sizes.add(body.getBytes(StandardCharsets.UTF_8).length);
        }
        publishMessages(messages, sizes, "publish_batch");
    }

    /** Publish-batch calls of at most {@value #MAX_PUBLISH_BATCH_SIZE} messages and about 250 KB of bodies. */
    private void publishMessages(List<ObjectNode> messages, List<Integer> sizes, String operation) throws IOException {
        int from = 0;
        while (from < messages.size()) {
            ObjectNode request = Json.MAPPER.createObjectNode();
            ArrayNode array = request.putArray("messages");
            int bytes = 0;
            int i = from;
            while (i < messages.size() && array.size() < MAX_PUBLISH_BATCH_SIZE
                    && (array.isEmpty() || bytes + sizes.get(i) <= MAX_PUBLISH_BATCH_BYTES)) {
                array.add(messages.get(i));
                bytes += sizes.get(i);
                i++;
            }
            api.post(operation, messagesPath + "/batch", request);
            from = i;
        }
    }

    private static ObjectNode message(String jsonBody, String name) {
        Objects.requireNonNull(jsonBody, name);
        int size = jsonBody.getBytes(StandardCharsets.UTF_8).length;
        if (size > MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException(name + " is " + size + " bytes; Cloudflare Queues takes at most "
                    + MAX_MESSAGE_BYTES);
        }
        JsonNode tree;
        try {
            tree = Json.STRICT_READER.readTree(jsonBody);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(name + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (tree == null || tree.isMissingNode()) {
            throw new IllegalArgumentException(name + " is empty");
        }
        ObjectNode message = Json.MAPPER.createObjectNode();
        message.set("body", tree);
        message.put("content_type", "json");
        return message;
    }

    /** Marks the source closed and releases the HTTP client when this source built it. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && ownsHttpClient) {
            closeClient(httpClient);
        }
    }

    /** {@code HttpClient} is {@link AutoCloseable} from Java 21; on 17 there is nothing to release. */
    private static void closeClient(HttpClient client) {
        Object c = client;
        if (c instanceof AutoCloseable) {
            try {
                ((AutoCloseable) c).close();
            } catch (Exception e) {
                LOG.debug("rootkey.queue.close_failed error={}", e.getClass().getSimpleName());
            }
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
        return "CloudflareQueueSource[account=" + accountId + ", queue=" + queueId + ", baseUrl=" + baseUrl
                + ", visibilityTimeout=" + visibilityTimeout + ", apiToken=" + apiToken + "]";
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull() || value.isContainerNode()) {
            return null;
        }
        String s = value.asText();
        return s.isEmpty() ? null : s;
    }

    private static long nonNegative(JsonNode node) {
        return node == null || !node.canConvertToLong() ? 0 : Math.max(0, node.asLong());
    }

    /**
     * Builds a {@link CloudflareQueueSource}. Setters reject bad values at once; {@link #build()} rejects missing
     * ones. Not thread-safe.
     */
    public static final class Builder {
        private String accountId;
        private String queueId;
        private Secret apiToken;
        private URI baseUrl = URI.create(DEFAULT_BASE_URL);
        private boolean allowInsecureLoopback;
        private Duration visibilityTimeout = DEFAULT_VISIBILITY_TIMEOUT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private Duration connectTimeout;
        private HttpClient httpClient;
        private R2EventCodec codec = R2EventCodec.standard();
        private int apiAttempts = DEFAULT_API_ATTEMPTS;
        private Duration apiInitialBackoff = DEFAULT_API_INITIAL_BACKOFF;
        private Duration apiMaxBackoff = DEFAULT_API_MAX_BACKOFF;
        private Clock clock = Clock.systemUTC();
        private CloudflareApi.Sleeper sleeper = d -> Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);

        private Builder() {
        }

        /** The Cloudflare account id: 32 lowercase hex characters ({@code CLOUDFLARE_ACCOUNT_ID}). Required. */
        public Builder accountId(String accountId) {
            Objects.requireNonNull(accountId, "accountId");
            if (!ACCOUNT_ID.matcher(accountId).matches()) {
                throw new IllegalArgumentException("accountId must be 32 lowercase hex characters (CLOUDFLARE_ACCOUNT_ID), "
                        + "was \"" + CloudflareApi.excerpt(accountId) + "\"");
            }
            this.accountId = accountId;
            return this;
        }

        /**
         * The queue's id ({@code R2_QUEUE_ID}; Cloudflare's are 32 hex characters, the queue's id rather than its
         * name). Any non-blank id without {@code /} is accepted. Required.
         */
        public Builder queueId(String queueId) {
            Objects.requireNonNull(queueId, "queueId");
            if (queueId.isBlank() || queueId.indexOf('/') >= 0 || !queueId.strip().equals(queueId)) {
                throw new IllegalArgumentException("queueId must be non-blank, without '/' or surrounding spaces "
                        + "(R2_QUEUE_ID), was \"" + CloudflareApi.excerpt(queueId) + "\"");
            }
            this.queueId = queueId;
            return this;
        }

        /** The API token, with Queues read and write ({@code CLOUDFLARE_API_TOKEN}). Required. */
        public Builder apiToken(Secret apiToken) {
            this.apiToken = Objects.requireNonNull(apiToken, "apiToken");
            return this;
        }

        /**
         * The API root, default {@link #DEFAULT_BASE_URL}; for staging, proxies and local stand-ins. Must be
         * https unless {@link #allowInsecureLoopbackForTesting(boolean)} admits plain http to loopback.
         */
        public Builder baseUrl(URI baseUrl) {
            this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
            return this;
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
         * Allows a plain-http base URL to a loopback host (localhost, 127.0.0.0/8, ::1) only; for a local stand-in
         * such as the test kit's fake. Never use it against a remote host: it cannot be, by construction.
         * Default false.
         */
        public Builder allowInsecureLoopbackForTesting(boolean allow) {
            this.allowInsecureLoopback = allow;
            return this;
        }

        /**
         * How long a pulled message stays leased before the queue redelivers it; size it for the slowest upload.
         * Default {@link #DEFAULT_VISIBILITY_TIMEOUT}, between 1 ms and {@link #MAX_VISIBILITY_TIMEOUT}.
         */
        public Builder visibilityTimeout(Duration visibilityTimeout) {
            Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
            if (visibilityTimeout.toMillis() < 1 || visibilityTimeout.compareTo(MAX_VISIBILITY_TIMEOUT) > 0) {
                throw new IllegalArgumentException("visibilityTimeout must be between 1 ms and 12 h, was " + visibilityTimeout);
            }
            this.visibilityTimeout = visibilityTimeout;
            return this;
        }

        /** How long one API request may take; default {@link #DEFAULT_REQUEST_TIMEOUT}. */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = positive(requestTimeout, "requestTimeout");
            return this;
        }

        /**
         * The connect timeout of the client this source builds; default {@link #DEFAULT_CONNECT_TIMEOUT}. Cannot
         * be combined with {@link #httpClient(HttpClient)}.
         */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = positive(connectTimeout, "connectTimeout");
            return this;
        }

        /**
         * A client to use instead of building one; the source never closes it. It must not follow redirects: a
         * redirect would carry the API token to another host.
         *
         * @throws IllegalArgumentException when the client follows redirects
         */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = Endpoints.requireNoRedirects(httpClient, "httpClient");
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
            CloudflareApi.Retry checked = new CloudflareApi.Retry(maxAttempts, initialBackoff, maxBackoff);
            this.apiAttempts = checked.maxAttempts();
            this.apiInitialBackoff = checked.initialBackoff();
            this.apiMaxBackoff = checked.maxBackoff();
            return this;
        }

        /** The clock for {@code Retry-After} dates; default UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** For tests: how the back-off waits. */
        Builder sleeper(CloudflareApi.Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
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
            if (accountId == null) {
                throw new IllegalStateException("no account id: call accountId(...) (CLOUDFLARE_ACCOUNT_ID)");
            }
            if (queueId == null) {
                throw new IllegalStateException("no queue id: call queueId(...) (R2_QUEUE_ID)");
            }
            if (apiToken == null) {
                throw new IllegalStateException("no API token: call apiToken(Secret.fromEnvironment(\"CLOUDFLARE_API_TOKEN\"))");
            }
            if (httpClient != null && connectTimeout != null) {
                throw new IllegalStateException("connectTimeout applies to the client this source builds: set it on "
                        + "your HttpClient instead, or drop httpClient(...)");
            }
            URI base = Endpoints.requireHttpsOrLoopback(baseUrl, allowInsecureLoopback, "baseUrl");
            if (httpClient != null) {
                return new CloudflareQueueSource(this, base, httpClient, false);
            }
            HttpClient.Builder client = HttpClient.newBuilder()
                    .connectTimeout(connectTimeout == null ? DEFAULT_CONNECT_TIMEOUT : connectTimeout)
                    .followRedirects(HttpClient.Redirect.NEVER);
            if ("http".equalsIgnoreCase(base.getScheme())) {
                client.version(HttpClient.Version.HTTP_1_1); // no h2c upgrade dance with local stand-ins
            }
            return new CloudflareQueueSource(this, base, client.build(), true);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
            return d;
        }
    }
}
