package ai.rootkey.connector.r2;

import ai.rootkey.connector.Backlog;
import ai.rootkey.connector.Batch;
import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.r2.internal.QueueBodies;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

class CloudflareQueueSourceTest {
    private static final String ACCOUNT = "3f4b7e3dcab231cbfdaa90a6a28bd548";
    private static final String QUEUE = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    private static final String TOKEN = "cf-token-s3cr3t-value-0123456789";
    private static final String MESSAGES = "/client/v4/accounts/" + ACCOUNT + "/queues/" + QUEUE + "/messages";
    private static final String PULL = MESSAGES + "/pull";
    private static final String ACK = MESSAGES + "/ack";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACK_OK = "{\"success\":true,\"errors\":[],\"messages\":[],"
            + "\"result\":{\"ackCount\":0,\"retryCount\":0,\"warnings\":[]}}";

    private static WireMockServer server;

    private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
    private ListAppender<ILoggingEvent> logs;
    private CloudflareQueueSource source;

    @BeforeAll
    static void startServer() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        server.start();
    }

    @AfterAll
    static void stopServer() {
        server.stop();
    }

    @BeforeEach
    void setUp() {
        server.resetAll();
        Logger logger = (Logger) LoggerFactory.getLogger(CloudflareQueueSource.class);
        logger.setLevel(Level.DEBUG);
        logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        source = builder().build();
    }

    @AfterEach
    void tearDown() {
        source.close();
        Logger logger = (Logger) LoggerFactory.getLogger(CloudflareQueueSource.class);
        logger.detachAppender(logs);
        logger.setLevel(null);
        assertThat(logs.list).as("no log line shows the token")
                .noneMatch(e -> e.getFormattedMessage().contains(TOKEN) || String.valueOf(e.getKeyValuePairs()).contains(TOKEN));
    }

    private CloudflareQueueSource.Builder builder() {
        return CloudflareQueueSource.builder()
                .accountId(ACCOUNT)
                .queueId(QUEUE)
                .apiToken(Secret.of(TOKEN))
                .baseUrl(server.baseUrl() + "/client/v4")
                .allowInsecureLoopbackForTesting(true)
                .apiRetry(3, Duration.ofMillis(1), Duration.ofMillis(100))
                .sleeper(sleeps::add);
    }

    static String fixture(String name) {
        return Fixtures.read(name);
    }

    private static String pullReply(String messagesJson) {
        return "{\"success\":true,\"errors\":[],\"messages\":[],\"result\":{\"messages\":" + messagesJson + "}}";
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private List<LoggedRequest> requests(String path) {
        return server.findAll(postRequestedFor(urlEqualTo(path)));
    }

    // ------------------------------------------------------------------ pull

    @Test
    void receive_sendsPullWithBearerTokenAndExactBody() throws Exception {
        server.stubFor(post(PULL).willReturn(okJson(fixture("queues-pull-empty.json"))));

        source.receive(10);

        server.verify(1, postRequestedFor(urlEqualTo(PULL))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN))
                .withHeader("Content-Type", equalTo("application/json"))
                .withRequestBody(equalToJson("{\"batch_size\":10,\"visibility_timeout_ms\":600000}")));
    }

    @Test
    void receive_clampsBatchSizeToOneThroughHundred() throws Exception {
        server.stubFor(post(PULL).willReturn(okJson(fixture("queues-pull-empty.json"))));

        source.receive(500);
        source.receive(0);

        List<LoggedRequest> pulls = requests(PULL);
        assertThat(pulls).extracting(r -> JSON.readTree(r.getBodyAsString()).get("batch_size").asInt())
                .containsExactly(100, 1);
        assertThat(source.maxBatchSize()).isEqualTo(100);
    }

    @Test
    void receive_sendsConfiguredVisibilityTimeout() throws Exception {
        server.stubFor(post(PULL).willReturn(okJson(fixture("queues-pull-empty.json"))));
        try (CloudflareQueueSource custom = builder().visibilityTimeout(Duration.ofHours(2)).build()) {
            custom.receive(5);
        }
        server.verify(postRequestedFor(urlEqualTo(PULL))
                .withRequestBody(equalToJson("{\"batch_size\":5,\"visibility_timeout_ms\":7200000}")));
    }

    @Test
    void receive_parsesFixture_eventAndMalformedTextBody() throws Exception {
        server.stubFor(post(PULL).willReturn(okJson(fixture("queues-pull-response.json"))));

        Batch batch = source.receive(10);

        assertThat(batch.deliveries()).hasSize(2);
        Delivery event = batch.deliveries().get(0);
        assertThat(event.messageId()).isEqualTo("b01b5594f784d0165c2985833f5660dd");
        assertThat(event.leaseId()).startsWith("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2Q0JDLUhTNTEyIn0..NXmbr8h6");
        assertThat(event.attempts()).isEqualTo(1);
        assertThat(event.event()).hasValueSatisfying(e -> {
            assertThat(e.bucket()).isEqualTo("acme-documents");
            assertThat(e.key()).isEqualTo("contracts/2026/msa-signed.pdf");
            assertThat(e.action()).isEqualTo(EventAction.PUT_OBJECT);
            assertThat(e.size()).hasValue(48213);
            assertThat(e.eTag()).hasValue("9b2cf535f27731c974343645a3985328");
        });
        Delivery text = batch.deliveries().get(1);
        assertThat(text.messageId()).isEqualTo("a3c1e0f2b4d6c8e0f1a2b3c4d5e6f7a8");
        assertThat(text.attempts()).isEqualTo(3);
        assertThat(text.event()).isEmpty();
        assertThat(text.parseFailure()).hasValueSatisfying(f -> assertThat(f.rawBody()).isEqualTo("not json at all"));
        assertThat(batch.backlog()).contains(new Backlog(2, 512, Optional.of(Instant.ofEpochMilli(1763629447512L))));
    }

    @Test
    void receive_emptyFixture_isEmptyBatchWithZeroBacklogAndNoOldestTime() throws Exception {
        server.stubFor(post(PULL).willReturn(okJson(fixture("queues-pull-empty.json"))));

        Batch batch = source.receive(10);

        assertThat(batch.isEmpty()).isTrue();
        assertThat(batch.backlog()).contains(new Backlog(0, 0, Optional.empty()));
    }

    @Test
    void receive_withoutMetrics_fallsBackToMessageBacklogCount() throws Exception {
        server.stubFor(post(PULL).willReturn(okJson(
                "{\"success\":true,\"errors\":[],\"result\":{\"message_backlog_count\":7,\"messages\":[]}}")));

        assertThat(source.receive(10).backlog()).contains(new Backlog(7, 0, Optional.empty()));
    }

    @Test
    void receive_withoutAnyBacklogFigure_hasNoBacklog() throws Exception {
        server.stubFor(post(PULL).willReturn(okJson(pullReply("[]"))));

        assertThat(source.receive(10).backlog()).isEmpty();
    }

    @Test
    void receive_ignoresUnknownFieldsEverywhere() throws Exception {
        ObjectNode reply = (ObjectNode) JSON.readTree(fixture("queues-pull-response.json"));
        reply.put("new_top_level", "x");
        reply.putObject("result_info").put("page", 1);
        ObjectNode result = (ObjectNode) reply.get("result");
        result.put("cursor", "abc");
        for (JsonNode m : result.get("messages")) {
            ((ObjectNode) m).put("priority", 3);
            ((ObjectNode) m.get("metadata")).put("CF-new", "y");
        }
        ((ObjectNode) result.get("metadata").get("metrics")).put("future_metric", 9);
        server.stubFor(post(PULL).willReturn(okJson(reply.toString())));

        Batch batch = source.receive(10);

        assertThat(batch.deliveries()).hasSize(2);
        assertThat(batch.deliveries().get(0).event()).isPresent();
        assertThat(batch.backlog()).map(Backlog::messages).contains(2L);
    }

    @Test
    void receive_v8Body_isMalformed() throws Exception {
        server.stubFor(post(PULL).willReturn(okJson(pullReply("[{\"id\":\"m1\",\"lease_id\":\"l1\",\"attempts\":2,"
                + "\"body\":\"/w9vIgN\",\"metadata\":{\"CF-Content-Type\":\"v8\"}}]"))));

        Delivery d = source.receive(10).deliveries().get(0);

        assertThat(d.parseFailure()).hasValueSatisfying(f -> assertThat(f.reason()).isEqualTo(QueueBodies.V8_REASON));
        assertThat(d.attempts()).isEqualTo(2);
    }

    @Test
    void receive_jsonBodyThatIsPlainJson_isTolerated() throws Exception {
        String event = fixture("r2-event-put.json").trim();
        ArrayNode messages = JSON.createArrayNode();
        messages.addObject().put("id", "m1").put("lease_id", "l1").put("attempts", 1).put("body", event)
                .putObject("metadata").put("CF-Content-Type", "json");
        server.stubFor(post(PULL).willReturn(okJson(pullReply(messages.toString()))));

        assertThat(source.receive(10).deliveries().get(0).event()).isPresent();
    }

    @Test
    void receive_base64WithoutPaddingOrUrlSafe_isTolerated() throws Exception {
        String event = fixture("r2-event-unicode-key.json").trim();
        String unpadded = b64(event).replace("=", "");
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(event.getBytes(StandardCharsets.UTF_8));
        assertThat(b64(event)).as("the fixture needs padding for this test to mean anything").endsWith("=");
        ArrayNode messages = JSON.createArrayNode();
        messages.addObject().put("id", "m1").put("lease_id", "l1").put("attempts", 1).put("body", unpadded)
                .putObject("metadata").put("CF-Content-Type", "json");
        messages.addObject().put("id", "m2").put("lease_id", "l2").put("attempts", 1).put("body", urlSafe)
                .putObject("metadata").put("CF-Content-Type", "json");
        server.stubFor(post(PULL).willReturn(okJson(pullReply(messages.toString()))));

        assertThat(source.receive(10).deliveries()).allSatisfy(d -> assertThat(d.event()).isPresent());
    }

    @Test
    void receive_messageWithoutLease_isSkippedWithWarning_andWithoutIdUsesLease() throws Exception {
        String body = b64(fixture("r2-event-put.json").trim());
        server.stubFor(post(PULL).willReturn(okJson(pullReply("["
                + "{\"id\":\"no-lease\",\"body\":\"" + body + "\",\"attempts\":1,\"metadata\":{\"CF-Content-Type\":\"json\"}},"
                + "{\"lease_id\":\"lease-only\",\"body\":\"" + body + "\",\"metadata\":{\"CF-Content-Type\":\"json\"}},"
                + "{\"id\":\"zero\",\"lease_id\":\"l3\",\"attempts\":0,\"body\":\"" + body + "\"}]"))));

        List<Delivery> deliveries = source.receive(10).deliveries();

        assertThat(deliveries).extracting(Delivery::messageId).containsExactly("lease-only", "zero");
        assertThat(deliveries).extracting(Delivery::attempts).containsExactly(1, 1);
        assertThat(deliveries).allSatisfy(d -> assertThat(d.event()).isPresent());
        assertThat(logs.list).anySatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage()).contains("rootkey.queue.message_skipped").contains("no-lease");
        });
    }

    // ------------------------------------------------------------------ settle

    @Test
    void settle_ackAndThirtySecondRetry_matchesFixtureRequest() throws Exception {
        server.stubFor(post(PULL).willReturn(okJson(fixture("queues-pull-response.json"))));
        server.stubFor(post(ACK).willReturn(okJson(fixture("queues-ack-response.json"))));
        List<Delivery> d = source.receive(10).deliveries();

        source.settle(List.of(Settlement.ack(d.get(0)), Settlement.retry(d.get(1), Duration.ofSeconds(30))));

        server.verify(1, postRequestedFor(urlEqualTo(ACK))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN))
                .withRequestBody(equalToJson(fixture("queues-ack-request.json"))));
    }

    @Test
    void settle_150Settlements_makesTwoCallsOf100And50() throws Exception {
        server.stubFor(post(ACK).willReturn(okJson(ACK_OK)));
        List<Settlement> settlements = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            Delivery d = Delivery.malformed("m" + i, "lease-" + i, 1, "x", "test");
            settlements.add(i % 3 == 0 ? Settlement.retry(d, Duration.ofSeconds(i)) : Settlement.ack(d));
        }

        source.settle(settlements);

        List<LoggedRequest> calls = requests(ACK);
        assertThat(calls).hasSize(2);
        List<String> leases = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        for (LoggedRequest call : calls) {
            JsonNode body = JSON.readTree(call.getBodyAsString());
            sizes.add(body.get("acks").size() + body.get("retries").size());
            body.get("acks").forEach(a -> leases.add(a.get("lease_id").asText()));
            body.get("retries").forEach(r -> leases.add(r.get("lease_id").asText()));
        }
        assertThat(sizes).containsExactly(100, 50);
        assertThat(leases).containsExactlyInAnyOrderElementsOf(
                IntStream.range(0, 150).mapToObj(i -> "lease-" + i).toList());
    }

    @Test
    void settle_retryDelay_isRoundedUpToWholeSeconds_andZeroIsSent() throws Exception {
        server.stubFor(post(ACK).willReturn(okJson(ACK_OK)));
        Delivery a = Delivery.malformed("m1", "l1", 1, "x", "test");
        Delivery b = Delivery.malformed("m2", "l2", 1, "x", "test");

        source.settle(List.of(Settlement.retry(a, Duration.ofMillis(1200)), Settlement.retry(b, Duration.ZERO)));

        server.verify(postRequestedFor(urlEqualTo(ACK)).withRequestBody(equalToJson(
                "{\"acks\":[],\"retries\":[{\"lease_id\":\"l1\",\"delay_seconds\":2},{\"lease_id\":\"l2\",\"delay_seconds\":0}]}")));
    }

    @Test
    void settle_warningsAsListOrMapOrNull_areAcceptedAndLogged() throws Exception {
        Delivery d = Delivery.malformed("m1", "lease-gone", 1, "x", "test");
        for (String warnings : List.of("[\"lease lease-gone expired\"]", "{\"lease-gone\":\"lease expired\"}", "null")) {
            logs.list.clear();
            server.stubFor(post(ACK).willReturn(okJson("{\"success\":true,\"errors\":[],\"messages\":[],"
                    + "\"result\":{\"ackCount\":0,\"retryCount\":0,\"warnings\":" + warnings + "}}")));

            source.settle(List.of(Settlement.ack(d)));

            if (warnings.equals("null")) {
                assertThat(logs.list).noneMatch(e -> e.getFormattedMessage().contains("settle_warning"));
            } else {
                assertThat(logs.list).anySatisfy(e -> {
                    assertThat(e.getLevel()).isEqualTo(Level.WARN);
                    assertThat(e.getFormattedMessage()).contains("rootkey.queue.settle_warnings warnings=1");
                });
                assertThat(logs.list).anySatisfy(e -> {
                    assertThat(e.getLevel()).isEqualTo(Level.DEBUG);
                    assertThat(e.getFormattedMessage()).contains("lease-gone").contains("expired");
                });
            }
        }
    }

    @Test
    void serverTextInLogLines_isEscapedAndQuoted_soItCannotForgeFields() throws Exception {
        String hostile = "x\" reason=\"forged\" \\ \u202E";
        String json = JSON.writeValueAsString(hostile);
        server.stubFor(post(PULL).willReturn(okJson(pullReply("[{\"id\":" + json + ",\"body\":\"e30\"}]"))));
        server.stubFor(post(ACK).willReturn(okJson("{\"success\":true,\"errors\":[],\"messages\":[],"
                + "\"result\":{\"ackCount\":0,\"retryCount\":0,\"warnings\":{" + json + ":" + json + "}}}")));

        source.receive(10);
        source.settle(List.of(Settlement.ack(Delivery.malformed("m1", "l1", 1, "x", "test"))));

        String escaped = ai.rootkey.connector.LogSafe.quoted(hostile);
        assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage())
                .startsWith("rootkey.queue.message_skipped").contains("message_id=" + escaped));
        assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage())
                .startsWith("rootkey.queue.settle_warning ").contains(ai.rootkey.connector.LogSafe.escape(hostile)));
        assertThat(logs.list).allSatisfy(e -> assertThat(e.getFormattedMessage())
                .doesNotContain("reason=\"forged\"").doesNotContain("\u202E"));
    }

    @Test
    void settle_emptyList_makesNoCall() throws Exception {
        source.settle(List.of());
        assertThat(server.getAllServeEvents()).isEmpty();
    }

    @Test
    void probe_sendsAckWithNoLeases() throws Exception {
        server.stubFor(post(ACK).willReturn(okJson(ACK_OK)));

        source.probe();

        server.verify(1, postRequestedFor(urlEqualTo(ACK)).withRequestBody(equalToJson("{\"acks\":[],\"retries\":[]}")));
    }

    // ------------------------------------------------------------------ errors

    @Test
    void authErrorFixture_on401_isConfigurationException_notRetried() {
        server.stubFor(post(PULL).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json").withBody(fixture("queues-error-auth.json"))));

        Throwable thrown = catchThrowable(() -> source.receive(10));

        assertThat(thrown).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CLOUDFLARE_API_TOKEN").hasMessageContaining("Queues read")
                .hasMessageContaining("CLOUDFLARE_ACCOUNT_ID").hasMessageContaining("R2_QUEUE_ID")
                .hasMessageContaining("10000").hasMessageNotContaining(TOKEN);
        assertThat(requests(PULL)).hasSize(1);
    }

    @Test
    void forbidden403_andAuthCodeWithStatus200_areConfigurationExceptions() {
        server.stubFor(post(PULL).willReturn(aResponse().withStatus(403)));
        server.stubFor(post(ACK).willReturn(okJson(fixture("queues-error-auth.json"))));
        Delivery d = Delivery.malformed("m1", "l1", 1, "x", "test");

        assertThatThrownBy(() -> source.receive(10)).isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining("HTTP 403").extracting(e -> ((AccessRefusedException) e).status()).isEqualTo(403);
        assertThatThrownBy(() -> source.settle(List.of(Settlement.ack(d)))).isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining("CLOUDFLARE_API_TOKEN").extracting(e -> ((AccessRefusedException) e).status())
                .isEqualTo(200);
        assertThatThrownBy(() -> source.probe()).isInstanceOf(ConfigurationException.class);
    }

    @Test
    void maxRetries_isTheConsumers_orAnAccessRefusedExceptionWhenTheTokenMayNotReadIt() throws Exception {
        String consumers = "/client/v4/accounts/" + ACCOUNT + "/queues/" + QUEUE + "/consumers";
        server.stubFor(get(consumers).inScenario("consumers").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(okJson("{\"success\":true,\"errors\":[],\"result\":[" + fixture("queues-consumer-http-pull.json")
                        + "]}")).willSetStateTo("refused"));
        server.stubFor(get(consumers).inScenario("consumers").whenScenarioStateIs("refused")
                .willReturn(aResponse().withStatus(403)));

        assertThat(source.maxRetries()).hasValue(5);
        assertThatThrownBy(() -> source.maxRetries()).isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining("HTTP 403").extracting(e -> ((AccessRefusedException) e).status()).isEqualTo(403);
    }

    @Test
    void notFound404_isConfigurationExceptionNamingTheIds() {
        server.stubFor(post(PULL).willReturn(aResponse().withStatus(404).withBody(
                "{\"success\":false,\"errors\":[{\"code\":11000,\"message\":\"No such queue\"}],\"result\":null}")));

        assertThatThrownBy(() -> source.receive(10)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("queue not found: check CLOUDFLARE_ACCOUNT_ID and R2_QUEUE_ID");
        assertThat(requests(PULL)).hasSize(1);
    }

    @Test
    void status503ThenOk_succeedsWithinOneCall() throws Exception {
        server.stubFor(post(PULL).inScenario("flaky").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503).withBody("upstream unavailable")).willSetStateTo("ok"));
        server.stubFor(post(PULL).inScenario("flaky").whenScenarioStateIs("ok")
                .willReturn(okJson(fixture("queues-pull-response.json"))));

        Batch batch = source.receive(10);

        assertThat(batch.size()).isEqualTo(2);
        assertThat(requests(PULL)).hasSize(2);
        assertThat(sleeps).containsExactly(Duration.ofMillis(1));
    }

    @Test
    void status429_waitsForRetryAfter_thenSucceeds() throws Exception {
        try (CloudflareQueueSource patient = builder().apiRetry(3, Duration.ofMillis(1), Duration.ofSeconds(2)).build()) {
            server.stubFor(post(ACK).inScenario("throttled").whenScenarioStateIs(Scenario.STARTED)
                    .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")).willSetStateTo("ok"));
            server.stubFor(post(ACK).inScenario("throttled").whenScenarioStateIs("ok").willReturn(okJson(ACK_OK)));

            patient.probe();

            assertThat(sleeps).containsExactly(Duration.ofSeconds(1));
            assertThat(requests(ACK)).hasSize(2);
        }
    }

    @Test
    void status429_withRetryAfterLongerThanMaxBackoff_throwsAtOnceCarryingIt() {
        server.stubFor(post(PULL).willReturn(aResponse().withStatus(429).withHeader("Retry-After", "120")
                .withBody("{\"success\":false,\"errors\":[{\"code\":971,\"message\":\"slow down\"}]}")));

        Throwable thrown = catchThrowable(() -> source.receive(10));

        assertThat(thrown).isInstanceOfSatisfying(DependencyException.class, e -> {
            assertThat(e.status()).hasValue(429);
            assertThat(e.retryAfter()).contains(Duration.ofSeconds(120));
            assertThat(e.errorCode()).contains("971");
        });
        assertThat(requests(PULL)).hasSize(1);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void retryAfterAsHttpDate_isReadAgainstTheClock() throws Exception {
        Instant now = Instant.parse("2026-11-20T09:00:00Z");
        try (CloudflareQueueSource dated = builder().clock(java.time.Clock.fixed(now, java.time.ZoneOffset.UTC))
                .apiRetry(3, Duration.ofMillis(1), Duration.ofSeconds(5)).build()) {
            server.stubFor(post(PULL).inScenario("dated").whenScenarioStateIs(Scenario.STARTED)
                    .willReturn(aResponse().withStatus(503).withHeader("Retry-After", "Fri, 20 Nov 2026 09:00:03 GMT"))
                    .willSetStateTo("ok"));
            server.stubFor(post(PULL).inScenario("dated").whenScenarioStateIs("ok")
                    .willReturn(okJson(fixture("queues-pull-empty.json"))));

            dated.receive(1);

            assertThat(sleeps).containsExactly(Duration.ofSeconds(3));
        }
    }

    @Test
    void persistent500_throwsDependencyExceptionAfterConfiguredAttempts() {
        server.stubFor(post(PULL).willReturn(aResponse().withStatus(500)
                .withBody("{\"success\":false,\"errors\":[{\"code\":10001,\"message\":\"Internal error\"}]}")));

        Throwable thrown = catchThrowable(() -> source.receive(10));

        assertThat(thrown).isInstanceOfSatisfying(DependencyException.class, e -> {
            assertThat(e.status()).hasValue(500);
            assertThat(e.errorCode()).contains("10001");
            assertThat(e.getMessage()).contains("Internal error").contains("3 attempt").doesNotContain(TOKEN);
        });
        assertThat(requests(PULL)).hasSize(3);
        assertThat(sleeps).containsExactly(Duration.ofMillis(1), Duration.ofMillis(2));
    }

    @Test
    void connectionReset_isRetried_thenThrowsIOException() {
        server.stubFor(post(PULL).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

        Throwable thrown = catchThrowable(() -> source.receive(10));

        assertThat(thrown).isInstanceOf(IOException.class).isNotInstanceOf(DependencyException.class)
                .hasMessageContaining("pull failed after 3 attempt(s)");
        assertThat(requests(PULL)).hasSize(3);
    }

    @Test
    void slowReply_timesOut_asIOException() {
        server.stubFor(post(PULL).willReturn(okJson(fixture("queues-pull-empty.json")).withFixedDelay(2_000)));
        try (CloudflareQueueSource impatient = builder().requestTimeout(Duration.ofMillis(150))
                .apiRetry(1, Duration.ZERO, Duration.ZERO).build()) {
            Throwable thrown = catchThrowable(() -> impatient.receive(10));
            assertThat(thrown).isInstanceOf(IOException.class).hasCauseInstanceOf(HttpTimeoutException.class);
        }
    }

    @Test
    void successFalseWithStatus200_isDependencyExceptionWithFirstError() {
        server.stubFor(post(PULL).willReturn(okJson(
                "{\"success\":false,\"errors\":[{\"code\":11005,\"message\":\"batch_size too large\"},"
                        + "{\"code\":1,\"message\":\"second\"}],\"messages\":[],\"result\":null}")));

        Throwable thrown = catchThrowable(() -> source.receive(10));

        assertThat(thrown).isInstanceOfSatisfying(DependencyException.class, e -> {
            assertThat(e.errorCode()).contains("11005");
            assertThat(e.getMessage()).contains("batch_size too large");
        });
        assertThat(requests(PULL)).hasSize(1);
    }

    @Test
    void nonJsonReply_isDependencyExceptionWithShortExcerpt() {
        String html = "<html><body>" + "gateway says no\n".repeat(100) + "</body></html>";
        server.stubFor(post(PULL).willReturn(aResponse().withStatus(200).withBody(html)));

        Throwable thrown = catchThrowable(() -> source.receive(10));

        assertThat(thrown).isInstanceOf(DependencyException.class).hasMessageContaining("<html><body>gateway says no")
                .hasMessageNotContaining("\n");
        assertThat(thrown.getMessage().length()).isLessThan(400);
    }

    @Test
    void otherClientError_isDependencyExceptionAtOnce() {
        server.stubFor(post(PULL).willReturn(aResponse().withStatus(400).withBody(
                "{\"success\":false,\"errors\":[{\"code\":10400,\"message\":\"bad request\"}]}")));

        assertThatThrownBy(() -> source.receive(10)).isInstanceOfSatisfying(DependencyException.class,
                e -> assertThat(e.status()).hasValue(400));
        assertThat(requests(PULL)).hasSize(1);
    }

    // ------------------------------------------------------------------ publish

    @Test
    void publish_postsJsonBodyWithContentTypeJson() throws Exception {
        server.stubFor(post(MESSAGES).willReturn(okJson("{\"success\":true,\"errors\":[],\"messages\":[],\"result\":null}")));
        String event = fixture("r2-event-copy.json").trim();

        source.publish(event);

        server.verify(1, postRequestedFor(urlEqualTo(MESSAGES))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN))
                .withRequestBody(equalToJson("{\"body\":" + event + ",\"content_type\":\"json\"}")));
    }

    @Test
    void publishBatch_150Bodies_makesTwoCallsOf100And50() throws Exception {
        server.stubFor(post(MESSAGES + "/batch").willReturn(okJson("{\"success\":true,\"errors\":[],\"result\":null}")));
        List<String> bodies = IntStream.range(0, 150).mapToObj(i -> "{\"n\":" + i + "}").toList();

        source.publishBatch(bodies);

        List<LoggedRequest> calls = requests(MESSAGES + "/batch");
        assertThat(calls).hasSize(2);
        List<Integer> numbers = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        for (LoggedRequest call : calls) {
            JsonNode messages = JSON.readTree(call.getBodyAsString()).get("messages");
            sizes.add(messages.size());
            messages.forEach(m -> {
                assertThat(m.get("content_type").asText()).isEqualTo("json");
                numbers.add(m.get("body").get("n").asInt());
            });
        }
        assertThat(sizes).containsExactly(100, 50);
        assertThat(numbers).isEqualTo(IntStream.range(0, 150).boxed().toList());
    }

    @Test
    void publishBatch_splitsBySize() throws Exception {
        server.stubFor(post(MESSAGES + "/batch").willReturn(okJson("{\"success\":true,\"errors\":[],\"result\":null}")));
        String big = "\"" + "x".repeat(100_000) + "\"";

        source.publishBatch(List.of(big, big, big));

        assertThat(requests(MESSAGES + "/batch")).extracting(r -> JSON.readTree(r.getBodyAsString()).get("messages").size())
                .containsExactly(2, 1);
    }

    @Test
    void publish_rejectsNonJsonAndOversizeBodies_withoutACall() {
        assertThatThrownBy(() -> source.publish("not json")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> source.publishBatch(List.of("{}", "{"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jsonBodies[1]");
        assertThatThrownBy(() -> source.publish("\"" + "x".repeat(130 * 1024) + "\""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 131072");
        assertThat(server.getAllServeEvents()).isEmpty();
    }

    // ------------------------------------------------------------------ configuration and lifecycle

    @Test
    void build_requiresHttpsExceptExplicitLoopbackSwitch() {
        CloudflareQueueSource.Builder b = CloudflareQueueSource.builder().accountId(ACCOUNT).queueId(QUEUE)
                .apiToken(Secret.of(TOKEN));

        assertThatThrownBy(() -> b.baseUrl("http://api.example.com/client/v4").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("must be https");
        assertThatThrownBy(() -> b.baseUrl("http://127.0.0.1:8080/client/v4").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOTKEY_ALLOW_INSECURE_LOOPBACK");
        b.allowInsecureLoopbackForTesting(true);
        assertThatThrownBy(() -> b.baseUrl("http://api.example.com/client/v4").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("must be https");
        assertThatThrownBy(() -> b.baseUrl("http://localhost.example.com/client/v4").build())
                .isInstanceOf(ConfigurationException.class);
        b.baseUrl("http://127.0.0.1:8080/client/v4/").build().close();
        b.baseUrl("http://localhost:8080/client/v4").build().close();
        b.baseUrl("http://[::1]:8080/client/v4").build().close();
        b.allowInsecureLoopbackForTesting(false);
        b.baseUrl("https://proxy.example.com/cf/client/v4").build().close();
        assertThat(b.baseUrl(URI.create(CloudflareQueueSource.DEFAULT_BASE_URL)).build().toString())
                .contains("https://api.cloudflare.com/client/v4");
    }

    @Test
    void builder_rejectsBadIdsAndMissingParts() {
        assertThatThrownBy(() -> CloudflareQueueSource.builder().accountId("3F4B7E3DCAB231CBFDAA90A6A28BD548"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("accountId must be 32 lowercase hex characters (got 32 characters, not all lowercase hex)");
        assertThatThrownBy(() -> CloudflareQueueSource.builder().accountId("abc"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CloudflareQueueSource.builder().queueId("rootkey-events"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("queueId must be a queue id, 32 lowercase hex characters, not a queue name (got "
                        + "\"rootkey-events\")");
        assertThatThrownBy(() -> CloudflareQueueSource.builder().queueId("a/b"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CloudflareQueueSource.builder().queueId("  "))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CloudflareQueueSource.builder().visibilityTimeout(Duration.ofHours(13)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("12 h");
        assertThatThrownBy(() -> CloudflareQueueSource.builder().visibilityTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CloudflareQueueSource.builder().apiRetry(0, Duration.ZERO, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CloudflareQueueSource.builder().accountId(ACCOUNT).queueId(QUEUE).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("apiToken(");
        assertThatThrownBy(() -> CloudflareQueueSource.builder().queueId(QUEUE).apiToken(Secret.of(TOKEN)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("accountId(");
        assertThatThrownBy(() -> builder().httpClient(HttpClient.newHttpClient()).connectTimeout(Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("connectTimeout");
        assertThat(CloudflareQueueSource.DEFAULT_VISIBILITY_TIMEOUT).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void redirect_neverCarriesTheTokenToTheTarget_whateverTheClient() {
        // A redirect to another host ("localhost" is not "127.0.0.1"): the JDK client, when it follows one,
        // re-sends every header, Authorization included.
        server.stubFor(post(urlEqualTo(PULL)).willReturn(aResponse().withStatus(303)
                .withHeader("Location", "http://localhost:" + server.port() + "/elsewhere")));
        server.stubFor(any(urlEqualTo("/elsewhere")).willReturn(okJson(fixture("queues-pull-empty.json"))));
        List<HttpClient> clients = new ArrayList<>();
        clients.add(null); // the client the source builds
        for (HttpClient.Redirect redirect : HttpClient.Redirect.values()) {
            clients.add(HttpClient.newBuilder().followRedirects(redirect).build());
        }
        for (HttpClient client : clients) {
            CloudflareQueueSource redirected;
            try {
                CloudflareQueueSource.Builder b = builder();
                if (client != null) {
                    b.httpClient(client);
                }
                redirected = b.build();
            } catch (IllegalArgumentException refused) {
                continue; // a client that would follow the redirect is refused up front
            }
            try (redirected) {
                redirected.receive(1);
            } catch (IOException | RuntimeException answeredWithTheRedirect) {
                // expected from a client that does not follow it: a 303 is an error answer
            }
        }
        assertThat(server.findAll(anyRequestedFor(urlEqualTo("/elsewhere")))).as("requests that followed the redirect")
                .isEmpty();
    }

    @Test
    void errorReplyThatEchoesTheToken_isQuotedRedacted() {
        server.stubFor(post(urlEqualTo(PULL)).willReturn(aResponse().withStatus(400)
                .withBody("{\"success\":false,\"errors\":[{\"code\":7000,\"message\":\"bad Authorization: Bearer "
                        + TOKEN + "\"}],\"messages\":[],\"result\":null}")));
        assertThatThrownBy(() -> source.receive(1)).isInstanceOf(DependencyException.class)
                .hasMessageContaining("bad Authorization: Bearer [redacted]").hasMessageNotContaining(TOKEN);
        server.stubFor(post(urlEqualTo(PULL)).willReturn(aResponse().withStatus(401)
                .withBody("token " + TOKEN + " refused")));
        assertThatThrownBy(() -> source.receive(1)).isInstanceOf(ConfigurationException.class)
                .hasMessageNotContaining(TOKEN);
        server.stubFor(post(urlEqualTo(PULL)).willReturn(aResponse().withStatus(503)
                .withBody("upstream said: " + TOKEN)));
        assertThatThrownBy(() -> source.receive(1)).isInstanceOf(DependencyException.class)
                .hasMessageContaining("upstream said: [redacted]").hasMessageNotContaining(TOKEN);
    }

    @Test
    void httpClientThatFollowsRedirects_isRefused_withTheFix() {
        HttpClient always = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.ALWAYS).build();
        assertThatThrownBy(() -> CloudflareQueueSource.builder().httpClient(always))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("followRedirects(HttpClient.Redirect.NEVER)");
    }

    @Test
    void toStringAndErrors_neverShowTheToken() {
        server.stubFor(post(PULL).willReturn(aResponse().withStatus(500).withBody("oops")));

        assertThat(source.toString()).doesNotContain(TOKEN).contains("redacted").contains(QUEUE);
        Throwable thrown = catchThrowable(() -> source.receive(1));
        assertThat(thrown).isNotNull();
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).doesNotContain(TOKEN);
        }
    }

    @Test
    void tokenFromSupplier_isReadForEachRequest() throws Exception {
        server.stubFor(post(PULL).willReturn(okJson(fixture("queues-pull-empty.json"))));
        String[] current = {"first-token"};
        try (CloudflareQueueSource rotating = builder().apiToken(Secret.fromSupplier(() -> current[0])).build()) {
            rotating.receive(1);
            current[0] = "second-token";
            rotating.receive(1);
        }
        assertThat(requests(PULL)).extracting(r -> r.getHeader("Authorization"))
                .containsExactly("Bearer first-token", "Bearer second-token");
    }

    @Test
    void close_withUserSuppliedHttpClient_leavesItOpen() throws Exception {
        server.stubFor(get("/health").willReturn(aResponse().withStatus(200).withBody("ok")));
        HttpClient client = HttpClient.newHttpClient();
        CloudflareQueueSource withClient = builder().httpClient(client).build();

        withClient.close();
        withClient.close(); // idempotent

        HttpResponse<String> reply = client.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(reply.body()).isEqualTo("ok");
        assertThatThrownBy(() -> withClient.receive(1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }
}
