package ai.rootkey.connector.r2.internal;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.r2.Fixtures;
import ai.rootkey.connector.r2.Secret;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The account's queue endpoints, a queue's settings and consumer changes, and a bucket's event notification rules,
 * on the one client, parsed from the fixtures of their published shapes.
 */
class CloudflareAdminEndpointsTest {
    private static final String ACCOUNT = "3f4b7e3dcab231cbfdaa90a6a28bd548";
    private static final String QUEUE = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
    private static final String ROOT = "/client/v4/accounts/" + ACCOUNT;
    private static final String CONFIG = ROOT + "/event_notifications/r2/acme-documents/configuration";

    @RegisterExtension
    static final WireMockExtension server = WireMockExtension.newInstance()
            .options(options().bindAddress("127.0.0.1").dynamicPort()).build();

    private CloudflareApi api;

    @BeforeEach
    void setUp() {
        api = CloudflareApi.builder().accountId(ACCOUNT).apiToken(Secret.of("cf-token"))
                .baseUrl(URI.create(server.baseUrl() + "/client/v4")).allowInsecureLoopback(true)
                .retry(CloudflareApi.Retry.once()).build();
    }

    @AfterEach
    void tearDown() {
        api.close();
    }

    private static String ok(String result) {
        return "{\"success\":true,\"errors\":[],\"messages\":[],\"result\":" + result + "}";
    }

    @Test
    void queueInfo_andTheList_readNameIdAndRetention() throws Exception {
        server.stubFor(get(ROOT + "/queues/" + QUEUE).willReturn(okJson(ok(Fixtures.read("queues-queue.json")))));
        server.stubFor(get(ROOT + "/queues").willReturn(okJson(ok("[" + Fixtures.read("queues-queue.json")
                + ",{\"queue_name\":\"no id: skipped\"}]"))));

        CloudflareQueue.Info expected = new CloudflareQueue.Info(QUEUE, "rootkey-r2-events-prod-b7e13d3f",
                Optional.of(Duration.ofDays(4)));
        assertThat(api.queue(QUEUE, CloudflareQueue.Role.EVENTS).info()).isEqualTo(expected);
        assertThat(api.accountQueues().list()).containsExactly(expected);
    }

    @Test
    void createQueue_sendsItsName_andReadsTheNewQueue() throws Exception {
        server.stubFor(post(ROOT + "/queues").willReturn(okJson(ok(Fixtures.read("queues-queue.json")))));

        assertThat(api.accountQueues().create("rootkey-r2-events-prod-b7e13d3f").id()).isEqualTo(QUEUE);
        server.verify(postRequestedFor(urlEqualTo(ROOT + "/queues"))
                .withRequestBody(equalToJson("{\"queue_name\":\"rootkey-r2-events-prod-b7e13d3f\"}")));
    }

    @Test
    void theWorkersConsumer_isReadWithItsIdAndScript_andDeletedByItsId() throws Exception {
        server.stubFor(get(ROOT + "/queues/" + QUEUE + "/consumers")
                .willReturn(okJson(ok("[" + Fixtures.read("queues-consumer-worker.json") + "]"))));
        server.stubFor(delete(ROOT + "/queues/" + QUEUE + "/consumers/5e6f708192a3b4c5d6e7f8091a2b3c4d")
                .willReturn(okJson(ok("null"))));
        CloudflareQueue queue = api.queue(QUEUE, CloudflareQueue.Role.EVENTS);

        assertThat(queue.consumers()).containsExactly(new CloudflareQueue.Consumer(
                Optional.of("5e6f708192a3b4c5d6e7f8091a2b3c4d"), Optional.of("worker"),
                Optional.of("rootkey-r2-prod-b7e13d3f"), OptionalInt.of(5), Optional.of("rootkey-r2-dlq-prod-b7e13d3f"),
                OptionalInt.of(25), Optional.empty()));
        queue.deleteConsumer("5e6f708192a3b4c5d6e7f8091a2b3c4d");
        server.verify(deleteRequestedFor(urlEqualTo(ROOT + "/queues/" + QUEUE
                + "/consumers/5e6f708192a3b4c5d6e7f8091a2b3c4d")));
    }

