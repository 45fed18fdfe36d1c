package ai.rootkey.connector.engine;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Health;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.LogCapture;
import ai.rootkey.connector.testkit.QueueEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class CredentialPauseTest {
    private final ConnectorTestKit kit = ConnectorTestKit.create();
    private final RecordingListener listener = new RecordingListener();
    private final LogCapture logs = LogCapture.connector();

    @AfterEach
    void tearDown() {
        kit.close();
        logs.close();
    }

    @Test
    void revokedApiKey_causesZeroAcks_pausesAndReportsDown_thenResumesOnceFixed() {
        for (int i = 0; i < 20; i++) {
            kit.bucket().put("docs/" + i, "content " + i);
        }
        kit.anchorer().refuseCredentials();
        Connector connector = kit.start(b -> b.listener(listener).concurrency(4).batchSize(5));

        Await.until(() -> connector.health().status() == Health.Status.DOWN, Duration.ofSeconds(10), "paused");
        assertThat(connector.health().reason()).contains("ROOTKey API rejects the API key (401)")
                .contains("ROOTKEY_API_KEY");
        // Stay paused a while: probes keep failing, nothing is acked, nothing goes to the DLQ.
        long callsWhilePaused = kit.anchorer().calls();
        Await.until(() -> kit.queue().inFlight() == 0, Duration.ofSeconds(10), "held deliveries released");
        assertThat(kit.queue().acked()).isEmpty();
        assertThat(kit.queue().deadLettered()).isEmpty();
        assertThat(kit.anchorer().calls()).isLessThanOrEqualTo(callsWhilePaused + 0);
        assertThat(listener.of(Outcome.Kind.RELEASED)).isNotEmpty()
                .allSatisfy(o -> assertThat(o.reason()).isEqualTo("paused"));
        assertThat(listener.of(Outcome.Kind.TERMINAL)).isEmpty();
        assertThat(logs.lines("rootkey.connector.paused")).hasSize(1);

        kit.anchorer().acceptCredentials();
        kit.runUntilIdle(connector);
        assertThat(kit.anchorer().anchoredKeys()).hasSize(20);
        assertThat(kit.queue().deadLettered()).isEmpty();
        assertThat(connector.health().status()).isEqualTo(Health.Status.UP);
        assertThat(listener.healthChanges()).extracting(Health::status)
                .containsSubsequence(Health.Status.UP, Health.Status.DOWN, Health.Status.UP);
        assertThat(logs.lines("rootkey.connector.resumed")).hasSize(1);
    }

    @Test
    void a401Answer_pausesWithoutAcking_andTheProbeResumes() {
        kit.bucket().put("a.pdf", "content");
        kit.anchorer().failNext(1, Fault.status(401));
        Connector connector = kit.start(b -> b.listener(listener));
        kit.runUntilIdle(connector);
        assertThat(kit.anchorer().anchoredKeys()).containsExactly("a.pdf");
        assertThat(listener.of(Outcome.Kind.RELEASED)).hasSize(1);
        assertThat(listener.of(Outcome.Kind.TERMINAL)).isEmpty();
    }

    @Test
    void deniedBucketAccess_pausesWithoutAcking_thenResumes() {
        for (int i = 0; i < 5; i++) {
            kit.bucket().put("docs/" + i, "content");
        }
        kit.bucket().refuseCredentials();
        Connector connector = kit.start(b -> b.listener(listener));
        Await.until(() -> connector.health().status() == Health.Status.DOWN, Duration.ofSeconds(10), "paused");
        assertThat(connector.health().reason()).contains("AccessDenied");
        Await.until(() -> kit.queue().inFlight() == 0, Duration.ofSeconds(10), "released");
        assertThat(kit.queue().acked()).isEmpty();
        kit.bucket().acceptCredentials();
        kit.runUntilIdle(connector);
        assertThat(kit.anchorer().anchoredKeys()).hasSize(5);
    }

    @Test
    void refusedQueueToken_pausesReceiving_andResumes() {
        kit.bucket().put("a.pdf", "content");
        kit.queue().failNext(QueueEndpoint.PULL, 3, Fault.exception(() -> new IOException("", new ConfigurationException(
                "the queue API rejects the token (HTTP 403): check CLOUDFLARE_API_TOKEN"))));
        Connector connector = kit.start(b -> b.listener(listener));
        kit.runUntilIdle(connector);
        assertThat(kit.anchorer().anchoredKeys()).containsExactly("a.pdf");
        assertThat(listener.healthChanges()).extracting(Health::status).contains(Health.Status.DOWN);
    }

    @Test
    void refusedQueueCredentials_pauseReceiving_untilAccepted() {
        kit.bucket().put("a.pdf", "content");
        kit.queue().refuseCredentials();
        Connector connector = kit.start(b -> b.listener(listener));
        Await.until(() -> connector.health().status() == Health.Status.DOWN, Duration.ofSeconds(10), "paused");
        assertThat(connector.health().reason()).contains("CLOUDFLARE_API_TOKEN");
        assertThat(kit.queue().deliveries()).isZero();
        kit.queue().acceptCredentials();
        kit.runUntilIdle(connector);
        assertThat(kit.anchorer().anchoredKeys()).containsExactly("a.pdf");
        assertThat(connector.health().status()).isEqualTo(Health.Status.UP);
    }

    @Test
    void transientQueueFailures_degradeHealth_thenRecover() {
        kit.queue().failNext(QueueEndpoint.PULL, 4, Fault.exception(() -> new IOException("503 from the queue API")));
        Connector connector = kit.start(b -> b.listener(listener).idleBackoff(Duration.ofMillis(1), Duration.ofMillis(5)));
        Await.until(() -> listener.healthChanges().stream().anyMatch(h -> h.status() == Health.Status.DEGRADED),
                Duration.ofSeconds(10), "degraded");
        Health degraded = listener.healthChanges().stream().filter(h -> h.status() == Health.Status.DEGRADED)
                .findFirst().orElseThrow();
        assertThat(degraded.reason()).startsWith("queue pull failing: io_error for");
        Await.until(() -> connector.health().status() == Health.Status.UP, Duration.ofSeconds(10), "recovered");
    }
}
