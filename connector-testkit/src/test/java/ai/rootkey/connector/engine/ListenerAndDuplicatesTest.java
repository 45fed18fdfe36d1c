package ai.rootkey.connector.engine;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.Health;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ListenerAndDuplicatesTest {
    private final ConnectorTestKit kit = ConnectorTestKit.create();
    private final RecordingListener listener = new RecordingListener();
    private final LogCapture logs = LogCapture.connector();

    @AfterEach
    void tearDown() {
        kit.close();
        logs.close();
    }

    @Test
    void listenerExceptions_areLoggedAndIgnored() {
        for (int i = 0; i < 10; i++) {
            kit.bucket().put("f/" + i, "x");
        }
        ConnectorListener throwing = new ConnectorListener() {
            @Override
            public void onOutcome(Outcome outcome) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onHealthChanged(Health health) {
                throw new IllegalStateException("listener bug");
            }
        };
        Connector connector = kit.start(b -> b.listener(throwing).listener(listener));
        kit.runUntilIdle(connector);
        assertThat(kit.anchorer().anchoredKeys()).hasSize(10);
        assertThat(listener.of(Outcome.Kind.ANCHORED)).hasSize(10);
        assertThat(logs.lines("rootkey.listener.failed")).isNotEmpty()
                .allSatisfy(l -> assertThat(l).contains("listener bug"));
    }

    @Test
    void sameEventTwiceInFlight_isUploadedOnce_theTwinIsSkippedAsDuplicate() {
        String eTag = kit.bucket().put("dup.pdf", "content");
        ObjectEvent again = ObjectEvent.builder().bucket(kit.bucket().name()).key("dup.pdf").size(7).eTag(eTag)
                .eventTime(kit.clock().instant()).build();
        kit.queue().publish(again);
        kit.queue().publish(again);
        kit.anchorer().latency(Duration.ofMillis(100));
        Connector connector = kit.start(b -> b.listener(listener).concurrency(4));
        kit.runUntilIdle(connector);
        assertThat(kit.anchorer().calls()).isEqualTo(1);
        assertThat(kit.anchorer().maxConcurrentUploads()).isEqualTo(1);
        assertThat(listener.of(Outcome.Kind.SKIPPED)).extracting(Outcome::reason)
                .containsExactly(Outcome.DUPLICATE, Outcome.DUPLICATE);
        assertThat(kit.queue().acked()).hasSize(3);
    }

    @Test
    void sameKeyDifferentETags_areBothUploaded_oneAfterTheOther() {
        kit.bucket().put("v.pdf", "one");
        kit.bucket().put("v.pdf", "two");
        kit.anchorer().latency(Duration.ofMillis(50));
        Connector connector = kit.start(b -> b.listener(listener).concurrency(4));
        kit.runUntilIdle(connector);
        // both events read the live object (version two); the API deduplicates the second upload
        assertThat(kit.anchorer().uploads()).hasSize(2).allSatisfy(u ->
                assertThat(u.source().eTag()).isEqualTo(kit.bucket().eTag("v.pdf")));
        assertThat(kit.anchorer().duplicates()).isEqualTo(1);
    }

    @Test
    void outcomes_carryTheUploadedSourceAndReceipt() {
        String eTag = kit.bucket().put("docs/a.pdf", "content");
        kit.runUntilIdle(kit.start(b -> b.listener(listener)));
        Outcome anchored = listener.of(Outcome.Kind.ANCHORED).get(0);
        assertThat(anchored.source()).hasValueSatisfying(s -> {
            assertThat(s.key()).isEqualTo("docs/a.pdf");
            assertThat(s.eTag()).hasValue(eTag);
        });
        assertThat(anchored.receipt()).hasValueSatisfying(r -> {
            assertThat(r.status()).isEqualTo(201);
            assertThat(r.bytesSent()).isEqualTo(7);
        });
        assertThat(anchored.event()).isPresent();
        assertThat(anchored.attempt()).isEqualTo(1);
    }

    @Test
    void stats_addUp() {
        kit.bucket().put("a", "x");
        kit.bucket().put("b", "yy");
        kit.bucket().delete("b");
        kit.queue().publishText("garbage");
        Connector connector = kit.start();
        kit.runUntilIdle(connector);
        assertThat(connector.health().lastSuccess()).isPresent();
        assertThat(connector.health().backlog()).isPresent();
        connector.close(); // an idle poll reserves its ask while it runs, and stats() counts it in flight
        var stats = connector.stats();
        assertThat(stats.received()).isEqualTo(4);
        assertThat(stats.anchored()).isEqualTo(1);
        assertThat(stats.skipped()).isEqualTo(1);
        assertThat(stats.terminal()).isEqualTo(2); // garbage, and "b" gone before its read
        assertThat(stats.inFlight()).isZero();
        assertThat(stats.bytesAnchored()).isEqualTo(1);
    }
}
