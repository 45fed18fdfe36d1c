package ai.rootkey.connector.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FakeCloudflareQueuesTest {
    static final Instant T0 = Instant.parse("2026-11-20T09:00:00Z");
    static final ObjectMapper JSON = new ObjectMapper();
    static final String EVENT = "{\"account\":\"3f4b7e3dcab231cbfdaa90a6a28bd548\",\"action\":\"PutObject\","
            + "\"bucket\":\"b\",\"object\":{\"key\":\"k\"},\"eventTime\":\"2026-11-20T09:14:07.512Z\"}";

    private FakeCloudflareQueues fake;
    private String queue;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        fake = FakeCloudflareQueues.builder().clock(Clock.fixed(T0, ZoneOffset.UTC)).seed(42).build().start();
        queue = fake.createQueue("events");
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    // ------------------------------------------------------------------ HTTP helpers

    private String messagesPath(String queueId) {
        return "/accounts/" + fake.accountId() + "/queues/" + queueId + "/messages";
    }

    HttpResponse<String> send(String method, String path, String body, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fake.baseUrl() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return send("POST", path, body, fake.token());
    }

    JsonNode ok(HttpResponse<String> response) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode envelope = JSON.readTree(response.body());
        assertThat(envelope.get("success").asBoolean()).isTrue();
        assertThat(envelope.get("errors")).isEmpty();
        assertThat(envelope.get("messages")).isEmpty();
        return envelope.get("result");
    }

    JsonNode pull(String queueId, String request) throws IOException, InterruptedException {
        return ok(post(messagesPath(queueId) + "/pull", request));
    }

    JsonNode pull(String queueId, int batch, long visibilityMs) throws IOException, InterruptedException {
        return pull(queueId, "{\"batch_size\":" + batch + ",\"visibility_timeout_ms\":" + visibilityMs + "}");
    }

    JsonNode settle(String queueId, List<String> acks, Map<String, Integer> retries) throws IOException, InterruptedException {
        ObjectNode request = JSON.createObjectNode();
        ArrayNode a = request.putArray("acks");
        acks.forEach(l -> a.addObject().put("lease_id", l));
        ArrayNode r = request.putArray("retries");
        retries.forEach((l, d) -> r.addObject().put("lease_id", l).put("delay_seconds", d));
        return ok(post(messagesPath(queueId) + "/ack", request.toString()));
    }

    static List<JsonNode> messages(JsonNode pullResult) {
        List<JsonNode> out = new ArrayList<>();
        pullResult.get("messages").forEach(out::add);
        return out;
    }

    static String decode(JsonNode message) {
        return new String(Base64.getDecoder().decode(message.get("body").asText()), StandardCharsets.UTF_8);
    }

    static String fixture(String name) {
        try (InputStream in = FakeCloudflareQueuesTest.class.getResourceAsStream("/fixtures/" + name)) {
            assertThat(in).as("fixture %s", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ pull

    @Test
    void pull_returnsJsonAsBase64_withMetadataAttemptsAndMetrics() throws Exception {
        String id = fake.publish(queue, EVENT);

        JsonNode result = pull(queue, 10, 60_000);

        List<JsonNode> got = messages(result);
        assertThat(got).hasSize(1);
        JsonNode m = got.get(0);
        assertThat(m.get("id").asText()).isEqualTo(id).matches("[0-9a-f]{32}");
        assertThat(m.get("lease_id").asText()).isNotBlank();
        assertThat(m.get("attempts").asInt()).isEqualTo(1);
        assertThat(m.get("timestamp_ms").asLong()).isEqualTo(T0.toEpochMilli());
        assertThat(m.get("metadata").get("CF-Content-Type").asText()).isEqualTo("json");
        assertThat(m.get("metadata").get("CF-sourceMessageSource").asText()).isEqualTo("api");
        assertThat(JSON.readTree(decode(m))).isEqualTo(JSON.readTree(EVENT));
        assertThat(result.get("message_backlog_count").asLong()).isEqualTo(1);
        JsonNode metrics = result.get("metadata").get("metrics");
        assertThat(metrics.get("backlog_count").asLong()).isEqualTo(1);
        assertThat(metrics.get("backlog_bytes").asLong()).isEqualTo(JSON.readTree(EVENT).toString().length());
        assertThat(metrics.get("oldest_message_timestamp_ms").asLong()).isEqualTo(T0.toEpochMilli());
        assertThat(fake.queue(queue).inFlight()).extracting(QueueMessage::id).containsExactly(id);
    }

    @Test
    void pull_emptyQueue_matchesEmptyFixtureShape() throws Exception {
        JsonNode reply = JSON.readTree(post(messagesPath(queue) + "/pull", "{}").body());

        assertThat(reply).isEqualTo(JSON.readTree(fixture("queues-pull-empty.json")));
    }

    @Test
    void pull_bodiesByContentType_textPlain_bytesAndV8Base64() throws Exception {
        fake.publishText(queue, "not json at all");
        fake.publishRaw(queue, "bytes", new byte[] {1, 2, 3});
        fake.publishRaw(queue, "v8", new byte[] {(byte) 0xff, 0x0d});

        List<JsonNode> got = messages(pull(queue, 10, 1000));

        assertThat(got).extracting(m -> m.get("metadata").get("CF-Content-Type").asText())
                .containsExactly("text", "bytes", "v8");
        assertThat(got.get(0).get("body").asText()).isEqualTo("not json at all");
        assertThat(Base64.getDecoder().decode(got.get(1).get("body").asText())).containsExactly(1, 2, 3);
        assertThat(Base64.getDecoder().decode(got.get(2).get("body").asText())).containsExactly(0xff, 0x0d);
    }

    @Test
    void pull_batchSizeDefaultsToFive_andAbove100IsAnError() throws Exception {
        for (int i = 0; i < 7; i++) {
            fake.publish(queue, "{\"n\":" + i + "}");
        }

        assertThat(messages(pull(queue, "{}"))).hasSize(5);
        HttpResponse<String> tooMany = post(messagesPath(queue) + "/pull", "{\"batch_size\":101}");
        assertThat(tooMany.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(tooMany.body());
        assertThat(error.get("success").asBoolean()).isFalse();
        assertThat(error.get("errors").get(0).get("message").asText()).contains("batch_size");
        assertThat(post(messagesPath(queue) + "/pull", "{\"visibility_timeout_ms\":43200001}").statusCode()).isEqualTo(400);
        assertThat(messages(pull(queue, 100, 1000))).hasSize(2);
    }

    @Test
    void leaseExpiry_redeliversSameIdWithNewLeaseAndAttemptsPlusOne() throws Exception {
        String id = fake.publish(queue, EVENT);
        JsonNode first = messages(pull(queue, 10, 1000)).get(0);

        assertThat(messages(pull(queue, 10, 1000))).as("leased: invisible").isEmpty();
        fake.advanceTime(Duration.ofMillis(999));
        assertThat(messages(pull(queue, 10, 1000))).as("lease not yet expired").isEmpty();
        fake.advanceTime(Duration.ofMillis(1));
        List<JsonNode> again = messages(pull(queue, 10, 1000));

        assertThat(again).hasSize(1);
        assertThat(again.get(0).get("id").asText()).isEqualTo(id);
        assertThat(again.get(0).get("attempts").asInt()).isEqualTo(2);
        assertThat(again.get(0).get("lease_id").asText()).isNotEqualTo(first.get("lease_id").asText());
        assertThat(fake.queue(queue).deliveredCount()).isEqualTo(2);
    }

    @Test
    void visibilityTimeout_defaultsToTheConsumerSetting() throws Exception {
        fake.configureConsumer(queue, QueueConsumerSettings.defaults().withVisibilityTimeout(Duration.ofSeconds(10)));
        fake.publish(queue, EVENT);
        messages(pull(queue, "{}"));

        fake.advanceTime(Duration.ofSeconds(9));
        assertThat(fake.queue(queue).inFlight()).hasSize(1);
        fake.advanceTime(Duration.ofSeconds(1));
        assertThat(fake.queue(queue).inFlight()).isEmpty();
        assertThat(fake.queue(queue).backlog()).hasSize(1);
    }

    // ------------------------------------------------------------------ ack and retry

    @Test
    void ack_removesTheMessage_andAgainIsAWarningMapNotAnError() throws Exception {
        String id = fake.publish(queue, EVENT);
        String lease = messages(pull(queue, 10, 1000)).get(0).get("lease_id").asText();

        JsonNode first = settle(queue, List.of(lease), Map.of());
        JsonNode second = settle(queue, List.of(lease, "never-issued"), Map.of());

        assertThat(first.get("ackCount").asInt()).isEqualTo(1);
        assertThat(first.get("warnings")).isEmpty();
        assertThat(second.get("ackCount").asInt()).isZero();
        assertThat(second.get("warnings").isObject()).isTrue();
        assertThat(second.get("warnings").get(lease).asText()).contains("no longer in the queue");
        assertThat(second.get("warnings").get("never-issued").asText()).contains("unknown lease");
        assertThat(fake.queue(queue).acked()).extracting(QueueMessage::id).containsExactly(id);
        assertThat(fake.queue(queue).backlog()).isEmpty();
    }

    @Test
    void ackAfterLeaseExpiry_isAccepted_evenAfterRedelivery() throws Exception {
        fake.publish(queue, EVENT);
        String oldLease = messages(pull(queue, 10, 1000)).get(0).get("lease_id").asText();
        fake.advanceTime(Duration.ofSeconds(2));
        String newLease = messages(pull(queue, 10, 1000)).get(0).get("lease_id").asText();

        assertThat(settle(queue, List.of(oldLease), Map.of()).get("ackCount").asInt()).isEqualTo(1);
        assertThat(settle(queue, List.of(newLease), Map.of()).get("warnings").has(newLease)).isTrue();
        assertThat(fake.queue(queue).acked()).hasSize(1);
    }

    @Test
    void retry_makesTheMessageVisibleAfterItsDelay() throws Exception {
        fake.configureConsumer(queue, QueueConsumerSettings.defaults().withMaxRetries(5));
        fake.publish(queue, EVENT);
        String lease = messages(pull(queue, 10, 1000)).get(0).get("lease_id").asText();

        assertThat(settle(queue, List.of(), Map.of(lease, 30)).get("retryCount").asInt()).isEqualTo(1);

        assertThat(messages(pull(queue, 10, 1000))).isEmpty();
        fake.advanceTime(Duration.ofSeconds(29));
        assertThat(messages(pull(queue, 10, 1000))).isEmpty();
        fake.advanceTime(Duration.ofSeconds(1));
        List<JsonNode> again = messages(pull(queue, 10, 1000));
        assertThat(again).hasSize(1);
        assertThat(again.get(0).get("attempts").asInt()).isEqualTo(2);
    }

    @Test
    void retry_withoutDelay_usesTheConsumerRetryDelay_andStaleLeaseIsAWarning() throws Exception {
        fake.configureConsumer(queue, QueueConsumerSettings.defaults().withRetryDelay(Duration.ofSeconds(5)));
        fake.publish(queue, EVENT);
        String stale = messages(pull(queue, 10, 1000)).get(0).get("lease_id").asText();
        fake.advanceTime(Duration.ofSeconds(1));
        String current = messages(pull(queue, 10, 1000)).get(0).get("lease_id").asText();

        JsonNode result = ok(post(messagesPath(queue) + "/ack",
                "{\"retries\":[{\"lease_id\":\"" + stale + "\",\"delay_seconds\":0},{\"lease_id\":\"" + current + "\"}]}"));

        assertThat(result.get("retryCount").asInt()).isEqualTo(1);
        assertThat(result.get("warnings").get(stale).asText()).contains("superseded");
        fake.advanceTime(Duration.ofSeconds(4));
        assertThat(messages(pull(queue, 10, 1000))).isEmpty();
        fake.advanceTime(Duration.ofSeconds(1));
        assertThat(messages(pull(queue, 10, 1000))).hasSize(1);
    }

    @Test
    void retry_sameLeaseTwice_secondIsAWarningAndChangesNothing() throws Exception {
        fake.publish(queue, EVENT);
        String lease = messages(pull(queue, 10, 1000)).get(0).get("lease_id").asText();
        settle(queue, List.of(), Map.of(lease, 60));

        JsonNode again = settle(queue, List.of(), Map.of(lease, 0));

        assertThat(again.get("retryCount").asInt()).isZero();
        assertThat(again.get("warnings").get(lease).asText()).contains("already settled");
        assertThat(messages(pull(queue, 10, 1000))).as("still delayed by the first retry").isEmpty();
    }

    @Test
    void retryDelayAbove12Hours_isABadRequest_andNothingIsApplied() throws Exception {
        fake.publish(queue, EVENT);
        String lease = messages(pull(queue, 10, 1000)).get(0).get("lease_id").asText();

        HttpResponse<String> reply = post(messagesPath(queue) + "/ack",
                "{\"acks\":[{\"lease_id\":\"" + lease + "\"}],\"retries\":[{\"lease_id\":\"x\",\"delay_seconds\":43201}]}");

        assertThat(reply.statusCode()).isEqualTo(400);
        assertThat(fake.queue(queue).acked()).isEmpty();
    }

    @Test
    void maxRetries_retriedOnDeliveryMaxRetriesPlusOne_movesToTheDeadLetterQueue() throws Exception {
        // max_retries counts retries: 3 retries = 4 deliveries (miniflare's broker: maxAttempts = maxRetries + 1)
        String dlq = fake.createQueue("events-dlq");
        fake.configureConsumer(queue, QueueConsumerSettings.defaults().withMaxRetries(3).withDeadLetterQueue("events-dlq"));
        String id = fake.publish(queue, EVENT);

        for (int attempt = 1; attempt <= 4; attempt++) {
            JsonNode m = messages(pull(queue, 10, 1000)).get(0);
            assertThat(m.get("attempts").asInt()).isEqualTo(attempt);
            settle(queue, List.of(), Map.of(m.get("lease_id").asText(), 0));
        }

        assertThat(messages(pull(queue, 10, 1000))).isEmpty();
        assertThat(fake.queue(queue).backlog()).isEmpty();
        assertThat(fake.queue(queue).deadLettered()).singleElement().satisfies(m -> {
            assertThat(m.id()).isEqualTo(id);
            assertThat(m.attempts()).isEqualTo(4);
        });
        List<JsonNode> fromDlq = messages(pull(dlq, 10, 1000));
        assertThat(fromDlq).hasSize(1);
        assertThat(fromDlq.get(0).get("id").asText()).isEqualTo(id);
        assertThat(fromDlq.get(0).get("attempts").asInt()).isEqualTo(1);
        assertThat(JSON.readTree(decode(fromDlq.get(0)))).isEqualTo(JSON.readTree(EVENT));
    }

    @Test
    void maxRetries_leaseExpiringAtTheLastAttempt_alsoDeadLetters_orDropsWithoutDlq() throws Exception {
        fake.configureConsumer(queue, QueueConsumerSettings.defaults().withMaxRetries(1));
        fake.publish(queue, EVENT);

        messages(pull(queue, 10, 1000));
        fake.advanceTime(Duration.ofSeconds(1));
        assertThat(messages(pull(queue, 10, 1000)).get(0).get("attempts").asInt()).isEqualTo(2);
        fake.advanceTime(Duration.ofSeconds(1));

        assertThat(fake.queue(queue).backlog()).isEmpty();
        assertThat(fake.queue(queue).deadLettered()).extracting(QueueMessage::attempts).containsExactly(2);
        assertThat(fake.queueIds()).containsOnlyKeys("events");
    }

    // ------------------------------------------------------------------ publish over HTTP

    @Test
    void publish_jsonAndText_withDelay() throws Exception {
        ok(post(messagesPath(queue), "{\"body\":{\"a\":1},\"content_type\":\"json\"}"));
        ok(post(messagesPath(queue), "{\"body\":\"hello\",\"content_type\":\"text\",\"delay_seconds\":60}"));

        assertThat(messages(pull(queue, 10, 600_000))).extracting(FakeCloudflareQueuesTest::decode).containsExactly("{\"a\":1}");
        fake.advanceTime(Duration.ofSeconds(60));
        assertThat(messages(pull(queue, 10, 1000))).extracting(m -> m.get("body").asText()).containsExactly("hello");
        assertThat(post(messagesPath(queue), "{\"body\":\"x\",\"content_type\":\"bytes\"}").statusCode()).isEqualTo(400);
        assertThat(post(messagesPath(queue), "{\"body\":{},\"content_type\":\"text\"}").statusCode()).isEqualTo(400);
        assertThat(post(messagesPath(queue), "{\"content_type\":\"json\"}").statusCode()).isEqualTo(400);
        assertThat(post(messagesPath(queue), "{\"body\":1,\"delay_seconds\":43201}").statusCode()).isEqualTo(400);
    }

    @Test
    void publishBatch_acceptsUpTo100Messages_andRejectsMoreOrOversizeWhole() throws Exception {
        ObjectNode batch = JSON.createObjectNode();
        ArrayNode list = batch.putArray("messages");
        for (int i = 0; i < 100; i++) {
            list.addObject().put("content_type", "json").putObject("body").put("n", i);
        }
        ok(post(messagesPath(queue) + "/batch", batch.toString()));
        assertThat(fake.queue(queue).backlog()).hasSize(100);

        list.addObject().put("content_type", "json").putObject("body").put("n", 100);
        HttpResponse<String> tooMany = post(messagesPath(queue) + "/batch", batch.toString());
        assertThat(tooMany.statusCode()).isEqualTo(400);
        assertThat(tooMany.body()).contains("at most 100 messages");

        ObjectNode big = JSON.createObjectNode();
        for (int i = 0; i < 3; i++) {
            big.withArray("messages").addObject().put("content_type", "text").put("body", "x".repeat(100_000));
        }
        HttpResponse<String> tooBig = post(messagesPath(queue) + "/batch", big.toString());
        assertThat(tooBig.statusCode()).isEqualTo(400);
        assertThat(tooBig.body()).contains("262144 bytes");

        HttpResponse<String> oneTooBig = post(messagesPath(queue) + "/batch",
                "{\"messages\":[{\"content_type\":\"text\",\"body\":\"" + "y".repeat(131_073) + "\"}]}");
        assertThat(oneTooBig.statusCode()).isEqualTo(400);
        assertThat(fake.queue(queue).backlog()).as("rejected batches store nothing").hasSize(100);
    }

    @Test
    void publishBatch_batchDelayAppliesUnlessAMessageSaysOtherwise() throws Exception {
        ok(post(messagesPath(queue) + "/batch", "{\"delay_seconds\":10,\"messages\":["
                + "{\"body\":\"later\",\"content_type\":\"text\"},"
                + "{\"body\":\"now\",\"content_type\":\"text\",\"delay_seconds\":0}]}"));

        assertThat(messages(pull(queue, 10, 60_000))).extracting(m -> m.get("body").asText()).containsExactly("now");
        fake.advanceTime(Duration.ofSeconds(10));
        assertThat(messages(pull(queue, 10, 60_000))).extracting(m -> m.get("body").asText()).containsExactly("later");
    }

    @Test
    void publishFromJava_rejectsBadJsonOversizeAndLongDelays() {
        assertThatThrownBy(() -> fake.publish(queue, "{")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> fake.publishText(queue, "z".repeat(131_073))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> fake.publish(queue, "{}", Duration.ofHours(13))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> fake.publishRaw(queue, "xml", new byte[1])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> fake.publish("nope", "{}")).isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------ consumers, auth, routing

    @Test
    void consumers_returnsTheFixtureShapeInAnEnvelope() throws Exception {
        JsonNode expected = JSON.readTree(fixture("queues-consumer-http-pull.json"));
        fake.configureConsumer(queue, new QueueConsumerSettings(25, 5, Duration.ofMinutes(10), Duration.ofSeconds(30),
                java.util.Optional.of("rootkey-r2-dlq-acme-1a2b3c4d")));

        JsonNode result = ok(send("GET", "/accounts/" + fake.accountId() + "/queues/" + queue + "/consumers", null, fake.token()));

        assertThat(result.isArray()).isTrue();
        JsonNode consumer = result.get(0);
        expected.fieldNames().forEachRemaining(f -> assertThat(consumer.get(f)).as(f).isEqualTo(expected.get(f)));
        assertThat(consumer.get("queue_id").asText()).isEqualTo(queue);
        assertThat(send("PATCH", "/accounts/" + fake.accountId() + "/queues/" + queue + "/consumers", "{}", fake.token())
                .statusCode()).isEqualTo(405);
    }

    @Test
    void everyRequestNeedsTheBearerToken_401IsTheFixtureEnvelope() throws Exception {
        JsonNode authFixture = JSON.readTree(fixture("queues-error-auth.json"));
        String pullPath = messagesPath(queue) + "/pull";

        HttpResponse<String> none = send("POST", pullPath, "{}", null);
        HttpResponse<String> wrong = send("POST", pullPath, "{}", "wrong");

        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(none.body())).isEqualTo(authFixture);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(wrong.body())).isEqualTo(authFixture);

        fake.refuseCredentials();
        assertThat(post(pullPath, "{}").statusCode()).isEqualTo(401);
        fake.acceptCredentials();
        assertThat(post(pullPath, "{}").statusCode()).isEqualTo(200);
        String old = fake.token();
        fake.rotateCredentials("rotated");
        assertThat(send("POST", pullPath, "{}", old).statusCode()).isEqualTo(401);
        assertThat(send("POST", pullPath, "{}", "rotated").statusCode()).isEqualTo(200);
        assertThat(fake.requestCount(QueueEndpoint.PULL)).isEqualTo(6);
    }

    @Test
    void wrongAccountUnknownQueueAndUnknownRoute_areErrorsWithEnvelopes() throws Exception {
        String otherAccount = "/accounts/ffffffffffffffffffffffffffffffff/queues/" + queue + "/messages/pull";
        String otherQueue = messagesPath("00000000000000000000000000000000") + "/pull";

        assertThat(post(otherAccount, "{}").statusCode()).isEqualTo(403);
        HttpResponse<String> notFound = post(otherQueue, "{}");
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(notFound.body()).get("success").asBoolean()).isFalse();
        assertThat(post("/accounts/" + fake.accountId() + "/nothing-here", "{}").statusCode()).isEqualTo(404);
        assertThat(post(messagesPath(queue) + "/pull", "not json").statusCode()).isEqualTo(400);
    }

    // ------------------------------------------------------------------ queues, consumer changes, R2 rules

    /** Every field of the fixture (of a real reply's shape) is in the fake's reply, with the same JSON type. */
    static void assertHasTheShapeOf(JsonNode actual, JsonNode fixture, String where) {
        assertThat(actual.getNodeType()).as(where).isEqualTo(fixture.getNodeType());
        if (fixture.isObject()) {
            fixture.fieldNames().forEachRemaining(f -> {
                assertThat(actual.has(f)).as(where + "." + f + " in " + actual).isTrue();
                assertHasTheShapeOf(actual.get(f), fixture.get(f), where + "." + f);
            });
        } else if (fixture.isArray() && !fixture.isEmpty() && !actual.isEmpty()) {
            assertHasTheShapeOf(actual.get(0), fixture.get(0), where + "[0]");
        }
    }

    private String accountPath() {
        return "/accounts/" + fake.accountId();
    }

    @Test
    void queues_areCreatedListedAndRead_withTheShapeOfTheApi() throws Exception {
        JsonNode created = ok(post(accountPath() + "/queues", "{\"queue_name\":\"rootkey-r2-events-prod-b7e13d3f\"}"));
        String id = created.get("queue_id").asText();

        assertHasTheShapeOf(created, JSON.readTree(fixture("queues-queue.json")), "create");
        assertThat(created.get("consumers")).as("a queue made over HTTP has no consumer").isEmpty();
        assertThat(created.at("/settings/message_retention_period").asLong()).isEqualTo(345_600);
        HttpResponse<String> list = send("GET", accountPath() + "/queues", null, fake.token());
        JsonNode all = ok(list);
        assertThat(all).extracting(q -> q.get("queue_name").asText()).containsExactly("events",
                "rootkey-r2-events-prod-b7e13d3f");
        assertThat(JSON.readTree(list.body()).at("/result_info/total_pages").asInt()).isEqualTo(1);
        JsonNode read = ok(send("GET", accountPath() + "/queues/" + id, null, fake.token()));
        assertHasTheShapeOf(read, JSON.readTree(fixture("queues-queue.json")), "get");
        assertThat(fake.queueIds()).containsEntry("rootkey-r2-events-prod-b7e13d3f", id);

        assertThat(post(accountPath() + "/queues", "{\"queue_name\":\"events\"}").statusCode()).isEqualTo(409);
        assertThat(post(accountPath() + "/queues", "{\"queue_name\":\"no spaces\"}").statusCode()).isEqualTo(400);
        assertThat(post(accountPath() + "/queues", "{}").statusCode()).isEqualTo(400);
        assertThat(send("DELETE", accountPath() + "/queues/" + id, null, fake.token()).statusCode()).isEqualTo(405);
    }

    @Test
    void consumers_oneAQueue_workerOrHttpPull_addedReplacedAndRemovedById() throws Exception {
        String path = accountPath() + "/queues/" + queue + "/consumers";
        fake.removeConsumer(queue);
        assertThat(ok(send("GET", path, null, fake.token()))).isEmpty();

        JsonNode worker = ok(post(path, "{\"type\":\"worker\",\"script_name\":\"rootkey-r2-prod-b7e13d3f\","
                + "\"dead_letter_queue\":\"rootkey-r2-dlq-prod-b7e13d3f\",\"settings\":{\"batch_size\":25,"
                + "\"max_retries\":5,\"max_wait_time_ms\":5000}}"));
        assertHasTheShapeOf(worker, JSON.readTree(fixture("queues-consumer-worker.json")), "worker");
        assertThat(fake.queue(queue).consumerType()).contains("worker");
        assertThat(fake.queue(queue).workerScript()).contains("rootkey-r2-prod-b7e13d3f");
        HttpResponse<String> second = post(path, "{\"type\":\"http_pull\"}");
        assertThat(second.statusCode()).as("one consumer a queue: remove the Worker first").isEqualTo(400);
        assertThat(second.body()).contains("already has a consumer");

        String workerId = worker.get("consumer_id").asText();
        ok(send("DELETE", path + "/" + workerId, null, fake.token()));
        assertThat(send("DELETE", path + "/" + workerId, null, fake.token()).statusCode()).isEqualTo(404);
        JsonNode pull = ok(post(path, "{\"type\":\"http_pull\",\"dead_letter_queue\":\"rootkey-r2-dlq-acme-1a2b3c4d\","
                + "\"settings\":{\"batch_size\":25,\"max_retries\":5,\"visibility_timeout_ms\":600000,"
                + "\"retry_delay\":30}}"));
        JsonNode expected = JSON.readTree(fixture("queues-consumer-http-pull.json"));
        expected.fieldNames().forEachRemaining(f -> assertThat(pull.get(f)).as(f).isEqualTo(expected.get(f)));
        assertThat(fake.queue(queue).consumer().maxRetries()).isEqualTo(5);

        JsonNode updated = ok(send("PUT", path + "/" + pull.get("consumer_id").asText(), "{\"type\":\"http_pull\","
                + "\"settings\":{\"max_retries\":2}}", fake.token()));
        assertThat(updated.get("consumer_id")).isEqualTo(pull.get("consumer_id"));
        assertThat(updated.get("dead_letter_queue").asText()).as("a PUT replaces the consumer whole").isEmpty();
        assertThat(fake.queue(queue).consumer().maxRetries()).isEqualTo(2);
        assertThat(post(path, "{\"type\":\"worker\"}").statusCode()).isEqualTo(400);
    }

    @Test
    void retention_deletesMessagesThatOutliveIt() throws Exception {
        fake.setMessageRetention(queue, Duration.ofSeconds(60));
        fake.publish(queue, "{\"old\":true}");
        fake.advanceTime(Duration.ofSeconds(30));
        fake.publish(queue, "{\"young\":true}");
        fake.advanceTime(Duration.ofSeconds(30));

        assertThat(fake.queue(queue).backlog()).extracting(QueueMessage::body).containsExactly("{\"young\":true}");
        assertThat(fake.queue(queue).expiredCount()).isEqualTo(1);
        assertThat(ok(send("GET", accountPath() + "/queues/" + queue, null, fake.token()))
                .at("/settings/message_retention_period").asLong()).isEqualTo(60);
        assertThatThrownBy(() -> fake.setMessageRetention(queue, Duration.ofDays(15)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rules_areCreatedAndRead_withTheShapeOfTheApi_andRouteBucketEvents() throws Exception {
        String rules = accountPath() + "/event_notifications/r2/acme-documents/configuration";
        assertThat(ok(send("GET", rules, null, fake.token())).get("queues")).isEmpty();

        ok(send("PUT", rules + "/queues/" + queue, "{\"rules\":[{\"actions\":[\"PutObject\",\"CompleteMultipartUpload\","
                + "\"CopyObject\"],\"prefix\":\"contracts/\"}]}", fake.token()));

        JsonNode config = ok(send("GET", rules, null, fake.token()));
        assertHasTheShapeOf(config, JSON.readTree(fixture("r2-event-notification-configuration.json")), "config");
        assertThat(config.at("/queues/0/queueId").asText()).isEqualTo(queue);
        assertThat(config.at("/queues/0/rules/0/prefix").asText()).isEqualTo("contracts/");
        assertThat(fake.notificationRules("acme-documents")).containsEntry(queue, List.of(NotificationRule.of(
                ai.rootkey.connector.EventAction.PUT_OBJECT, ai.rootkey.connector.EventAction.COMPLETE_MULTIPART_UPLOAD,
                ai.rootkey.connector.EventAction.COPY_OBJECT).withPrefix("contracts/")));
        HttpResponse<String> overlap = send("PUT", rules + "/queues/" + queue, "{\"rules\":[{\"actions\":"
                + "[\"DeleteObject\"],\"prefix\":\"contracts/2025/\"}]}", fake.token());
        assertThat(overlap.statusCode()).isEqualTo(409);
        assertThat(send("PUT", rules + "/queues/" + queue, "{\"rules\":[{\"actions\":[\"Explode\"]}]}",
                fake.token()).statusCode()).isEqualTo(400);
        assertThat(send("PUT", rules + "/queues/00000000000000000000000000000000", "{\"rules\":[{\"actions\":"
                + "[\"PutObject\"]}]}", fake.token()).statusCode()).isEqualTo(404);

        assertThat(fake.publishBucketEvent("acme-documents", ai.rootkey.connector.EventAction.PUT_OBJECT,
                "contracts/a.pdf", EVENT)).hasSize(1);
        assertThat(fake.publishBucketEvent("acme-documents", ai.rootkey.connector.EventAction.DELETE_OBJECT,
                "contracts/a.pdf", EVENT)).as("action not in the rule").isEmpty();
        assertThat(fake.publishBucketEvent("acme-documents", ai.rootkey.connector.EventAction.PUT_OBJECT,
                "invoices/a.pdf", EVENT)).as("key outside the prefix").isEmpty();
        assertThat(fake.publishBucketEvent("other-bucket", ai.rootkey.connector.EventAction.PUT_OBJECT,
                "contracts/a.pdf", EVENT)).isEmpty();
        assertThat(fake.queue(queue).backlog()).hasSize(1);
        assertThat(ok(send("GET", accountPath() + "/queues/" + queue, null, fake.token())).get("producers"))
                .singleElement().satisfies(p -> assertThat(p.get("bucket_name").asText()).isEqualTo("acme-documents"));

        ok(send("DELETE", rules + "/queues/" + queue, null, fake.token()));
        assertThat(fake.notificationRules("acme-documents")).isEmpty();
    }

    // ------------------------------------------------------------------ faults

    @Test
    void scriptedServerErrorAndTooManyRequests_thenNormalReplies() throws Exception {
        fake.failNext(QueueEndpoint.PULL, 1, Fault.status(503));
        fake.failNext(QueueEndpoint.PULL, 1, Fault.status(429, Duration.ofMillis(1500)));
        fake.publish(queue, EVENT);

        HttpResponse<String> unavailable = post(messagesPath(queue) + "/pull", "{}");
        HttpResponse<String> throttled = post(messagesPath(queue) + "/pull", "{}");
        JsonNode normal = pull(queue, "{}");

        assertThat(unavailable.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(unavailable.body()).get("success").asBoolean()).isFalse();
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(throttled.headers().firstValue("Retry-After")).contains("2");
        assertThat(messages(normal)).hasSize(1).allSatisfy(m -> assertThat(m.get("attempts").asInt()).isEqualTo(1));
        assertThat(fake.injectedFaults()).containsExactly(Fault.status(503), Fault.status(429, Duration.ofMillis(1500)));
        assertThat(fake.requestCount(QueueEndpoint.PULL)).isEqualTo(3);
    }

    @Test
    void failNextWithoutEndpoint_hitsWhateverComesNext() throws Exception {
        fake.failNext(2, Fault.status(500));

        assertThat(post(messagesPath(queue), "{\"body\":1}").statusCode()).isEqualTo(500);
        assertThat(post(messagesPath(queue) + "/ack", "{}").statusCode()).isEqualTo(500);
        assertThat(post(messagesPath(queue) + "/ack", "{}").statusCode()).isEqualTo(200);
        assertThat(fake.queue(queue).backlog()).isEmpty();
    }

    @Test
    void latency_delaysTheReply() throws Exception {
        fake.failNext(QueueEndpoint.PULL, 1, Fault.latency(Duration.ofMillis(300)));

        long start = System.nanoTime();
        pull(queue, "{}");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(fake.injectedFaults()).containsExactly(Fault.latency(Duration.ofMillis(300)));
    }

    @Test
    void dropConnection_isAnIOExceptionForJavaNetHttp_andNothingIsApplied() throws Exception {
        fake.publish(queue, EVENT);
        fake.failNext(QueueEndpoint.PULL, 1, Fault.dropBeforeApply());

        assertThatThrownBy(() -> post(messagesPath(queue) + "/pull", "{}")).isInstanceOf(IOException.class);

        assertThat(fake.queue(queue).inFlight()).isEmpty();
        assertThat(messages(pull(queue, "{}"))).singleElement()
                .satisfies(m -> assertThat(m.get("attempts").asInt()).isEqualTo(1));
    }

    @Test
    void dropAfterApply_onAck_appliesTheAckButLosesTheReply() throws Exception {
        fake.publish(queue, EVENT);
        String lease = messages(pull(queue, "{}")).get(0).get("lease_id").asText();
        fake.failNext(QueueEndpoint.ACK, 1, Fault.dropAfterApply());

        assertThatThrownBy(() -> settle(queue, List.of(lease), Map.of())).isInstanceOf(IOException.class);

        assertThat(fake.queue(queue).acked()).hasSize(1);
        JsonNode again = settle(queue, List.of(lease), Map.of());
        assertThat(again.get("ackCount").asInt()).isZero();
        assertThat(again.get("warnings").has(lease)).isTrue();
        assertThat(fake.injectedFaults()).containsExactly(Fault.dropAfterApply());
    }

    @Test
    void dropAfterApply_onPull_leavesTheMessageLeasedUntilItsLeaseExpires() throws Exception {
        fake.publish(queue, EVENT);
        fake.failNext(QueueEndpoint.PULL, 1, Fault.dropAfterApply());

        assertThatThrownBy(() -> post(messagesPath(queue) + "/pull", "{\"visibility_timeout_ms\":5000}"))
                .isInstanceOf(IOException.class);

        assertThat(fake.queue(queue).inFlight()).hasSize(1);
        fake.advanceTime(Duration.ofSeconds(5));
        assertThat(messages(pull(queue, "{}"))).singleElement()
                .satisfies(m -> assertThat(m.get("attempts").asInt()).isEqualTo(2));
    }

    @Test
    void injectedStatuses_carryTheEnvelopeCloudflareSendsForThem() throws Exception {
        fake.failNext(QueueEndpoint.CONSUMERS, 1, Fault.status(403))
                .failNext(QueueEndpoint.PULL, 1, Fault.status(401))
                .failNext(QueueEndpoint.PULL, 1, Fault.status(503, Duration.ofSeconds(3)));

        HttpResponse<String> forbidden = send("GET", "/accounts/" + fake.accountId() + "/queues/" + queue
                + "/consumers", null, fake.token());
        HttpResponse<String> unauthorized = post(messagesPath(queue) + "/pull", "{}");
        HttpResponse<String> unavailable = post(messagesPath(queue) + "/pull", "{}");

        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(forbidden.body()).at("/errors/0/code").asInt()).isEqualTo(10000);
        assertThat(unauthorized.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(unauthorized.body()).at("/errors/0/code").asInt()).isEqualTo(10000);
        assertThat(unavailable.statusCode()).isEqualTo(503);
        assertThat(unavailable.headers().firstValue("Retry-After")).contains("3");
    }

    @Test
    void faultsAQueueRequestCannotMeet_areRefused_namingTheFake() {
        assertThatThrownBy(() -> fake.failNext(QueueEndpoint.PULL, 1, Fault.resetMidBody()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("FakeCloudflareQueues cannot inject resetMidBody");
        assertThatThrownBy(() -> fake.failNext(1, Fault.exception(() -> new IOException("x"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("FakeCloudflareQueues cannot inject exception: a server cannot throw");
        assertThatThrownBy(() -> fake.faultRate(QueueEndpoint.ACK, 0.1, Fault.dropAfterApply(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("FakeCloudflareQueues");
    }

    @Test
    void awaitAcked_returnsOnceTheAcksArrive_andFailsWithTheQueueState() throws Exception {
        fake.publish(queue, EVENT);
        String lease = messages(pull(queue, "{}")).get(0).get("lease_id").asText();
        settle(queue, List.of(lease), Map.of());

        assertThat(fake.queue(queue).awaitAcked(1, Duration.ofSeconds(5))).hasSize(1);
        assertThatThrownBy(() -> fake.queue(queue).awaitDeadLettered(1, Duration.ofMillis(50)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("expected at least 1 dead-lettered messages")
                .hasMessageContaining("acked 1");
    }

    @Test
    void faultRate_isReproducibleForASeed() throws Exception {
        List<Integer> first = statusesWithRandomFaults(7);
        List<Integer> second = statusesWithRandomFaults(7);

        assertThat(first).isEqualTo(second);
        assertThat(first).contains(200).contains(500);
        assertThat(statusesWithRandomFaults(8)).isNotEqualTo(first);
    }

    private List<Integer> statusesWithRandomFaults(long seed) throws Exception {
        try (FakeCloudflareQueues f = FakeCloudflareQueues.builder().seed(seed).build().start()) {
            String q = f.createQueue("q");
            f.faultRate(QueueEndpoint.PULL, 0.5, Fault.status(500));
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                HttpRequest request = HttpRequest.newBuilder(URI.create(f.baseUrl() + "/accounts/" + f.accountId()
                                + "/queues/" + q + "/messages/pull"))
                        .header("Authorization", "Bearer " + f.token())
                        .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
                statuses.add(http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
            }
            assertThat((long) f.injectedFaults().size()).isEqualTo(statuses.stream().filter(s -> s == 500).count());
            return statuses;
        }
    }

    // ------------------------------------------------------------------ concurrency and lifecycle

    @Test
    void concurrentPulls_neverHandOutAMessageTwice() throws Exception {
        Set<String> published = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            published.add(fake.publish(queue, "{\"n\":" + i + "}"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<String>>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                futures.add(pool.submit(() -> {
                    List<String> ids = new ArrayList<>();
                    for (int i = 0; i < 10; i++) {
                        messages(pull(queue, 5, 60_000)).forEach(m -> ids.add(m.get("id").asText()));
                    }
                    return ids;
                }));
            }
            List<String> all = new ArrayList<>();
            for (Future<List<String>> f : futures) {
                all.addAll(f.get());
            }
            assertThat(all).hasSize(300).doesNotHaveDuplicates();
            assertThat(new HashSet<>(all)).isEqualTo(published);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void close_stopsServing_andIsIdempotent() throws Exception {
        String url = fake.baseUrl().toString();
        fake.close();
        fake.close();

        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/x")).POST(HttpRequest.BodyPublishers.noBody()).build();
        assertThatThrownBy(() -> HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding()))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> fake.start()).isInstanceOf(IllegalStateException.class);
    }
}
