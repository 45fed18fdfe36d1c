package ai.rootkey.connector.r2;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.util.List;
import java.util.Optional;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/** The doctor's queue rows, on the one queue client, against a scripted Cloudflare API. */
class DoctorTest {
    private static final String ACCOUNT = "3f4b7e3dcab231cbfdaa90a6a28bd548";
    private static final String EVENTS = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    private static final String DLQ = "fedcba9876543210fedcba9876543210";
    private static final String QUEUES = "/client/v4/accounts/" + ACCOUNT + "/queues/";
    private static final String ACK_OK = "{\"success\":true,\"errors\":[],\"messages\":[],"
            + "\"result\":{\"ackCount\":0,\"retryCount\":0,\"warnings\":[]}}";

    @RegisterExtension
    static final WireMockExtension server = WireMockExtension.newInstance()
            .options(options().bindAddress("127.0.0.1").dynamicPort()).build();


    @BeforeEach
    void setUp() {
        server.stubFor(post(QUEUES + EVENTS + "/messages/ack").willReturn(okJson(ACK_OK)));
        server.stubFor(post(QUEUES + DLQ + "/messages/ack").willReturn(okJson(ACK_OK)));
    }

    private static R2ConnectorConfig config() {
        return configBuilder().build();
    }

    private static R2ConnectorConfig.Builder configBuilder() {
        URI local = URI.create(server.baseUrl());
        return R2ConnectorConfig.builder().accountId(ACCOUNT).apiToken(Secret.of("cf-token"))
                .apiBaseUrl(URI.create(server.baseUrl() + "/client/v4")).queueId(EVENTS).dlqId(DLQ)
                .bucket("acme-docs").accessKeyId("AKIAEXAMPLE").secretAccessKey(Secret.of("r2-secret"))
                .r2Endpoint(local).rootkeyApiUrl(local).rootkeyApiKey(Secret.of("rk-key"))
                .allowInsecureLoopback(true);
    }

    private static final String RULES = "/client/v4/accounts/" + ACCOUNT
            + "/event_notifications/r2/acme-docs/configuration";

    private static String ok(String result) {
        return "{\"success\":true,\"errors\":[],\"messages\":[],\"result\":" + result + "}";
    }

    private static void retention(long seconds) {
        server.stubFor(get(QUEUES + EVENTS).willReturn(okJson(ok("{\"queue_id\":\"" + EVENTS + "\","
                + "\"queue_name\":\"rootkey-r2-events-prod-1a2b3c4d\",\"settings\":{\"message_retention_period\":"
                + seconds + "}}"))));
    }

    /** The fixture's rule (prefix "contracts/", the three create actions), pointed at the doctor's queue. */
    private static void moduleRule(String... actions) {
        String rule = Fixtures.read("r2-event-notification-configuration.json")
                .replace("a1b2c3d4e5f60718293a4b5c6d7e8f90", EVENTS);
        if (actions.length > 0) {
            rule = rule.replace("[\"PutObject\", \"CompleteMultipartUpload\", \"CopyObject\"]",
                    "[\"" + String.join("\",\"", actions) + "\"]");
        }
        server.stubFor(get(RULES).willReturn(okJson(ok(rule))));
    }

