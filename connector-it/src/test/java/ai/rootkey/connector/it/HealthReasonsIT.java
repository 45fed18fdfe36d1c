package ai.rootkey.connector.it;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.Health;
import ai.rootkey.connector.r2.CloudflareQueueSource;
import ai.rootkey.connector.r2.R2ObjectReader;
import ai.rootkey.connector.r2.RootkeyAnchorer;
import ai.rootkey.connector.r2.Secret;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.FakeCloudflareQueues;
import ai.rootkey.connector.testkit.FakeRootkeyApi;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.QueueConsumerSettings;
import ai.rootkey.connector.testkit.QueueEndpoint;
import ai.rootkey.connector.testkit.RecordingAnchorer;
import ai.rootkey.connector.testkit.TestClock;
import ai.rootkey.connector.r2.R2EventCodec;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.testkit.InMemoryBucket;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;

/** The example reasons of issue 7 come out of {@link Connector#health()} for real, with the real clients. */
class HealthReasonsIT {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void rootkeyApiRefusingTheKey_isDownWithTheReasonAndTheFix() {
        try (ConnectorTestKit kit = ConnectorTestKit.create();
             FakeRootkeyApi api = FakeRootkeyApi.builder().build().start();
             RootkeyAnchorer anchorer = RootkeyAnchorer.builder().apiUrl(api.baseUrl())
                     .allowInsecureLoopbackForTesting(true).apiKey(Secret.of("revoked-key")).build()) {
            kit.bucket().put("docs/a.pdf", "content");
            Connector connector = kit.start(b -> b.anchorer(anchorer).probeInterval(Duration.ofSeconds(30)));

            Health health = Await.until(connector::health, h -> h.status() == Health.Status.DOWN
                    && h.reason().contains("ROOTKey"), WAIT);

            assertThat(health.reason()).isEqualTo("the ROOTKey API rejects the API key (401): check ROOTKEY_API_KEY");
            assertThat(health.lastSuccess()).isEmpty();
            assertThat(kit.queue().acked()).isEmpty();
        }
    }

    @Test
    void r2AccessDenied_isDownNamingTheBucket() {
        WireMockServer r2 = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        r2.start();
        try (ConnectorTestKit kit = ConnectorTestKit.builder().bucket("acme-docs").build();
             R2ObjectReader reader = R2ObjectReader.builder().endpoint(URI.create(r2.baseUrl()))
                     .allowInsecureLoopbackForTesting(true).accessKeyId("key-id").secretAccessKey(Secret.of("secret"))
                     .maxAttempts(1).build()) {
            r2.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(403).withHeader("Content-Type", "application/xml")
                    .withBody("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code>"
                            + "<Message>Access Denied</Message></Error>")));
            kit.bucket().put("docs/a.pdf", "content");
            Connector connector = kit.start(b -> b.reader(reader).probeInterval(Duration.ofSeconds(30)));

            Health health = Await.until(connector::health, h -> h.status() == Health.Status.DOWN
                    && h.reason().startsWith("R2"), WAIT);

            assertThat(health.reason()).startsWith("R2 AccessDenied on bucket \"acme-docs\" (HTTP 403): check that "
                    + "the token behind R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY may read R2_BUCKET");
            assertThat(kit.queue().acked()).isEmpty();
        } finally {
            r2.stop();
        }
    }

    @Test
    void queuePullAnswering503_isDegradedForHowLong_andHealthCarriesTheQueueLag() {
        TestClock clock = TestClock.at(Instant.parse("2025-03-01T10:00:00Z"));
        InMemoryBucket bucket = InMemoryBucket.named("acme-docs", clock);
        RecordingAnchorer anchorer = RecordingAnchorer.create();
        try (FakeCloudflareQueues fake = FakeCloudflareQueues.builder().clock(clock).build().start()) {
            String queueId = fake.createQueue("events", QueueConsumerSettings.defaults().withMaxRetries(5));
            R2EventCodec codec = R2EventCodec.standard();
            for (int i = 0; i < 3; i++) {
                String key = "docs/" + i + ".pdf";
                String eTag = bucket.put(key, "content " + i);
                fake.publish(queueId, codec.toJson(ObjectEvent.builder().bucket("acme-docs").key(key).size(9)
                        .eTag(eTag).eventTime(clock.instant()).build(), fake.accountId()));
            }
            // Every upload fails transiently: the three messages wait in the queue under retry delays.
            anchorer.faultRate(1.0, Fault.status(503));
            clock.advance(Duration.ofMinutes(3));
            try (CloudflareQueueSource source = CloudflareQueueSource.builder().accountId(fake.accountId())
                    .queueId(queueId).apiToken(Secret.of(fake.token())).baseUrl(fake.baseUrl())
                    .allowInsecureLoopbackForTesting(true).apiRetry(1, Duration.ZERO, Duration.ZERO).clock(clock)
                    .build();
                 Connector connector = Connector.builder().source(source).reader(bucket).anchorer(anchorer)
                         .bucket("acme-docs").clock(clock).randomSeed(7)
                         .idleBackoff(Duration.ofMillis(1), Duration.ofMillis(5)).build().start()) {
                Await.until(() -> anchorer.calls() >= 3 && fake.queue(queueId).inFlight().isEmpty(), WAIT,
                        "three failed uploads handed back");
                Health lagging = Await.until(connector::health, h -> h.backlogMessages().orElse(0) == 3, WAIT);
                assertThat(lagging.reason()).startsWith("ROOTKey API uploads failing: 503 for");
                assertThat(lagging.oldestMessageAge()).contains(Duration.ofMinutes(3));

                fake.faultRate(QueueEndpoint.PULL, 1.0, Fault.status(503));
                Await.until(connector::health, h -> h.reason().startsWith("queue pull"), WAIT);
                clock.advance(Duration.ofMinutes(2));
                Health degraded = connector.health();

                assertThat(degraded.status()).isEqualTo(Health.Status.DEGRADED);
                assertThat(degraded.reason()).matches("queue pull failing: 503 for 2 min \\(\\d+ consecutive failures\\)");
                assertThat(degraded.backlogMessages()).hasValue(3);
                assertThat(degraded.oldestMessageAge()).contains(Duration.ofMinutes(5));

                fake.clearFaults();
                Await.until(connector::health, h -> !h.reason().startsWith("queue pull"), WAIT);
            }
        }
    }
}
