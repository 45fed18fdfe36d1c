package ai.rootkey.connector.testkit.internal;

import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.QueueConsumerSettings;
import ai.rootkey.connector.testkit.QueueEndpoint;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP face of the fake: the Cloudflare v4 routes of DESIGN section 6.2 under {@code /client/v4}, the v4
 * envelope, the bearer-token check and fault injection. Error codes other than 10000 (authentication) are the
 * fake's own choice; clients should act on the HTTP status.
 *
 * <p>Routes ({@code /accounts/{a}} prefix omitted): {@code POST /queues/{q}/messages[/pull|/ack|/peek|/batch]};
 * {@code GET, POST /queues} (list, create {@code {"queue_name"}}), {@code GET /queues/{q}};
 * {@code GET, POST /queues/{q}/consumers}, {@code GET, PUT, DELETE /queues/{q}/consumers/{consumer_id}};
 * {@code GET /event_notifications/r2/{bucket}/configuration},
 * {@code GET, PUT, DELETE /event_notifications/r2/{bucket}/configuration/queues/{q}}. Shapes from
 * {@code cloudflare/cloudflare-typescript} ({@code src/resources/queues/queues.ts}, {@code consumers.ts},
 * {@code src/resources/r2/buckets/event-notifications.ts}). Guesses: a create or update answers its resource, a
 * rule PUT or DELETE {@code {}}, a consumer DELETE {@code null}; a queue name has 1 to 63 letters, digits, '-' and
 * '_'; a second consumer on a queue is a 400 and an overlapping rule a 409 (codes the fake's own); the queue list is
 * one page ({@code result_info} says so); updating or deleting a queue is not served (405).
 */
public final class FakeQueuesHandler implements HttpHandler {
    /** Authentication error, as Cloudflare sends it (fixtures/queues-error-auth.json). */
    public static final int CODE_AUTH = 10000;
    /** The fake's codes: internal/injected server error, bad request, unknown queue, no route, rate limited. */
    public static final int CODE_SERVER = 10001;
    public static final int CODE_BAD_REQUEST = 10400;
    public static final int CODE_QUEUE_NOT_FOUND = 11000;
    public static final int CODE_NO_ROUTE = 7003;
    public static final int CODE_METHOD = 10405;
    public static final int CODE_RATE_LIMITED = 971;
    public static final int MAX_BATCH_MESSAGES = 100;
    public static final int MAX_BATCH_BYTES = 256 * 1024;
    private static final int MAX_REQUEST_BYTES = 4 * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();
    public static final int CODE_CONFLICT = 10409;
    private static final Pattern MESSAGES = Pattern.compile(
            "^/client/v4/accounts/([^/]+)/queues/([^/]+)/(messages|messages/pull|messages/ack|messages/peek|messages/batch)$");
    private static final Pattern CONSUMERS = Pattern.compile(
            "^/client/v4/accounts/([^/]+)/queues/([^/]+)/consumers(?:/([^/]+))?$");
    private static final Pattern QUEUES = Pattern.compile("^/client/v4/accounts/([^/]+)/queues(?:/([^/]+))?$");
    private static final Pattern RULES = Pattern.compile(
            "^/client/v4/accounts/([^/]+)/event_notifications/r2/([^/]+)/configuration(?:/queues/([^/]+))?$");
    private static final Pattern QUEUE_NAME = Pattern.compile("^[A-Za-z0-9_-]{1,63}$");

    /**
     * A request's route: its endpoint, the methods it takes, its account, and the queue, consumer, bucket it names.
     * {@code operation} names what to do for the messages routes ({@code messages/pull}, ...), else the kind.
     */
    private record Route(QueueEndpoint endpoint, String operation, List<String> methods, String account,
                         Optional<String> queueId, Optional<String> consumerId, Optional<String> bucket) {
    }

    private final QueueBroker store;
    private final BucketRules rules;
    private final FaultPlan<QueueEndpoint> faults;
    private final String accountId;
    private final Map<QueueEndpoint, LongAdder> requests = new EnumMap<>(QueueEndpoint.class);
    private volatile String token;
    private volatile boolean refusingCredentials;

    private record Reply(int status, JsonNode envelope, Map<String, String> headers) {
        static Reply ok(JsonNode result) {
            return new Reply(200, envelopeOf(true, List.of(), result), Map.of());
        }

        static Reply error(int status, int code, String message) {
            return new Reply(status, envelopeOf(false, List.of(errorOf(code, message)), null), Map.of());
        }
    }

    /** A client mistake, answered with 400 and the v4 error envelope. */
    private static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }

    public FakeQueuesHandler(QueueBroker store, BucketRules rules, FaultPlan<QueueEndpoint> faults, String accountId,
                             String token) {
        this.store = Objects.requireNonNull(store, "store");
        this.rules = Objects.requireNonNull(rules, "rules");
        this.faults = Objects.requireNonNull(faults, "faults");
        this.accountId = Objects.requireNonNull(accountId, "accountId");
        this.token = Objects.requireNonNull(token, "token");
        for (QueueEndpoint e : QueueEndpoint.values()) {
            requests.put(e, new LongAdder());
        }
    }

    public String token() {
        return token;
    }

    public void token(String newToken) {
        this.token = Objects.requireNonNull(newToken, "token");
    }

    public boolean refusingCredentials() {
        return refusingCredentials;
    }

    public void refusingCredentials(boolean refuse) {
        this.refusingCredentials = refuse;
    }

    /** Checks that the Cloudflare Queues fake can show {@code fault}. */
    public static void check(Fault fault) {
        switch (fault.kind()) {
            case STATUS:
            case LATENCY:
            case DROP_BEFORE_APPLY:
                return;
            case DROP_AFTER_APPLY:
                if (fault.appliedChunks().isPresent()) {
                    throw FaultPlan.unsupported("FakeCloudflareQueues", fault, "each request is applied whole; "
                            + "use dropAfterApply() on the request that should lose its reply");
                }
                return;
            case EXCEPTION:
                throw FaultPlan.unsupported("FakeCloudflareQueues", fault, "a server cannot throw in its client; "
                        + "use status, dropBeforeApply, dropAfterApply or latency");
            default:
                throw FaultPlan.unsupported("FakeCloudflareQueues", fault, "queue requests and replies are small "
                        + "JSON documents read whole; use status, dropBeforeApply, dropAfterApply or latency");
        }
    }

    public long requestCount(QueueEndpoint endpoint) {
        return requests.get(endpoint).sum();
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try {
            serve(exchange);
        } catch (RuntimeException | IOException e) {
            try {
                send(exchange, Reply.error(500, CODE_SERVER, "internal error in the fake: " + e));
            } catch (IOException | RuntimeException ignored) {
                // the reply may have started already; the connection is closed below
            }
        } finally {
            exchange.close();
        }
    }

    private static Optional<Route> route(String path) {
        Matcher m = MESSAGES.matcher(path);
        if (m.matches()) {
            String op = m.group(3);
            QueueEndpoint endpoint = op.equals("messages/pull") ? QueueEndpoint.PULL : op.equals("messages/ack")
                    ? QueueEndpoint.ACK : op.equals("messages/peek") ? QueueEndpoint.PEEK : QueueEndpoint.PUBLISH;
            return Optional.of(new Route(endpoint, op, List.of("POST"), m.group(1), Optional.of(m.group(2)),
                    Optional.empty(), Optional.empty()));
        }
        m = CONSUMERS.matcher(path);
        if (m.matches()) {
            Optional<String> consumer = Optional.ofNullable(m.group(3));
            return Optional.of(new Route(QueueEndpoint.CONSUMERS, consumer.isPresent() ? "consumer" : "consumers",
                    consumer.isPresent() ? List.of("GET", "PUT", "DELETE") : List.of("GET", "POST"), m.group(1),
                    Optional.of(m.group(2)), consumer, Optional.empty()));
        }
        m = QUEUES.matcher(path);
        if (m.matches()) {
            Optional<String> queue = Optional.ofNullable(m.group(2));
            return Optional.of(new Route(QueueEndpoint.QUEUES, queue.isPresent() ? "queue" : "queues",
                    queue.isPresent() ? List.of("GET") : List.of("GET", "POST"), m.group(1), queue, Optional.empty(),
                    Optional.empty()));
        }
        m = RULES.matcher(path);
        if (m.matches()) {
            Optional<String> queue = Optional.ofNullable(m.group(3));
            return Optional.of(new Route(QueueEndpoint.EVENT_NOTIFICATIONS, queue.isPresent() ? "queue rules" : "rules",
                    queue.isPresent() ? List.of("GET", "PUT", "DELETE") : List.of("GET"), m.group(1), queue,
                    Optional.empty(), Optional.of(m.group(2))));
        }
        return Optional.empty();
    }

    private void serve(HttpExchange exchange) throws IOException {
        byte[] body = readBody(exchange.getRequestBody());
        String path = exchange.getRequestURI().getRawPath();
        Optional<Route> found = route(path == null ? "" : path);
        if (found.isEmpty()) {
            send(exchange, Reply.error(404, CODE_NO_ROUTE, "Could not route to " + path
                    + ", perhaps your object identifier is invalid?"));
            return;
        }
        Route route = found.get();
        requests.get(route.endpoint()).increment();
        String method = exchange.getRequestMethod().toUpperCase(java.util.Locale.ROOT);
        if (!route.methods().contains(method)) {
            send(exchange, Reply.error(405, CODE_METHOD, "method " + exchange.getRequestMethod()
                    + " not allowed; use " + String.join(" or ", route.methods())));
            return;
        }
        if (body == null) {
            send(exchange, Reply.error(413, CODE_BAD_REQUEST, "request body larger than " + MAX_REQUEST_BYTES + " bytes"));
            return;
        }
        Optional<Fault> fault = faults.next(route.endpoint());
        boolean dropAfterApply = false;
        if (fault.isPresent()) {
            Fault f = fault.get();
            switch (f.kind()) {
                case LATENCY:
                    try {
                        Thread.sleep(f.duration().toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return; // shutting down: the connection is closed without a reply
                    }
                    break;
                case STATUS:
                    send(exchange, injected(f));
                    return;
                case DROP_BEFORE_APPLY:
                    return; // handle() closes the exchange before any reply: the client sees the connection drop
                case DROP_AFTER_APPLY:
                    dropAfterApply = true;
                    break;
                default:
                    throw new IllegalStateException("unchecked fault " + f);
            }
        }
        Reply reply = apply(exchange, route, method, body);
        if (!dropAfterApply) {
            send(exchange, reply);
        }
    }

    /**
     * The error envelope Cloudflare sends with an injected status: the authentication error (code 10000) for 401
     * and 403, rate limiting for 429, not found for 404, a server error for 5xx, a bad request otherwise; with
     * {@code Retry-After} in whole seconds (rounded up) when the fault has one.
     */
    private static Reply injected(Fault f) {
        int status = f.status().getAsInt();
        Reply r;
        if (status == 401 || status == 403) {
            r = Reply.error(status, CODE_AUTH, "Authentication error");
        } else if (status == 429) {
            r = Reply.error(status, CODE_RATE_LIMITED,
                    "Please wait and consider throttling your request speed (injected by the fake)");
        } else if (status == 404) {
            r = Reply.error(status, CODE_QUEUE_NOT_FOUND, "Queue not found (injected by the fake)");
        } else if (status >= 500) {
            r = Reply.error(status, CODE_SERVER, "Internal server error (injected by the fake)");
        } else {
            r = Reply.error(status, CODE_BAD_REQUEST, "Bad request (injected by the fake)");
        }
        return f.retryAfter()
                .map(d -> new Reply(r.status(), r.envelope(), Map.of("Retry-After",
                        Long.toString(d.getSeconds() + (d.getNano() > 0 ? 1 : 0)))))
                .orElse(r);
    }

    private Reply apply(HttpExchange exchange, Route route, String method, byte[] body) {
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (refusingCredentials || auth == null || !auth.equals("Bearer " + token)) {
            return Reply.error(401, CODE_AUTH, "Authentication error");
        }
        if (!route.account().equals(accountId)) {
            return Reply.error(403, CODE_AUTH, "Authentication error");
        }
        if (route.queueId().isPresent() && !store.exists(route.queueId().get())) {
            return Reply.error(404, CODE_QUEUE_NOT_FOUND, "Queue not found");
        }
        try {
            String queueId = route.queueId().orElse("");
            switch (route.operation()) {
                case "messages/pull":
                    return pull(queueId, json(body));
                case "messages/ack":
                    return ack(queueId, json(body));
                case "messages/peek":
                    return peek(queueId, json(body));
                case "messages":
                    return publish(queueId, json(body));
                case "messages/batch":
                    return publishBatch(queueId, json(body));
                case "consumers":
                    return method.equals("GET") ? consumers(queueId) : createConsumer(queueId, json(body));
                case "consumer":
                    return consumer(queueId, route.consumerId().orElseThrow(), method, body);
                case "queues":
                    return method.equals("GET") ? listQueues() : createQueue(json(body));
                case "queue":
                    return Reply.ok(queueJson(store.info(queueId)));
                case "rules":
                    return Reply.ok(rulesJson(route.bucket().orElseThrow(), Optional.empty()));
                case "queue rules":
                    return queueRules(route.bucket().orElseThrow(), queueId, method, body);
                default:
                    throw new IllegalStateException("unrouted operation " + route.operation());
            }
        } catch (BadRequest | IllegalArgumentException e) {
            return Reply.error(400, CODE_BAD_REQUEST, e.getMessage());
        }
    }

    // ------------------------------------------------------------------ queues, consumers, rules

    private Reply listQueues() {
        ArrayNode result = JSON.createArrayNode();
        List<QueueBroker.QueueInfo> all = store.queues();
        all.forEach(q -> result.add(queueJson(q)));
        ObjectNode envelope = envelopeOf(true, List.of(), result);
        ObjectNode info = envelope.putObject("result_info");
        info.put("page", 1);
        info.put("per_page", all.size());
        info.put("count", all.size());
        info.put("total_count", all.size());
        info.put("total_pages", 1);
        return new Reply(200, envelope, Map.of());
    }

    private Reply createQueue(JsonNode request) {
        JsonNode name = request.get("queue_name");
        if (name == null || !name.isTextual() || !QUEUE_NAME.matcher(name.textValue()).matches()) {
            throw new BadRequest("queue_name must be 1 to 63 letters, digits, '-' or '_'");
        }
        if (store.idOf(name.textValue()).isPresent()) {
            return Reply.error(409, CODE_CONFLICT, "A queue with name " + name.textValue() + " already exists");
        }
        return Reply.ok(queueJson(store.info(store.createQueueWithoutConsumer(name.textValue()))));
    }

    /** A queue as {@code queues.ts} types it: ids, times, producers, consumers, settings. */
    private ObjectNode queueJson(QueueBroker.QueueInfo q) {
        ObjectNode node = JSON.createObjectNode();
        node.put("queue_id", q.id());
        node.put("queue_name", q.name());
        node.put("created_on", q.createdOn().toString());
        node.put("modified_on", q.createdOn().toString());
        ArrayNode producers = node.putArray("producers");
        for (String bucket : rules.bucketsNotifying(q.id())) {
            producers.addObject().put("type", "r2_bucket").put("bucket_name", bucket);
        }
        node.put("producers_total_count", producers.size());
        ArrayNode consumers = node.putArray("consumers");
        q.consumer().ifPresent(c -> consumers.add(consumerJson(q.id(), q.name(), c)));
        node.put("consumers_total_count", consumers.size());
        ObjectNode settings = node.putObject("settings");
        settings.put("delivery_delay", 0);
        settings.put("delivery_paused", false);
        settings.put("message_retention_period", q.retention().getSeconds());
        return node;
    }

    /** A consumer as {@code consumers.ts} types it (its HTTP pull and Worker consumer responses). */
    private static ObjectNode consumerJson(String queueId, String queueName, QueueBroker.Consumer c) {
        QueueConsumerSettings s = c.settings();
        ObjectNode consumer = JSON.createObjectNode();
        consumer.put("consumer_id", c.id());
        consumer.put("created_on", c.createdOn().toString());
        consumer.put("queue_id", queueId);
        consumer.put("queue_name", queueName);
        consumer.put("type", c.type());
        c.script().ifPresent(script -> consumer.put("script_name", script));
        ObjectNode settings = consumer.putObject("settings");
        settings.put("batch_size", s.batchSize());
        settings.put("max_retries", s.maxRetries());
        if (c.type().equals("http_pull")) {
            settings.put("visibility_timeout_ms", s.visibilityTimeout().toMillis());
        }
        c.maxWaitTimeMs().ifPresent(ms -> settings.put("max_wait_time_ms", ms));
        settings.put("retry_delay", s.retryDelay().getSeconds());
        consumer.put("dead_letter_queue", s.deadLetterQueue().orElse(""));
        return consumer;
    }

    /** A consumer request's type, script and settings; unset settings take Cloudflare's defaults. */
    private record ConsumerRequest(String type, Optional<String> script, QueueConsumerSettings settings,
                                   Optional<Long> maxWaitTimeMs) {
    }

    private static ConsumerRequest consumerRequest(JsonNode request) {
        JsonNode typeNode = request.get("type");
        String type = typeNode == null || !typeNode.isTextual() ? "" : typeNode.textValue();
        if (!type.equals("http_pull") && !type.equals("worker")) {
            throw new BadRequest("type must be http_pull or worker (the fake serves no notification consumers), was "
                    + (typeNode == null ? "missing" : typeNode));
        }
        JsonNode scriptNode = request.get("script_name");
        Optional<String> script = scriptNode != null && scriptNode.isTextual() && !scriptNode.textValue().isBlank()
                ? Optional.of(scriptNode.textValue()) : Optional.empty();
        if (type.equals("worker") && script.isEmpty()) {
            throw new BadRequest("a worker consumer needs script_name");
        }
        JsonNode settings = request.path("settings");
        if (!settings.isMissingNode() && !settings.isNull() && !settings.isObject()) {
            throw new BadRequest("settings must be an object");
        }
        QueueConsumerSettings s = QueueConsumerSettings.defaults();
        Optional<Long> batch = optionalLong(settings, "batch_size");
        Optional<Long> retries = optionalLong(settings, "max_retries");
        Optional<Long> visibility = optionalLong(settings, "visibility_timeout_ms");
        Optional<Long> retryDelay = optionalLong(settings, "retry_delay");
        Optional<Long> maxWait = optionalLong(settings, "max_wait_time_ms");
        if (batch.isPresent()) {
            s = s.withBatchSize(Math.toIntExact(batch.get()));
        }
        if (retries.isPresent()) {
            s = s.withMaxRetries(Math.toIntExact(retries.get()));
        }
        if (visibility.isPresent()) {
            if (type.equals("worker")) {
                throw new BadRequest("visibility_timeout_ms is a setting of http_pull consumers");
            }
            s = s.withVisibilityTimeout(Duration.ofMillis(visibility.get()));
        }
        if (retryDelay.isPresent()) {
            s = s.withRetryDelay(Duration.ofSeconds(retryDelay.get()));
        }
        if (maxWait.isPresent() && (type.equals("http_pull") || maxWait.get() < 0 || maxWait.get() > 60_000)) {
            throw new BadRequest("max_wait_time_ms is a setting of worker consumers, 0 to 60000");
        }
        JsonNode dlq = request.get("dead_letter_queue");
        if (dlq != null && !dlq.isNull()) {
            if (!dlq.isTextual()) {
                throw new BadRequest("dead_letter_queue must be a queue name");
            }
            if (!dlq.textValue().isEmpty()) {
                s = s.withDeadLetterQueue(dlq.textValue());
            }
        }
        return new ConsumerRequest(type, script, s, type.equals("worker") ? maxWait.or(() -> Optional.of(5000L))
                : Optional.empty());
    }

    private Reply createConsumer(String queueId, JsonNode request) {
        ConsumerRequest c = consumerRequest(request);
        QueueBroker.Consumer made = store.addConsumer(queueId, c.type(), c.script(), c.settings(), c.maxWaitTimeMs());
        return Reply.ok(consumerJson(queueId, store.nameOf(queueId), made));
    }

    private Reply consumer(String queueId, String consumerId, String method, byte[] body) {
        Optional<QueueBroker.Consumer> current = store.consumer(queueId).filter(c -> c.id().equals(consumerId));
        if (current.isEmpty()) {
            return Reply.error(404, CODE_QUEUE_NOT_FOUND, "Consumer not found");
        }
        switch (method) {
            case "GET":
                return Reply.ok(consumerJson(queueId, store.nameOf(queueId), current.get()));
            case "DELETE":
                store.removeConsumer(queueId, consumerId);
                return Reply.ok(null);
            default:
                ConsumerRequest c = consumerRequest(json(body));
                store.replaceConsumer(queueId, consumerId, c.type(), c.script(), c.settings(), c.maxWaitTimeMs());
                return Reply.ok(consumerJson(queueId, store.nameOf(queueId), store.consumer(queueId).orElseThrow()));
        }
    }

    /** The configuration, or one queue's part of it, as {@code event-notifications.ts} types it. */
    private ObjectNode rulesJson(String bucket, Optional<String> onlyQueue) {
        Map<String, ArrayNode> byQueue = new java.util.LinkedHashMap<>();
        for (BucketRules.Rule r : rules.rules(bucket)) {
            if (onlyQueue.isPresent() && !onlyQueue.get().equals(r.queueId())) {
                continue;
            }
            ObjectNode rule = byQueue.computeIfAbsent(r.queueId(), q -> JSON.createArrayNode()).addObject();
            rule.put("ruleId", r.id());
            rule.put("createdAt", r.createdAt().toString());
            rule.put("prefix", r.prefix());
            rule.put("suffix", r.suffix());
            r.actions().forEach(rule.putArray("actions")::add);
            r.description().ifPresent(d -> rule.put("description", d));
        }
        if (onlyQueue.isPresent()) {
            ObjectNode queue = JSON.createObjectNode();
            queue.put("queueId", onlyQueue.get());
            queue.put("queueName", store.nameOf(onlyQueue.get()));
            queue.set("rules", byQueue.getOrDefault(onlyQueue.get(), JSON.createArrayNode()));
            return queue;
        }
        ObjectNode config = JSON.createObjectNode();
        config.put("bucketName", bucket);
        ArrayNode queues = config.putArray("queues");
        byQueue.forEach((queueId, list) -> {
            ObjectNode q = queues.addObject();
            q.put("queueId", queueId);
            q.put("queueName", store.exists(queueId) ? store.nameOf(queueId) : "");
            q.set("rules", list);
        });
        return config;
    }

    private Reply queueRules(String bucket, String queueId, String method, byte[] body) {
        switch (method) {
            case "GET":
                return Reply.ok(rulesJson(bucket, Optional.of(queueId)));
            case "DELETE": {
                JsonNode request = json(body);
                Optional<List<String>> ids = Optional.empty();
                if (request.has("ruleIds")) {
                    List<String> list = new ArrayList<>();
                    array(request, "ruleIds").forEach(id -> list.add(id.asText()));
                    ids = Optional.of(list);
                }
                rules.delete(bucket, queueId, ids);
                return Reply.ok(JSON.createObjectNode());
            }
            default: {
                List<BucketRules.NewRule> wanted = new ArrayList<>();
                List<JsonNode> requested = array(json(body), "rules");
                if (requested.isEmpty()) {
                    throw new BadRequest("rules must hold at least one rule");
                }
                for (JsonNode r : requested) {
                    List<String> actions = new ArrayList<>();
                    array(r, "actions").forEach(a -> actions.add(a.asText()));
                    wanted.add(new BucketRules.NewRule(actions, text(r, "prefix"), text(r, "suffix"),
                            Optional.ofNullable(r.get("description")).filter(JsonNode::isTextual)
                                    .map(JsonNode::textValue)));
                }
                BucketRules.Added added = rules.add(bucket, queueId, wanted);
                if (added.conflict().isPresent()) {
                    return Reply.error(409, CODE_CONFLICT, "Conflicting event notification rule: "
                            + added.conflict().get());
                }
                return Reply.ok(JSON.createObjectNode());
            }
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return "";
        }
        if (!value.isTextual()) {
            throw new BadRequest(field + " must be a string");
        }
        return value.textValue();
    }

    // ------------------------------------------------------------------ operations

    private Reply pull(String queueId, JsonNode request) {
        Optional<Integer> batchSize = optionalLong(request, "batch_size").map(Math::toIntExact);
        Optional<Duration> visibility = optionalLong(request, "visibility_timeout_ms").map(Duration::ofMillis);
        QueueBroker.PullResult pulled = store.pull(queueId, batchSize, visibility);
        ObjectNode result = JSON.createObjectNode();
        result.put("message_backlog_count", pulled.backlogCount());
        ArrayNode messages = result.putArray("messages");
        for (QueueBroker.Pulled m : pulled.messages()) {
            ObjectNode node = messages.addObject();
            node.put("id", m.id());
            node.put("lease_id", m.leaseId());
            node.put("body", encodeBody(m.contentType(), m.body()));
            node.put("attempts", m.attempts());
            node.put("timestamp_ms", m.publishedAt().toEpochMilli());
            ObjectNode metadata = node.putObject("metadata");
            metadata.put("CF-sourceMessageSource", m.source());
            metadata.put("CF-Content-Type", m.contentType());
        }
        ObjectNode metrics = result.putObject("metadata").putObject("metrics");
        metrics.put("backlog_count", pulled.backlogCount());
        metrics.put("backlog_bytes", pulled.backlogBytes());
        metrics.put("oldest_message_timestamp_ms", pulled.oldest().map(t -> t.toEpochMilli()).orElse(0L));
        return Reply.ok(result);
    }

    /**
     * {@code messages/peek}: the shape of the API reference's peek reply ({@code id}, {@code attempts}, {@code body},
     * {@code metadata}, {@code timestamp_ms}, an opaque {@code ref}; no {@code lease_id}). The batch size defaults
     * to the consumer's.
     */
    private Reply peek(String queueId, JsonNode request) {
        int batchSize = optionalLong(request, "batch_size").map(Math::toIntExact)
                .orElse(store.settings(queueId).batchSize());
        ObjectNode result = JSON.createObjectNode();
        ArrayNode messages = result.putArray("messages");
        for (QueueBroker.Peeked m : store.peek(queueId, batchSize)) {
            ObjectNode node = messages.addObject();
            node.put("id", m.id());
            node.put("attempts", m.attempts());
            node.put("body", encodeBody(m.contentType(), m.body()));
            ObjectNode metadata = node.putObject("metadata");
            metadata.put("CF-sourceMessageSource", m.source());
            metadata.put("CF-Content-Type", m.contentType());
            node.put("ref", m.ref());
            node.put("timestamp_ms", m.publishedAt().toEpochMilli());
        }
        return Reply.ok(result);
    }

    /** A body as pulls and peeks return it: the string for {@code text}, base64 for everything else. */
    private static String encodeBody(String contentType, byte[] body) {
        return contentType.equals("text") ? new String(body, StandardCharsets.UTF_8)
                : Base64.getEncoder().encodeToString(body);
    }

    private Reply ack(String queueId, JsonNode request) {
        List<String> acks = new ArrayList<>();
        for (JsonNode a : array(request, "acks")) {
            acks.add(leaseId(a));
        }
        List<QueueBroker.RetryRequest> retries = new ArrayList<>();
        for (JsonNode r : array(request, "retries")) {
            retries.add(new QueueBroker.RetryRequest(leaseId(r), optionalLong(r, "delay_seconds")));
        }
        QueueBroker.SettleResult settled = store.settle(queueId, acks, retries);
        ObjectNode result = JSON.createObjectNode();
        result.put("ackCount", settled.ackCount());
        result.put("retryCount", settled.retryCount());
        ObjectNode warnings = result.putObject("warnings");
        settled.warnings().forEach(warnings::put);
        return Reply.ok(result);
    }

    private record Publication(String contentType, byte[] body, Duration delay) {
    }

    private Reply publish(String queueId, JsonNode request) {
        Publication p = publication(request, Optional.empty());
        store.publish(queueId, p.contentType(), p.body(), p.delay(), "api");
        return Reply.ok(null);
    }

    private Reply publishBatch(String queueId, JsonNode request) {
        List<JsonNode> messages = array(request, "messages");
        if (messages.size() > MAX_BATCH_MESSAGES) {
            throw new BadRequest("a batch holds at most " + MAX_BATCH_MESSAGES + " messages, was " + messages.size());
        }
        Optional<Long> batchDelay = optionalLong(request, "delay_seconds");
        List<Publication> publications = new ArrayList<>();
        long bytes = 0;
        for (JsonNode m : messages) {
            Publication p = publication(m, batchDelay);
            bytes += p.body().length;
            publications.add(p);
        }
        if (bytes > MAX_BATCH_BYTES) {
            throw new BadRequest("a batch holds at most " + MAX_BATCH_BYTES + " bytes of bodies, was " + bytes);
        }
        for (Publication p : publications) {
            store.publish(queueId, p.contentType(), p.body(), p.delay(), "api");
        }
        return Reply.ok(null);
    }

    private static Publication publication(JsonNode message, Optional<Long> defaultDelay) {
        if (!message.isObject()) {
            throw new BadRequest("a message must be a JSON object");
        }
        JsonNode body = message.get("body");
        if (body == null) {
            throw new BadRequest("body is required");
        }
        JsonNode typeNode = message.get("content_type");
        String type = typeNode == null || typeNode.isNull() ? "json" : typeNode.asText();
        byte[] bytes;
        if (type.equals("json")) {
            try {
                bytes = JSON.writeValueAsBytes(body);
            } catch (JsonProcessingException e) {
                throw new BadRequest("body cannot be written as JSON");
            }
        } else if (type.equals("text")) {
            if (!body.isTextual()) {
                throw new BadRequest("a text message's body must be a string");
            }
            bytes = body.textValue().getBytes(StandardCharsets.UTF_8);
        } else {
            throw new BadRequest("content_type must be json or text, was " + type);
        }
        Duration delay = Duration.ofSeconds(optionalLong(message, "delay_seconds").or(() -> defaultDelay).orElse(0L));
        QueueBroker.checkPublish(type, bytes, delay);
        return new Publication(type, bytes, delay);
    }

    private Reply consumers(String queueId) {
        ArrayNode result = JSON.createArrayNode();
        store.consumer(queueId).ifPresent(c -> result.add(consumerJson(queueId, store.nameOf(queueId), c)));
        return Reply.ok(result);
    }

    // ------------------------------------------------------------------ JSON and HTTP helpers

    static ObjectNode envelopeOf(boolean success, List<ObjectNode> errors, JsonNode result) {
        ObjectNode envelope = JSON.createObjectNode();
        envelope.put("success", success);
        envelope.putArray("errors").addAll(errors);
        envelope.putArray("messages");
        envelope.set("result", result == null ? JSON.nullNode() : result);
        return envelope;
    }

    static ObjectNode errorOf(int code, String message) {
        ObjectNode error = JSON.createObjectNode();
        error.put("code", code);
        error.put("message", message);
        return error;
    }

    private static JsonNode json(byte[] body) {
        if (body.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || !node.isObject()) {
                throw new BadRequest("the request body must be a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new BadRequest("the request body is not valid JSON");
        }
    }

    private static List<JsonNode> array(JsonNode request, String field) {
        JsonNode node = request.get(field);
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new BadRequest(field + " must be an array");
        }
        List<JsonNode> out = new ArrayList<>();
        node.forEach(out::add);
        return out;
    }

    private static String leaseId(JsonNode entry) {
        JsonNode lease = entry.get("lease_id");
        if (lease == null || !lease.isTextual() || lease.textValue().isEmpty()) {
            throw new BadRequest("each ack and retry needs a lease_id string");
        }
        return lease.textValue();
    }

    private static Optional<Long> optionalLong(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new BadRequest(field + " must be an integer, was " + value);
        }
        return Optional.of(value.asLong());
    }

    /** The whole body, or null when it is larger than the fake accepts. */
    private static byte[] readBody(InputStream in) throws IOException {
        try (in) {
            byte[] body = in.readNBytes(MAX_REQUEST_BYTES + 1);
            return body.length > MAX_REQUEST_BYTES ? null : body;
        }
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(reply.envelope());
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        exchange.sendResponseHeaders(reply.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
