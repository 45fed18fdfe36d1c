package ai.rootkey.connector.r2.internal;

import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.r2.AccessRefusedException;
import ai.rootkey.connector.r2.CloudflareQueueSource;
import ai.rootkey.connector.r2.Fixtures;
import ai.rootkey.connector.r2.Secret;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

/** The one Cloudflare Queues client, on its own: what every user of it (source, DLQ, doctor) relies on. */
class CloudflareQueueTest {
    private static final String ACCOUNT = "3f4b7e3dcab231cbfdaa90a6a28bd548";
    private static final String QUEUE = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    private static final String TOKEN = "cf-token-s3cr3t-value-0123456789";
    private static final String QUEUE_PATH = "/client/v4/accounts/" + ACCOUNT + "/queues/" + QUEUE;
    private static final String MESSAGES = QUEUE_PATH + "/messages";
    private static final String CALLER = "ai.rootkey.connector.test.Caller";
    private static final String OK_EMPTY = "{\"success\":true,\"errors\":[],\"messages\":[],\"result\":{}}";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final WireMockExtension server = WireMockExtension.newInstance()
            .options(options().bindAddress("127.0.0.1").dynamicPort()).build();

    private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
    private final List<ListAppender<ILoggingEvent>> appenders = new ArrayList<>();
    private CloudflareApi api;
    private CloudflareQueue queue;


    @BeforeEach
    void setUp() {
        api = builder().build();
        queue = api.queue(QUEUE, CloudflareQueue.Role.EVENTS);
    }