    private static Doctor.Check row(List<Doctor.Check> checks, String name) {
        return checks.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    private static String consumers(String... consumers) {
        return "{\"success\":true,\"errors\":[],\"messages\":[],\"result\":[" + String.join(",", consumers) + "]}";
    }

    @Test
    void theExpectedConsumer_isOkInEveryQueueRow_andTheDlqShowsItsMaxRetries() {
        server.stubFor(get(QUEUES + EVENTS + "/consumers")
                .willReturn(okJson(consumers(Fixtures.read("queues-consumer-http-pull.json")))));
        server.stubFor(get(QUEUES + DLQ + "/consumers")
                .willReturn(okJson(consumers("{\"type\":\"http_pull\",\"settings\":{\"max_retries\":100}}"))));

        List<Doctor.Check> checks = Doctor.check(config());

        assertThat(row(checks, "queue reachable").status()).isEqualTo(Doctor.Status.OK);
        assertThat(row(checks, "queue consumer").detail()).isEqualTo("http_pull");
        assertThat(row(checks, "queue max_retries").detail()).startsWith("max_retries=5");
        assertThat(row(checks, "queue dead-letter queue").detail()).isEqualTo("\"rootkey-r2-dlq-acme-1a2b3c4d\"");
        assertThat(row(checks, "R2_DLQ_ID").detail()).endsWith("consumer max_retries=100");
        assertThat(row(checks, "R2_DLQ_ID").status()).isEqualTo(Doctor.Status.OK);
    }

    @Test
    void consumerSettingsTheTokenMayNotRead_skipTheirRows_withTheStatus() {
        server.stubFor(get(QUEUES + EVENTS + "/consumers").willReturn(aResponse().withStatus(403)));
        server.stubFor(get(QUEUES + DLQ + "/consumers").willReturn(aResponse().withStatus(403)));

        List<Doctor.Check> checks = Doctor.check(config());

        for (String name : List.of("queue consumer", "queue max_retries", "queue dead-letter queue")) {
            assertThat(row(checks, name)).isEqualTo(new Doctor.Check(name, Doctor.Status.SKIPPED,
                    "skipped: token may not read consumer settings (HTTP 403)", Optional.empty()));
        }
        assertThat(row(checks, "R2_DLQ_ID").status()).as("reachable, max_retries unknown").isEqualTo(Doctor.Status.OK);
        assertThat(row(checks, "R2_DLQ_ID").detail()).doesNotContain("max_retries");
    }

    @Test
    void aMissingDeadLetterQueue_failsNamingR2DlqId() {
        server.stubFor(post(QUEUES + DLQ + "/messages/ack").willReturn(aResponse().withStatus(404)));

        Doctor.Check dlq = row(Doctor.check(config()), "R2_DLQ_ID");

        assertThat(dlq.status()).isEqualTo(Doctor.Status.FAIL);
        assertThat(dlq.detail()).isEqualTo("queue not found");
        assertThat(dlq.fix()).contains("check CLOUDFLARE_ACCOUNT_ID and R2_DLQ_ID (HTTP 404 for dead-letter queue "
                + DLQ + " of account " + ACCOUNT + ")");
    }

    @Test
    void retention_ofFourDays_isOk_sayingHowLongAPauseMayLast() {
        retention(345_600);

        Doctor.Check row = row(Doctor.check(config()), "queue message retention");

        assertThat(row.status()).isEqualTo(Doctor.Status.OK);
        assertThat(row.detail()).isEqualTo("message_retention_period=345600 (4 d): a paused connector may wait up to "
                + "3 d 23 h 45 min for its credentials to be fixed without losing events");
    }

    @Test
    void retention_underADay_warns_andAtMost15Minutes_fails() {
        retention(3600);
        Doctor.Check hour = row(Doctor.check(config()), "queue message retention");
        retention(900);
        Doctor.Check quarter = row(Doctor.check(config()), "queue message retention");

        assertThat(hour.status()).isEqualTo(Doctor.Status.WARN);
        assertThat(hour.detail()).contains("a pause on refused credentials that lasts more than 45 min");
        assertThat(hour.fix()).hasValue("raise it: wrangler queues update rootkey-r2-events-prod-1a2b3c4d "
                + "--message-retention-period-secs 345600 (4 days, Cloudflare's default; up to 14 days)");
        assertThat(quarter.status()).isEqualTo(Doctor.Status.FAIL);
        assertThat(quarter.detail()).contains("events can expire before a paused connector's next probe");
    }

    @Test
    void retention_theTokenMayNotRead_isSkipped() {
        server.stubFor(get(QUEUES + EVENTS).willReturn(aResponse().withStatus(403)));

        assertThat(row(Doctor.check(config()), "queue message retention").status())
                .isEqualTo(Doctor.Status.SKIPPED);
    }

    @Test
    void notifications_theModulesRuleForThePrefix_isOk() {
        moduleRule();

        Doctor.Check row = row(Doctor.check(configBuilder().prefix("contracts/").build()),
                "bucket event notifications");

        assertThat(row.status()).isEqualTo(Doctor.Status.OK);
        assertThat(row.detail()).isEqualTo("PutObject, CompleteMultipartUpload, CopyObject for keys under "
                + "\"contracts/\" -> queue " + EVENTS);
    }

    @Test
    void notifications_aRuleForALongerPrefixThanR2Prefix_warns() {
        moduleRule();

        Doctor.Check row = row(Doctor.check(config()), "bucket event notifications");

        assertThat(row.status()).isEqualTo(Doctor.Status.WARN);
        assertThat(row.detail()).isEqualTo("the rules announce only keys under \"contracts/\", not every key "
                + "(R2_PREFIX)");
    }

    @Test
    void notifications_aMissingCreateAction_fails_namingIt() {
        moduleRule("PutObject", "DeleteObject");

        Doctor.Check row = row(Doctor.check(configBuilder().prefix("contracts/q3/").build()),
                "bucket event notifications");

        assertThat(row.status()).isEqualTo(Doctor.Status.FAIL);
        assertThat(row.detail()).isEqualTo("the rules send PutObject for keys under \"contracts/q3/\" but not "
                + "CompleteMultipartUpload, CopyObject: objects written that way are not anchored");
    }

    @Test
    void notifications_noRuleToTheQueue_fails_namingWhereTheRulesSend() {
        server.stubFor(get(RULES).willReturn(okJson(ok(Fixtures.read("r2-event-notification-configuration.json")))));

        Doctor.Check row = row(Doctor.check(config()), "bucket event notifications");

        assertThat(row.status()).isEqualTo(Doctor.Status.FAIL);
        assertThat(row.detail()).isEqualTo("no rule of bucket \"acme-docs\" sends events to queue " + EVENTS
                + " (its rules send to rootkey-r2-events-prod-b7e13d3f): new objects are not announced");
        assertThat(row.fix()).hasValueSatisfying(f -> assertThat(f).startsWith("run provision"));
    }

    @Test
    void notifications_theTokenMayNotRead_isSkipped() {
        server.stubFor(get(RULES).willReturn(aResponse().withStatus(403)));

        Doctor.Check row = row(Doctor.check(config()), "bucket event notifications");

        assertThat(row.status()).isEqualTo(Doctor.Status.SKIPPED);
        assertThat(row.detail()).contains("HTTP 403").contains("Workers R2 Storage read");
    }
}
