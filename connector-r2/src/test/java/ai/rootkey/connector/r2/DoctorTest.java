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
        URI local = URI.create(server.baseUrl());
        return R2ConnectorConfig.builder().accountId(ACCOUNT).apiToken(Secret.of("cf-token"))
                .apiBaseUrl(URI.create(server.baseUrl() + "/client/v4")).queueId(EVENTS).dlqId(DLQ)
                .bucket("acme-docs").accessKeyId("AKIAEXAMPLE").secretAccessKey(Secret.of("r2-secret"))
                .r2Endpoint(local).rootkeyApiUrl(local).rootkeyApiKey(Secret.of("rk-key"))
                .allowInsecureLoopback(true).build();
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
}
