package ai.rootkey.connector.engine;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Anchorer;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.Health;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.LogCapture;
import ai.rootkey.connector.testkit.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DESIGN section 4 rule 11: the engine does not start reading or uploading a delivery with less than a safety
 * margin of its lease left, and reports an upload that outlives its lease.
 */
class LeaseDeadlineTest {
    private static final Duration LEASE = Duration.ofSeconds(60);

    private final ConnectorTestKit kit = ConnectorTestKit.builder().visibilityTimeout(LEASE).build();
    private final RecordingListener listener = new RecordingListener();
    private final LogCapture logs = LogCapture.connector();

    @AfterEach
    void tearDown() {
        kit.close();
        logs.close();
    }

    @Test
    void deliveriesQueuedBehindASlowUpload_withLessThanTheMarginLeft_areHandedBackUnread() {
        for (int i = 0; i < 4; i++) {
            kit.bucket().put("docs/" + i + ".pdf", "content " + i);
        }
        // The first upload takes 55 s of the 60 s lease: the three queued behind it have 5 s left, under the 10 s
        // default margin.
        SlowAnchorer slow = new SlowAnchorer(kit.anchorer(), kit.clock(), Duration.ofSeconds(55), 1);
        Connector connector = kit.start(b -> b.anchorer(slow).listener(listener).concurrency(1).batchSize(4));
        kit.runUntilIdle(connector);

        assertThat(listener.of(Outcome.Kind.RELEASED)).hasSize(3)
                .allSatisfy(o -> assertThat(o.reason()).isEqualTo(Outcome.LEASE_TOO_SHORT));
        assertThat(kit.anchorer().calls()).as("no upload started on a lease about to end").isEqualTo(4);
        assertThat(kit.anchorer().anchoredKeys()).hasSize(4).doesNotHaveDuplicates();
        assertThat(connector.stats().leaseExpired()).isZero();
        assertThat(kit.queue().deadLettered()).isEmpty();
    }

    @Test
    void aMarginOfZero_turnsTheCheckOff() {
        for (int i = 0; i < 3; i++) {
            kit.bucket().put("docs/" + i + ".pdf", "content " + i);
        }
        SlowAnchorer slow = new SlowAnchorer(kit.anchorer(), kit.clock(), Duration.ofSeconds(55), 1);
        Connector connector = kit.start(b -> b.anchorer(slow).listener(listener).concurrency(1).batchSize(3)
                .leaseSafetyMargin(Duration.ZERO));
        kit.runUntilIdle(connector);
        assertThat(listener.of(Outcome.Kind.RELEASED)).isEmpty();
        assertThat(kit.anchorer().anchoredKeys()).hasSize(3);
    }

    @Test
    void uploadsThatOutliveTheirLease_areLoggedAndCounted_andHealthDegradesWithTheFix() {
        for (int i = 0; i < 3; i++) {
            kit.bucket().put("docs/" + i + ".pdf", "content " + i);
        }
        SlowAnchorer slow = new SlowAnchorer(kit.anchorer(), kit.clock(), Duration.ofSeconds(70), Integer.MAX_VALUE);
        Connector connector = kit.start(b -> b.anchorer(slow).listener(listener).concurrency(1).batchSize(1));
        Await.until(() -> connector.stats().leaseExpired() >= 3, Duration.ofSeconds(20), "three late uploads");

        assertThat(logs.lines("rootkey.event.lease_expired")).hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(l -> assertThat(l).contains("over_ms=10000").contains("lease_ms=60000"));
        Await.until(() -> connector.health().status() == Health.Status.DEGRADED, Duration.ofSeconds(5),
                "degraded after repeated late uploads");
        assertThat(connector.health().reason()).contains("outlive their queue lease")
                .contains("raise the queue's visibility timeout or lower the concurrency");
    }

    /** Moves the test clock forward by {@code takes} during each of its first {@code slowCalls} uploads. */
    private static final class SlowAnchorer implements Anchorer {
        private final Anchorer delegate;
        private final TestClock clock;
        private final Duration takes;
        private int slowCalls;

        SlowAnchorer(Anchorer delegate, TestClock clock, Duration takes, int slowCalls) {
            this.delegate = delegate;
            this.clock = clock;
            this.takes = takes;
            this.slowCalls = slowCalls;
        }

        @Override
        public Receipt anchor(AnchorRequest request) throws IOException {
            synchronized (this) {
                if (slowCalls > 0) {
                    slowCalls--;
                    clock.advance(takes);
                }
            }
            return delegate.anchor(request);
        }
    }
}
