package ai.rootkey.connector.r2.internal;

import ai.rootkey.connector.Backlog;
import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.DependencyException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One queue's endpoints of the Cloudflare Queues API (DESIGN 6.2), on its account's {@link CloudflareApi}: pull,
 * peek, ack and retry, publish, the queue's settings, and its consumers (list, create, update, delete). Replies are
 * parsed here, once, into {@link Message}, {@link Pull}, {@link Consumer} and {@link Info}; callers never see the
 * wire JSON. Thread-safe, like the client.
 *
 * <p>Cloudflare's limits are applied here: at most {@value #MAX_BATCH_SIZE} messages a pull or peek and leases an
 * ack call, at most {@value #MAX_PUBLISH_BATCH_SIZE} messages and about 250 KB of bodies a publish-batch call, retry
 * delays in whole seconds up to {@link #MAX_RETRY_DELAY}.
 */
public final class CloudflareQueue {
    /** The most messages one pull or peek returns, and the most leases one ack call settles. */
    public static final int MAX_BATCH_SIZE = 100;
    /** The most messages one publish-batch call carries. */
    public static final int MAX_PUBLISH_BATCH_SIZE = 100;
    /** The largest message body the queue takes: 128 KB. */
    public static final int MAX_MESSAGE_BYTES = QueueBodies.MAX_MESSAGE_BYTES;
    /** The longest lease Cloudflare grants: 12 hours. */
    public static final Duration MAX_VISIBILITY_TIMEOUT = Duration.ofHours(12);
    /** The longest retry delay Cloudflare accepts: 12 hours (43,200 s); longer delays are capped. */
    public static final Duration MAX_RETRY_DELAY = Duration.ofHours(12);
    /** Total body bytes per publish-batch call, kept under Cloudflare's 256 KB with room for the envelope. */
    static final int MAX_PUBLISH_BATCH_BYTES = 250 * 1000;

    /** Which queue of the connector a handle is, for error messages: its name in prose and its setting. */
    public enum Role {
        /** The queue R2 sends the bucket's events to. */
        EVENTS("queue", "R2_QUEUE_ID"),
        /** The queue the events' consumer dead-letters to. */
        DEAD_LETTERS("dead-letter queue", "R2_DLQ_ID");

        private final String noun;
        private final String setting;

        Role(String noun, String setting) {
            this.noun = noun;
            this.setting = setting;
        }

        /** The environment variable holding this queue's id. */
        public String setting() {
            return setting;
        }
    }

    /**
     * One message as a pull or a peek shows it. Fields the reply lacks are empty (strings), 0 (numbers) or absent.
     *
     * @param id          the message id (stable across deliveries)
     * @param leaseId     the lease of a pulled message; absent in a peek
     * @param attempts    deliveries so far, as the queue counts them (0 when the reply has none)
     * @param timestampMs when the message was published, in epoch milliseconds (0 when unknown)
     * @param contentType its {@code CF-Content-Type} ({@code json}, {@code text}, {@code bytes}, {@code v8}), or empty
     * @param body        the body as sent (base64 for {@code json} and {@code bytes}); a JSON body that is not a
     *                    string comes as its JSON text
     * @param ref         the opaque reference a peek gives each message
     */
    public record Message(Optional<String> id, Optional<String> leaseId, int attempts, long timestampMs,
                          String contentType, String body, Optional<String> ref) {
        /** The message of a reply; never null in any part. */
        static Message parse(JsonNode m) {
            JsonNode attempts = m.path("attempts");
            JsonNode body = m.get("body");
            return new Message(text(m, "id"), text(m, "lease_id"),
                    attempts.canConvertToInt() ? Math.max(0, attempts.asInt()) : 0,
                    Math.max(0, m.path("timestamp_ms").asLong(0)),
                    text(m.path("metadata"), "CF-Content-Type").orElse(""),
                    body == null || body.isNull() ? "" : body.isTextual() ? body.textValue() : body.toString(),
                    text(m, "ref"));
        }

        /** The body as a replay publishes it again: decoded by its content type (see {@link QueueBodies}). */
        public String bodyText() {
            return QueueBodies.bodyText(contentType, body);
        }
    }

    /**
     * What a pull answered.
     *
     * @param messages the messages that can be settled (with a lease id), in the queue's order
     * @param backlog  the queue's backlog, when the reply reports it
     */
    public record Pull(List<Message> messages, Optional<Backlog> backlog) {
        public Pull {
            messages = List.copyOf(messages);
            Objects.requireNonNull(backlog, "backlog");
        }
    }

    /**
     * One consumer of the queue, as {@code GET .../consumers} lists it ({@code cloudflare/cloudflare-typescript}
     * {@code src/resources/queues/consumers.ts}: {@code consumer_id}, {@code type}, {@code script_name} (older
     * replies: {@code script}) for a Worker, {@code dead_letter_queue} (empty when none), {@code settings}).
     *
     * @param id                the {@code consumer_id}, when given
     * @param type              {@code http_pull} or {@code worker}, when given
     * @param script            the Worker's name, for a {@code worker} consumer
     * @param maxRetries        its {@code settings.max_retries}, when set (and not negative)
     * @param deadLetterQueue   the name of its dead-letter queue, when it has one
     * @param batchSize         its {@code settings.batch_size}, when set (and positive)
     * @param visibilityTimeout its {@code settings.visibility_timeout_ms}, when set (and positive; http_pull only)
     */
    public record Consumer(Optional<String> id, Optional<String> type, Optional<String> script, OptionalInt maxRetries,
                           Optional<String> deadLetterQueue, OptionalInt batchSize,
                           Optional<Duration> visibilityTimeout) {
        public Consumer {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(script, "script");
            Objects.requireNonNull(maxRetries, "maxRetries");
            Objects.requireNonNull(deadLetterQueue, "deadLetterQueue");
            Objects.requireNonNull(batchSize, "batchSize");
            Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
        }

        static Consumer parse(JsonNode c) {
            JsonNode settings = c.path("settings");
            JsonNode maxRetries = settings.path("max_retries");
            JsonNode batchSize = settings.path("batch_size");
            JsonNode visibility = settings.path("visibility_timeout_ms");
            return new Consumer(text(c, "consumer_id"), text(c, "type"),
                    text(c, "script_name").or(() -> text(c, "script")),
                    maxRetries.canConvertToInt() && maxRetries.asInt() >= 0 ? OptionalInt.of(maxRetries.asInt())
                            : OptionalInt.empty(),
                    text(c, "dead_letter_queue"),
                    batchSize.canConvertToInt() && batchSize.asInt() > 0 ? OptionalInt.of(batchSize.asInt())
                            : OptionalInt.empty(),
                    visibility.canConvertToLong() && visibility.asLong() > 0
                            ? Optional.of(Duration.ofMillis(visibility.asLong())) : Optional.empty());
        }
    }

    /**
     * What an HTTP pull consumer should be: the body of {@code POST .../consumers} and {@code PUT
     * .../consumers/{consumer_id}} ({@code {"type":"http_pull","dead_letter_queue":...,"settings":{"batch_size",
     * "max_retries","visibility_timeout_ms"}}}, {@code cloudflare-typescript}'s {@code MqHTTPConsumerRequest}).
     *
     * @param batchSize         messages per pull when a pull does not say (1..100)
     * @param maxRetries        retries before the dead-letter queue (0..100)
     * @param visibilityTimeout the lease when a pull does not say (whole milliseconds, up to 12 h)
     * @param deadLetterQueue   the name of the dead-letter queue, or empty for none
     */
    public record PullConsumer(int batchSize, int maxRetries, Duration visibilityTimeout,
                               Optional<String> deadLetterQueue) {
        public PullConsumer {
            if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
                throw new IllegalArgumentException("batchSize must be between 1 and 100, was " + batchSize);
            }
            if (maxRetries < 0 || maxRetries > 100) {
                throw new IllegalArgumentException("maxRetries must be between 0 and 100, was " + maxRetries);
            }
            Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
            if (visibilityTimeout.toMillis() < 1 || visibilityTimeout.compareTo(MAX_VISIBILITY_TIMEOUT) > 0) {
                throw new IllegalArgumentException("visibilityTimeout must be between 1 ms and 12 h, was "
                        + visibilityTimeout);
            }
            Objects.requireNonNull(deadLetterQueue, "deadLetterQueue");
        }

        /** Whether {@code c} is an http_pull consumer with these settings (other settings it has do not matter). */
        public boolean matches(Consumer c) {
            return c.type().equals(Optional.of("http_pull")) && c.batchSize().equals(OptionalInt.of(batchSize))
                    && c.maxRetries().equals(OptionalInt.of(maxRetries))
                    && c.visibilityTimeout().equals(Optional.of(visibilityTimeout))
                    && c.deadLetterQueue().equals(deadLetterQueue);
        }

        ObjectNode body() {
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.put("type", "http_pull");
            deadLetterQueue.ifPresent(name -> body.put("dead_letter_queue", name));
            ObjectNode settings = body.putObject("settings");
            settings.put("batch_size", batchSize);
            settings.put("max_retries", maxRetries);
            settings.put("visibility_timeout_ms", visibilityTimeout.toMillis());
            return body;
        }
    }

    /**
     * A queue as {@code GET /accounts/{a}/queues[/{id}]} shows it ({@code cloudflare-typescript}
     * {@code src/resources/queues/queues.ts}).
     *
     * @param id               its {@code queue_id}
     * @param name             its {@code queue_name}
     * @param messageRetention its {@code settings.message_retention_period} (seconds until an unconsumed message is
     *                         deleted), when the reply has it
     */
    public record Info(String id, String name, Optional<Duration> messageRetention) {
        public Info {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(messageRetention, "messageRetention");
        }

        /** The queue of a reply, or empty when it has no {@code queue_id}. */
        static Optional<Info> parse(JsonNode q) {
            if (q == null || !q.isObject()) {
                return Optional.empty();
            }
            JsonNode retention = q.path("settings").path("message_retention_period");
            Optional<String> id = text(q, "queue_id");
            return id.map(i -> new Info(i, text(q, "queue_name").orElse(""),
                    retention.canConvertToLong() && retention.asLong() > 0
                            ? Optional.of(Duration.ofSeconds(retention.asLong())) : Optional.empty()));
        }
    }

    /** One lease to settle: ack it, retry it after a delay, or requeue its message (publish again, then ack). */
    public static final class Settle {
        private final String leaseId;
        private final long delaySeconds;
        private final Optional<Delivery.Message> requeue;

        private Settle(String leaseId, long delaySeconds, Optional<Delivery.Message> requeue) {
            this.leaseId = Objects.requireNonNull(leaseId, "leaseId");
            this.delaySeconds = delaySeconds;
            this.requeue = requeue;
        }

        /** Delete the message. */
        public static Settle ack(String leaseId) {
            return new Settle(leaseId, -1, Optional.empty());
        }

        /** Deliver it again after {@code delay}, rounded up to whole seconds and capped (one more attempt). */
        public static Settle retry(String leaseId, Duration delay) {
            return new Settle(leaseId, delaySeconds(delay), Optional.empty());
        }

        /**
         * Publish {@code message} to the queue again, then ack the lease: a new message with attempts from zero. The
         * message must be {@link QueueBodies#isPublishable publishable}.
         */
        public static Settle requeue(String leaseId, Delivery.Message message) {
            return new Settle(leaseId, -1, Optional.of(Objects.requireNonNull(message, "message")));
        }
    }

    private final CloudflareApi api;
    private final String id;
    private final String path;
    private final CloudflareApi.Resource resource;

    CloudflareQueue(CloudflareApi api, String id, Role role) {
        this.api = api;
        this.id = id;
        this.path = api.accountPath() + "/queues/" + Endpoints.pathSegment(id);
        this.resource = new CloudflareApi.Resource("Cloudflare Queues",
                role.noun + " " + id + " of account " + api.accountId(), "Queues read and write", "queue not found",
                "CLOUDFLARE_ACCOUNT_ID and " + role.setting);
    }

    /** The queue id. */
    public String id() {
        return id;
    }

    /**
     * {@code POST .../messages/pull}: leases up to {@code batchSize} (1..{@value #MAX_BATCH_SIZE}) messages for
     * {@code visibilityTimeout}. A message without a lease id cannot be settled: it is left out, with a warning (the
     * queue hands it out again when its lease ends).
     *
     * @throws DependencyException when the reply has no result object; otherwise as {@link CloudflareApi#get}
     */
    public Pull pull(int batchSize, Duration visibilityTimeout) throws IOException {
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("batch_size", batchSize);
        request.put("visibility_timeout_ms", visibilityTimeout.toMillis());
        JsonNode result = api.post("pull", resource, path + "/messages/pull", request);
        if (result == null || !result.isObject()) {
            throw new DependencyException("Cloudflare Queues pull answered without a result object", 200);
        }
        List<Message> messages = new ArrayList<>();
        for (Message m : messages(result)) {
            if (m.leaseId().isPresent()) {
                messages.add(m);
            } else {
                String shown = CloudflareApi.excerpt(m.id().orElse(""));
                api.log().atWarn().addKeyValue("message_id", shown)
                        .log("rootkey.queue.message_skipped reason=no_lease_id message_id=\"{}\" note=\"it cannot be "
                                + "settled; the queue redelivers it when its lease ends\"", shown);
            }
        }
        return new Pull(messages, backlog(result));
    }

    /**
     * {@code POST .../messages/peek}: up to {@code batchSize} messages in the order a pull would hand them out,
     * without leasing them or counting an attempt.
     */
    public List<Message> peek(int batchSize) throws IOException {
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("batch_size", batchSize);
        return messages(api.post("peek", resource, path + "/messages/peek", request));
    }

    private static List<Message> messages(JsonNode result) {
        JsonNode messages = result == null ? null : result.get("messages");
        List<Message> out = new ArrayList<>();
        if (messages != null && messages.isArray()) {
            messages.forEach(m -> out.add(Message.parse(m)));
        }
        return out;
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
     * {@code POST .../messages/ack}, in calls of at most {@value #MAX_BATCH_SIZE} leases. The requeues of each call
     * are published first (publish-batch calls named {@code requeueOperation}); only after that succeeded does the
     * ack call (named {@code ackOperation}) ack their leases with the rest. Leases the queue no longer holds come back
     * as warnings, which are logged, not thrown. When a later call fails the earlier ones stay applied.
     */
    public void settle(List<Settle> settlements, String ackOperation, String requeueOperation) throws IOException {
        for (int from = 0; from < settlements.size(); from += MAX_BATCH_SIZE) {
            List<Settle> chunk = settlements.subList(from, Math.min(settlements.size(), from + MAX_BATCH_SIZE));
            List<Delivery.Message> republish = new ArrayList<>();
            ObjectNode request = Json.MAPPER.createObjectNode();
            ArrayNode acks = request.putArray("acks");
            ArrayNode retries = request.putArray("retries");
            for (Settle s : chunk) {
                if (s.delaySeconds >= 0) {
                    retries.addObject().put("lease_id", s.leaseId).put("delay_seconds", s.delaySeconds);
                } else {
                    s.requeue.ifPresent(republish::add);
                    acks.addObject().put("lease_id", s.leaseId);
                }
            }
            if (!republish.isEmpty()) {
                publishBatches(republish, requeueOperation);
            }
            JsonNode result = api.post(ackOperation, resource, path + "/messages/ack", request);
            logWarnings(result, acks.size(), retries.size());
        }
    }

    /** A retry delay in whole seconds as the API wants it: rounded up, within [0, 43200]. */
    static long delaySeconds(Duration delay) {
        if (delay.isNegative() || delay.isZero()) {
            return 0;
        }
        if (delay.compareTo(MAX_RETRY_DELAY) >= 0) {
            return MAX_RETRY_DELAY.getSeconds();
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
        api.log().atWarn().addKeyValue("warnings", lines.size()).addKeyValue("acks", sentAcks)
                .addKeyValue("retries", sentRetries).addKeyValue("ack_count", acked).addKeyValue("retry_count", retried)
                .log("rootkey.queue.settle_warnings warnings={} acks={} retries={} ack_count={} retry_count={} "
                        + "note=\"leases the queue no longer holds (expired or already settled); see DEBUG for each\"",
                        lines.size(), sentAcks, sentRetries, acked, retried);
        if (api.log().isDebugEnabled()) {
            for (String line : lines) {
                api.log().debug("rootkey.queue.settle_warning warning=\"{}\"", line);
            }
        }
    }

    /**
     * Checks the token, account id and queue id without consuming messages: an ack call with no leases.
     *
     * @throws ConfigurationException when the token is refused or the queue does not exist
     */
    public void probe() throws IOException {
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.putArray("acks");
        request.putArray("retries");
        api.post("probe", resource, path + "/messages/ack", request);
    }

    /** {@code GET .../consumers}: the queue's consumers, in the order Cloudflare lists them. */
    public List<Consumer> consumers() throws IOException {
        JsonNode consumers = api.get("consumers", resource, path + "/consumers");
        List<Consumer> out = new ArrayList<>();
        if (consumers != null && consumers.isArray()) {
            consumers.forEach(c -> out.add(Consumer.parse(c)));
        }
        return out;
    }

    /**
     * {@code GET /accounts/{a}/queues/{id}}: the queue's name and settings.
     *
     * @throws DependencyException when the reply has no queue; otherwise as {@link CloudflareApi#get}
     */
    public Info info() throws IOException {
        return Info.parse(api.get("queue", resource, path)).orElseThrow(() -> new DependencyException(
                "Cloudflare Queues get queue answered without a queue id", 200));
    }

    /** {@code POST .../consumers}: adds an HTTP pull consumer (a queue has one consumer; remove another first). */
    public void createPullConsumer(PullConsumer consumer) throws IOException {
        api.post("create consumer", resource, path + "/consumers", consumer.body());
    }

    /** {@code PUT .../consumers/{consumerId}}: replaces that consumer's settings with {@code consumer}'s. */
    public void updatePullConsumer(String consumerId, PullConsumer consumer) throws IOException {
        api.send("update consumer", resource, "PUT", path + "/consumers/" + Endpoints.pathSegment(consumerId),
                Json.MAPPER.writeValueAsBytes(consumer.body()));
    }

    /** {@code DELETE .../consumers/{consumerId}}: removes that consumer (a Worker's, an HTTP pull one). */
    public void deleteConsumer(String consumerId) throws IOException {
        api.send("delete consumer", resource, "DELETE", path + "/consumers/" + Endpoints.pathSegment(consumerId),
                null);
    }

    /** The {@code max_retries} of the first consumer that has the setting (normally the one consumer); or empty. */
    public OptionalInt maxRetries() throws IOException {
        for (Consumer c : consumers()) {
            if (c.maxRetries().isPresent()) {
                return c.maxRetries();
            }
        }
        return OptionalInt.empty();
    }

    /**
     * {@code POST .../messages}: publishes one JSON message ({@code content_type: json}). A retried call may publish
     * it twice.
     *
     * @param name the argument's name, for the message of an {@link IllegalArgumentException}
     * @throws IllegalArgumentException when the body is not one JSON value of at most 128 KB (nothing is sent)
     */
    public void publishJson(String jsonBody, String name) throws IOException {
        api.post("publish", resource, path + "/messages", jsonMessage(jsonBody, name));
    }

    /**
     * Publishes JSON messages in publish-batch calls (named {@code operation}) of at most
     * {@value #MAX_PUBLISH_BATCH_SIZE} messages and about 250 KB; when a later call fails the earlier ones stay
     * published.
     *
     * @throws IllegalArgumentException when a body is not one JSON value of at most 128 KB (nothing is published)
     */
    public void publishJsonBatch(List<String> jsonBodies, String operation) throws IOException {
        List<Delivery.Message> messages = new ArrayList<>(jsonBodies.size());
        for (int i = 0; i < jsonBodies.size(); i++) {
            String name = "jsonBodies[" + i + "]";
            jsonMessage(jsonBodies.get(i), name); // checked, all before the first call
            messages.add(new Delivery.Message("json", jsonBodies.get(i)));
        }
        publishBatches(messages, operation);
    }

    private void publishBatches(List<Delivery.Message> messages, String operation) throws IOException {
        int from = 0;
        while (from < messages.size()) {
            ObjectNode request = Json.MAPPER.createObjectNode();
            ArrayNode array = request.putArray("messages");
            int bytes = 0;
            int i = from;
            while (i < messages.size() && array.size() < MAX_PUBLISH_BATCH_SIZE) {
                int size = messages.get(i).body().getBytes(StandardCharsets.UTF_8).length;
                if (!array.isEmpty() && bytes + size > MAX_PUBLISH_BATCH_BYTES) {
                    break;
                }
                array.add(QueueBodies.publication(messages.get(i)));
                bytes += size;
                i++;
            }
            api.post(operation, resource, path + "/messages/batch", request);
            from = i;
        }
    }

    /** One publish entry of a JSON body, checked strictly (one value, no duplicate fields, at most 128 KB). */
    private static ObjectNode jsonMessage(String jsonBody, String name) {
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

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull() || value.isContainerNode()) {
            return Optional.empty();
        }
        String s = value.asText();
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    private static long nonNegative(JsonNode node) {
        return node == null || !node.canConvertToLong() ? 0 : Math.max(0, node.asLong());
    }

    /** The queue and its account; never the token. */
    @Override
    public String toString() {
        return "CloudflareQueue[" + resource.description() + "]";
    }
}
