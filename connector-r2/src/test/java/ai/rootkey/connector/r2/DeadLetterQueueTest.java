package ai.rootkey.connector.r2;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The dead-letter tools on the one queue client: its lifecycle, its logger, its callbacks. */
class DeadLetterQueueTest {
    private static final String ACCOUNT = "3f4b7e3dcab231cbfdaa90a6a28bd548";
    private static final String EVENTS = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    private static final String DLQ = "fedcba9876543210fedcba9876543210";
    private static final String TOKEN = "cf-token-s3cr3t-value-0123456789";
    private static final String DLQ_MESSAGES = "/client/v4/accounts/" + ACCOUNT + "/queues/" + DLQ + "/messages";
    private static final String EVENTS_MESSAGES = "/client/v4/accounts/" + ACCOUNT + "/queues/" + EVENTS + "/messages";
    private static final String OK_EMPTY = "{\"success\":true,\"errors\":[],\"messages\":[],\"result\":{}}";

    @RegisterExtension
    static final WireMockExtension server = WireMockExtension.newInstance()
            .options(options().bindAddress("127.0.0.1").dynamicPort()).build();

    private ListAppender<ILoggingEvent> dlqLogs;
    private ListAppender<ILoggingEvent> sourceLogs;


    @BeforeEach
    void setUp() {
        dlqLogs = capture(DeadLetterQueue.class);
        sourceLogs = capture(CloudflareQueueSource.class);
    }

    @AfterEach
    void tearDown() {
        for (Class<?> owner : List.of(DeadLetterQueue.class, CloudflareQueueSource.class)) {
            Logger logger = (Logger) LoggerFactory.getLogger(owner);
            logger.detachAppender(dlqLogs);
            logger.detachAppender(sourceLogs);
            logger.setLevel(null);
        }
        assertThat(dlqLogs.list).noneMatch(e -> e.getFormattedMessage().contains(TOKEN));
    }

    private static ListAppender<ILoggingEvent> capture(Class<?> owner) {
        Logger logger = (Logger) LoggerFactory.getLogger(owner);
        logger.setLevel(Level.DEBUG);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        return appender;
    }

    private static DeadLetterQueue.Builder builder() {
        return DeadLetterQueue.builder().accountId(ACCOUNT).queueId(EVENTS).dlqId(DLQ).apiToken(Secret.of(TOKEN))
                .baseUrl(URI.create(server.baseUrl() + "/client/v4")).allowInsecureLoopbackForTesting(true);
    }

    private static String pulled(String id, String lease, String key) {
        String event = "{\"account\":\"" + ACCOUNT + "\",\"action\":\"PutObject\",\"bucket\":\"acme-docs\","
                + "\"object\":{\"key\":\"" + key + "\",\"size\":3,\"eTag\":\"e1\"},"
                + "\"eventTime\":\"2025-03-01T10:00:00.000Z\"}";
        return "{\"id\":\"" + id + "\",\"lease_id\":\"" + lease + "\",\"attempts\":1,\"timestamp_ms\":1,"
                + "\"metadata\":{\"CF-Content-Type\":\"json\"},\"body\":\""
                + Base64.getEncoder().encodeToString(event.getBytes(StandardCharsets.UTF_8)) + "\"}";
    }