    @AfterEach
    void tearDown() {
        api.close();
        for (ListAppender<ILoggingEvent> appender : appenders) {
            assertThat(appender.list).as("no log line shows the token")
                    .noneMatch(e -> e.getFormattedMessage().contains(TOKEN));
        }
        for (String name : List.of(CALLER, CloudflareQueueSource.class.getName(), CloudflareApi.class.getName())) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            appenders.forEach(logger::detachAppender);
            logger.setLevel(null);
        }
    }

    private CloudflareApi.Builder builder() {
        return CloudflareApi.builder().accountId(ACCOUNT).apiToken(Secret.of(TOKEN))
                .baseUrl(URI.create(server.baseUrl() + "/client/v4")).allowInsecureLoopback(true)
                .retry(new CloudflareApi.Retry(3, Duration.ofMillis(1), Duration.ofMillis(100))).sleeper(sleeps::add)
                .logger(LoggerFactory.getLogger(CALLER));
    }

    private ListAppender<ILoggingEvent> capture(String loggerName) {
        Logger logger = (Logger) LoggerFactory.getLogger(loggerName);
        logger.setLevel(Level.DEBUG);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        appenders.add(appender);
        return appender;
    }

    private static String result(String resultJson) {
        return "{\"success\":true,\"errors\":[],\"messages\":[],\"result\":" + resultJson + "}";
    }

    /** The requests the server saw, oldest first, as "METHOD path". */
    private static List<String> calls() {
        List<ServeEvent> events = new ArrayList<>(server.getAllServeEvents());
        List<String> calls = new ArrayList<>();
        for (int i = events.size() - 1; i >= 0; i--) {
            calls.add(events.get(i).getRequest().getMethod() + " " + events.get(i).getRequest().getUrl());
        }
        return calls;
    }

    @Test
    void delaySeconds_roundsUpAndClampsToTwelveHours() {
        assertThat(CloudflareQueue.delaySeconds(Duration.ZERO)).isZero();
        assertThat(CloudflareQueue.delaySeconds(Duration.ofSeconds(-3))).isZero();
        assertThat(CloudflareQueue.delaySeconds(Duration.ofNanos(1))).isEqualTo(1);
        assertThat(CloudflareQueue.delaySeconds(Duration.ofMillis(1200))).isEqualTo(2);
        assertThat(CloudflareQueue.delaySeconds(Duration.ofSeconds(5))).isEqualTo(5);
        assertThat(CloudflareQueue.delaySeconds(Duration.ofHours(12))).isEqualTo(43_200);
        assertThat(CloudflareQueue.delaySeconds(Duration.ofHours(13))).isEqualTo(43_200);
        assertThat(CloudflareQueue.delaySeconds(Duration.ofDays(365_000))).isEqualTo(43_200);
    }

    @Test
    void logLines_goToTheCallersLogger_notTheSourcesNorTheClients() throws Exception {
        ListAppender<ILoggingEvent> caller = capture(CALLER);
        ListAppender<ILoggingEvent> source = capture(CloudflareQueueSource.class.getName());
        ListAppender<ILoggingEvent> client = capture(CloudflareApi.class.getName());
        server.stubFor(post(MESSAGES + "/pull").inScenario("pull").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
        server.stubFor(post(MESSAGES + "/pull").inScenario("pull").whenScenarioStateIs("up")
                .willReturn(okJson(result("{\"messages\":[{\"id\":\"no-lease\",\"body\":\"x\"},"
                        + "{\"id\":\"m2\",\"lease_id\":\"l2\",\"body\":\"y\"}]}"))));

        CloudflareQueue.Pull pull = queue.pull(10, Duration.ofMinutes(1));

        assertThat(pull.messages()).extracting(m -> m.id().orElseThrow()).containsExactly("m2");
        assertThat(caller.list).extracting(ILoggingEvent::getLevel, e -> e.getFormattedMessage().split(" ")[0])
                .containsExactly(tuple(Level.DEBUG, "rootkey.queue.api_retry"),
                        tuple(Level.WARN, "rootkey.queue.message_skipped"));
        assertThat(source.list).isEmpty();
        assertThat(client.list).isEmpty();
    }

    @Test
    void settle_publishesTheRequeuesOfEachCallBeforeItsAck_inCallsOfAHundred() throws Exception {
        server.stubFor(post(MESSAGES + "/batch").willReturn(okJson(OK_EMPTY)));
        server.stubFor(post(MESSAGES + "/ack").willReturn(okJson(result("{\"ackCount\":1,\"retryCount\":0}"))));
        List<CloudflareQueue.Settle> settles = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            String lease = "lease-" + i;
            settles.add(i == 10 || i == 120 ? CloudflareQueue.Settle.requeue(lease,
                    new Delivery.Message("json", "{\"n\":" + i + "}"))
                    : i % 2 == 0 ? CloudflareQueue.Settle.ack(lease)
                    : CloudflareQueue.Settle.retry(lease, Duration.ofMillis(1500)));
        }

        queue.settle(settles, "ack", "requeue");

        assertThat(calls()).containsExactly("POST " + MESSAGES + "/batch", "POST " + MESSAGES + "/ack",
                "POST " + MESSAGES + "/batch", "POST " + MESSAGES + "/ack");
        List<ServeEvent> events = new ArrayList<>(server.getAllServeEvents());
        JsonNode firstAck = JSON.readTree(events.get(2).getRequest().getBodyAsString());
        JsonNode secondPublish = JSON.readTree(events.get(1).getRequest().getBodyAsString());
        assertThat(firstAck.get("acks").size() + firstAck.get("retries").size()).isEqualTo(100);
        assertThat(firstAck.get("retries").get(0).get("delay_seconds").asInt()).isEqualTo(2);
        assertThat(firstAck.get("acks").findValuesAsText("lease_id")).contains("lease-10");
        assertThat(secondPublish).isEqualTo(JSON.readTree(
                "{\"messages\":[{\"body\":{\"n\":120},\"content_type\":\"json\"}]}"));
    }

    @Test
    void peek_parsesTheFixture_idAttemptsTimestampRefAndBody() throws Exception {
        server.stubFor(post(MESSAGES + "/peek").willReturn(okJson(Fixtures.read("queues-peek-response.json"))));

        List<CloudflareQueue.Message> peeked = queue.peek(100);

        server.verify(anyRequestedFor(urlEqualTo(MESSAGES + "/peek")).withRequestBody(equalToJson("{\"batch_size\":100}")));
        assertThat(peeked).singleElement().satisfies(m -> {
            assertThat(m.id()).contains("3f1c9e7a2b4d4c0e9a8b7c6d5e4f3a21");
            assertThat(m.leaseId()).isEmpty();
            assertThat(m.attempts()).isEqualTo(6);
            assertThat(m.timestampMs()).isEqualTo(1764374400000L);
            assertThat(m.contentType()).isEqualTo("json");
            assertThat(m.ref()).contains("opaque-reference-returned-by-peek-used-only-to-purge-0001");
            assertThat(m.bodyText()).startsWith("{\"account\":").contains("contracts/msa.pdf");
        });
    }

    @Test
    void consumers_areParsed_andMaxRetriesIsTheFirstThatIsSet() throws Exception {
        server.stubFor(get(QUEUE_PATH + "/consumers").willReturn(okJson(result("[{\"type\":\"worker\",\"settings\":"
                + "{\"max_retries\":-1}}," + Fixtures.read("queues-consumer-http-pull.json") + "]"))));

        List<CloudflareQueue.Consumer> consumers = queue.consumers();

        assertThat(consumers).containsExactly(
                new CloudflareQueue.Consumer(Optional.empty(), Optional.of("worker"), Optional.empty(),
                        OptionalInt.empty(), Optional.empty(), OptionalInt.empty(), Optional.empty()),
                new CloudflareQueue.Consumer(Optional.empty(), Optional.of("http_pull"), Optional.empty(),
                        OptionalInt.of(5), Optional.of("rootkey-r2-dlq-acme-1a2b3c4d"), OptionalInt.of(25),
                        Optional.of(Duration.ofMinutes(10))));
        assertThat(queue.maxRetries()).hasValue(5);
    }

    @Test
    void refusedConsumers_isAnAccessRefusedException_namingTheRolesSetting() {
        CloudflareQueue dlq = api.queue(QUEUE, CloudflareQueue.Role.DEAD_LETTERS);
        server.stubFor(get(QUEUE_PATH + "/consumers").willReturn(aResponse().withStatus(403)
                .withBody("{\"success\":false,\"errors\":[{\"code\":10000,\"message\":\"Authentication error\"}]}")));

        AccessRefusedException refused = catchThrowableOfType(AccessRefusedException.class, dlq::consumers);

        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused).hasMessageContaining("dead-letter queue " + QUEUE).hasMessageContaining("R2_DLQ_ID")
                .hasMessageContaining("CLOUDFLARE_API_TOKEN (it needs Queues read and write)");
        assertThat(calls()).hasSize(1);
    }

    @Test
    void send_putsAndDeletes_forTheEndpointsProvisioningAdds() throws Exception {
        server.stubFor(any(anyUrl()).willReturn(okJson(result("{\"id\":\"r1\"}"))));
        CloudflareApi.Resource rules = new CloudflareApi.Resource("Cloudflare R2 event notifications",
                "bucket acme-docs", "R2 write", "bucket not found", "CLOUDFLARE_ACCOUNT_ID and R2_BUCKET");
        String path = "/accounts/" + ACCOUNT + "/event_notifications/r2/" + Endpoints.pathSegment("acme-docs")
                + "/configuration/queues/" + QUEUE;

        JsonNode created = api.send("put_rule", rules, "PUT", path, "{\"rules\":[]}".getBytes(StandardCharsets.UTF_8));
        api.send("delete_rule", rules, "DELETE", path, null);

        assertThat(created.get("id").asText()).isEqualTo("r1");
        assertThat(calls()).containsExactly("PUT /client/v4" + path, "DELETE /client/v4" + path);
        assertThat(server.getAllServeEvents().get(1).getRequest().getBodyAsString()).isEqualTo("{\"rules\":[]}");
        assertThat(server.getAllServeEvents().get(0).getRequest().getBody()).isEmpty();
    }

    @Test
    void retryAfterLongerThanADay_isCappedAtADay_andEndsTheCallAtOnce() {
        server.stubFor(post(MESSAGES + "/ack").willReturn(aResponse().withStatus(429).withHeader("Retry-After",
                "999999")));

        DependencyException e = catchThrowableOfType(DependencyException.class, queue::probe);

        assertThat(e.retryAfter()).contains(Duration.ofDays(1));
        assertThat(calls()).hasSize(1);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void pull_withoutAResultObject_isADependencyException() {
        server.stubFor(post(MESSAGES + "/pull").willReturn(okJson(result("null"))));

        assertThatThrownBy(() -> queue.pull(5, Duration.ofSeconds(30))).isInstanceOf(DependencyException.class)
                .hasMessageContaining("without a result object");
    }

    @Test
    void publishJsonBatch_checksEveryBodyBeforeTheFirstCall() {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            bodies.add(i == 149 ? "{\"a\":1,\"a\":2}" : "{}");
        }

        assertThatThrownBy(() -> queue.publishJsonBatch(bodies, "publish_batch"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jsonBodies[149]");
        assertThat(calls()).isEmpty();
    }

    @Test
    void close_ofTheClientItBuilt_endsItsUse_andIsIdempotent() {
        assertThat(api.ownsHttpClient()).isTrue();

        api.close();
        api.close();

        assertThatThrownBy(queue::probe).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(calls()).isEmpty();
    }

    @Test
    void close_withUserSuppliedHttpClient_leavesItOpen() throws Exception {
        server.stubFor(get("/health").willReturn(aResponse().withStatus(200).withBody("ok")));
        HttpClient client = HttpClient.newHttpClient();
        CloudflareApi borrowing = builder().httpClient(client).build();

        borrowing.close();

        assertThat(borrowing.ownsHttpClient()).isFalse();
        HttpResponse<String> reply = client.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(reply.body()).isEqualTo("ok");
    }

    @Test
    void builder_refusesARedirectingClient_andAConnectTimeoutWithAUsersClient() {
        HttpClient redirecting = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
        assertThatThrownBy(() -> builder().httpClient(redirecting)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("followRedirects(HttpClient.Redirect.NEVER)");
        assertThatThrownBy(() -> builder().httpClient(HttpClient.newHttpClient())
                .connectTimeout(Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("connectTimeout");
    }
}