    @Test
    void aPullConsumer_isCreatedAndUpdated_withTheFixturesShape_andMatchedOnItsSettings() throws Exception {
        server.stubFor(post(ROOT + "/queues/" + QUEUE + "/consumers").willReturn(okJson(ok("{}"))));
        server.stubFor(put(ROOT + "/queues/" + QUEUE + "/consumers/c1").willReturn(okJson(ok("{}"))));
        CloudflareQueue.PullConsumer wanted = new CloudflareQueue.PullConsumer(25, 5, Duration.ofMinutes(10),
                Optional.of("rootkey-r2-dlq-acme-1a2b3c4d"));
        CloudflareQueue queue = api.queue(QUEUE, CloudflareQueue.Role.EVENTS);

        queue.createPullConsumer(wanted);
        queue.updatePullConsumer("c1", wanted);

        String fixture = Fixtures.read("queues-consumer-http-pull.json").replace(",\n  \"retry_delay\": 30", "");
        server.verify(postRequestedFor(urlEqualTo(ROOT + "/queues/" + QUEUE + "/consumers"))
                .withRequestBody(equalToJson(fixture)));
        server.verify(putRequestedFor(urlEqualTo(ROOT + "/queues/" + QUEUE + "/consumers/c1"))
                .withRequestBody(equalToJson(fixture)));
        server.stubFor(get(ROOT + "/queues/" + QUEUE + "/consumers")
                .willReturn(okJson(ok("[" + Fixtures.read("queues-consumer-http-pull.json") + "]"))));
        assertThat(wanted.matches(queue.consumers().get(0))).isTrue();
        assertThat(new CloudflareQueue.PullConsumer(25, 3, Duration.ofMinutes(10), Optional.empty())
                .matches(queue.consumers().get(0))).isFalse();
    }

    @Test
    void bucketRules_areReadFromTheCurrentShape_withTheJurisdictionHeader() throws Exception {
        server.stubFor(get(CONFIG).willReturn(okJson(ok(Fixtures.read("r2-event-notification-configuration.json")))));

        List<BucketNotifications.QueueRules> rules = api.bucketNotifications("acme-documents", Optional.of("eu")).get();

        assertThat(rules).containsExactly(new BucketNotifications.QueueRules(QUEUE,
                Optional.of("rootkey-r2-events-prod-b7e13d3f"), List.of(new BucketNotifications.Rule(
                        Optional.of("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
                        List.of("PutObject", "CompleteMultipartUpload", "CopyObject"), "contracts/", "",
                        Optional.empty()))));
        server.verify(getRequestedFor(urlEqualTo(CONFIG)).withHeader("cf-r2-jurisdiction", equalTo("eu")));
    }

    @Test
    void bucketRules_inTheOlderShape_areReadToo() throws Exception {
        server.stubFor(get(CONFIG).willReturn(okJson(ok("{\"acme-documents\":{\"9d8c\":{\"queue\":\"" + QUEUE
                + "\",\"rules\":[{\"prefix\":\"a/\",\"actions\":[\"PutObject\"]}]}}}"))));

        assertThat(api.bucketNotifications("acme-documents", Optional.empty()).get()).containsExactly(
                new BucketNotifications.QueueRules(QUEUE, Optional.empty(), List.of(new BucketNotifications.Rule(
                        Optional.empty(), List.of("PutObject"), "a/", "", Optional.empty()))));
    }

    @Test
    void aRule_isPutForItsQueue_andAMissingBucketSaysWhatToCheck() throws Exception {
        server.stubFor(put(CONFIG + "/queues/" + QUEUE).willReturn(okJson(ok("{}"))));
        server.stubFor(get(ROOT + "/event_notifications/r2/no-such-bucket/configuration")
                .willReturn(aResponse().withStatus(404).withBody("{\"success\":false,\"errors\":[{\"code\":10006,"
                        + "\"message\":\"The specified bucket does not exist.\"}]}")));

        api.bucketNotifications("acme-documents", Optional.empty()).put(QUEUE, List.of(new BucketNotifications.Rule(
                Optional.empty(), List.of("PutObject", "CopyObject"), "", ".pdf", Optional.of("mine"))));

        server.verify(putRequestedFor(urlEqualTo(CONFIG + "/queues/" + QUEUE)).withRequestBody(equalToJson(
                "{\"rules\":[{\"actions\":[\"PutObject\",\"CopyObject\"],\"suffix\":\".pdf\",\"description\":\"mine\"}]}")));
        assertThatThrownBy(() -> api.bucketNotifications("no-such-bucket", Optional.empty()).get())
                .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("bucket not found: check "
                        + "CLOUDFLARE_ACCOUNT_ID, R2_BUCKET and R2_JURISDICTION");
    }

    @Test
    void keysOverlap_whenPrefixesAndSuffixesAgree() {
        BucketNotifications.Rule rule = new BucketNotifications.Rule(Optional.empty(), List.of("PutObject"),
                "docs/", ".pdf", Optional.empty());

        assertThat(rule.keysOverlap("", "")).isTrue();
        assertThat(rule.keysOverlap("docs/2025/", "")).isTrue();
        assertThat(rule.keysOverlap("docs/", "a.pdf")).isTrue();
        assertThat(rule.keysOverlap("img/", "")).isFalse();
        assertThat(rule.keysOverlap("docs/", ".png")).isFalse();
    }
}