    @Test
    void replay_aProgressCallbackThatThrows_isLoggedAndTheReplayFinishes() throws Exception {
        server.stubFor(post(DLQ_MESSAGES + "/pull").inScenario("dlq").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(okJson("{\"success\":true,\"errors\":[],\"result\":{\"messages\":["
                        + pulled("m1", "l1", "a.pdf") + "," + pulled("m2", "l2", "b.pdf") + "]}}"))
                .willSetStateTo("drained"));
        server.stubFor(post(DLQ_MESSAGES + "/pull").inScenario("dlq").whenScenarioStateIs("drained")
                .willReturn(okJson("{\"success\":true,\"errors\":[],\"result\":{\"messages\":[]}}")));
        server.stubFor(post(EVENTS_MESSAGES + "/batch").willReturn(okJson(OK_EMPTY)));
        server.stubFor(post(DLQ_MESSAGES + "/ack").willReturn(okJson(OK_EMPTY)));
        List<DeadLetterQueue.ReplayReport> seen = new ArrayList<>();
        Logger core = (Logger) LoggerFactory.getLogger("ai.rootkey.connector");
        ListAppender<ILoggingEvent> coreLogs = new ListAppender<>();
        coreLogs.start();
        core.addAppender(coreLogs);

        DeadLetterQueue.ReplayReport report;
        try (DeadLetterQueue dlq = builder().build()) {
            report = dlq.replay().onProgress(r -> {
                seen.add(r);
                throw new AssertionError("a user's test assertion");
            }).run();
        } finally {
            core.detachAppender(coreLogs);
        }

        assertThat(report.replayed()).isEqualTo(2);
        assertThat(seen).hasSize(1);
        server.verify(postRequestedFor(urlEqualTo(DLQ_MESSAGES + "/ack"))
                .withRequestBody(equalToJson("{\"acks\":[{\"lease_id\":\"l1\"},{\"lease_id\":\"l2\"}],\"retries\":[]}")));
        assertThat(coreLogs.list).filteredOn(e -> e.getLoggerName().equals("ai.rootkey.connector")).singleElement()
                .satisfies(e -> {
                    assertThat(e.getLevel()).isEqualTo(Level.WARN);
                    assertThat(e.getFormattedMessage()).startsWith("rootkey.listener.failed")
                            .contains("method=\"onProgress\"").contains("a user's test assertion");
                });
    }

    @Test
    void logLines_areTheDeadLetterQueues_notTheSources() throws Exception {
        server.stubFor(post(DLQ_MESSAGES + "/peek").inScenario("peek").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
        server.stubFor(post(DLQ_MESSAGES + "/peek").inScenario("peek").whenScenarioStateIs("up")
                .willReturn(okJson("{\"success\":true,\"errors\":[],\"result\":{\"messages\":[]}}")));
        server.stubFor(get("/client/v4/accounts/" + ACCOUNT + "/queues/" + DLQ + "/consumers")
                .willReturn(aResponse().withStatus(403)));

        try (DeadLetterQueue dlq = builder().build()) {
            assertThat(dlq.peek("", 10)).isEmpty();
            assertThat(dlq.consumerMaxRetries()).isEmpty();
        }

        assertThat(dlqLogs.list).extracting(e -> e.getFormattedMessage().split(" ")[0])
                .containsExactly("rootkey.queue.api_retry", "rootkey.dlq.consumer_settings_unreadable");
        assertThat(dlqLogs.list.get(1).getFormattedMessage()).contains("dead-letter queue " + DLQ)
                .contains("R2_DLQ_ID");
        assertThat(sourceLogs.list).isEmpty();
    }

    @Test
    void close_releasesTheClientItBuilt_soItCannotBeUsedAgain() {
        DeadLetterQueue dlq = builder().build();

        dlq.close();
        dlq.close();

        assertThatThrownBy(() -> dlq.peek("", 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThat(server.getAllServeEvents()).isEmpty();
    }

    @Test
    void close_withUserSuppliedHttpClient_leavesItOpen() throws Exception {
        server.stubFor(get("/health").willReturn(aResponse().withStatus(200).withBody("ok")));
        HttpClient client = HttpClient.newHttpClient();

        builder().httpClient(client).build().close();

        HttpResponse<String> reply = client.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(reply.body()).isEqualTo("ok");
    }

    @Test
    void builder_refusesARedirectingClientAndQueueNames_withTheFix() {
        HttpClient redirecting = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.ALWAYS).build();

        assertThatThrownBy(() -> builder().httpClient(redirecting)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("followRedirects(HttpClient.Redirect.NEVER)");
        assertThatThrownBy(() -> builder().dlqId("rootkey-dlq")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("dlqId must be a queue id");
        assertThatThrownBy(() -> DeadLetterQueue.builder().accountId(ACCOUNT).queueId(EVENTS).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("dlqId");
        try (DeadLetterQueue dlq = builder().build()) {
            assertThat(dlq.toString()).contains(DLQ).contains(EVENTS).doesNotContain(TOKEN);
        }
    }
}
