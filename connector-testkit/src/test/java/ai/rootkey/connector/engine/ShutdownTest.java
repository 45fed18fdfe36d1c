package ai.rootkey.connector.engine;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.InMemoryQueue;
import ai.rootkey.connector.testkit.QueueMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class ShutdownTest {
    private final ConnectorTestKit kit = ConnectorTestKit.builder().retainContent(false).build();
    private final RecordingListener listener = new RecordingListener();

    @AfterEach
    void tearDown() {
        kit.close();
    }

    @Test
    void closeUnderLoad_losesNothing_everyDeliveryIsAckedAfterSuccessOrReleased() {
        int n = 400;
        for (int i = 0; i < n; i++) {
            kit.bucket().put("load/" + i, "content " + i);
        }
        kit.anchorer().latency(Duration.ofMillis(3));
        Connector connector = kit.start(b -> b.listener(listener).concurrency(8).batchSize(20));
        Await.until(() -> connector.stats().anchored() >= 50, Duration.ofSeconds(20), "some progress");
        connector.close();

        // Nothing leased any more: every message is either acked or back in the queue.
        assertThat(kit.queue().inFlight()).isZero();
        Set<String> ackedKeys = kit.queue().acked().stream().map(m -> keyOf(m)).collect(Collectors.toSet());
        Set<String> anchored = new HashSet<>(kit.anchorer().anchoredKeys());
        assertThat(anchored).containsAll(ackedKeys);
        assertThat(ackedKeys.size() + kit.queue().backlog()).isEqualTo(n);
        assertThat(listener.of(Outcome.Kind.RELEASED)).allSatisfy(o -> assertThat(o.reason()).isEqualTo("shutdown"));
        assertThat(connector.stats().inFlight()).isZero();
        assertThat(connector.stats().received())
                .isEqualTo(connector.stats().anchored() + connector.stats().released());

        // A new instance finishes the job.
        Connector second = kit.start();
        kit.runUntilIdle(second);
        assertThat(kit.anchorer().anchoredKeys()).hasSize(n);
        assertThat(kit.queue().deadLettered()).isEmpty();
    }

    @Test
    void close_waitsForInFlightUploads_withinTheDrainTimeout() {
        kit.bucket().put("slow.pdf", "content");
        kit.anchorer().latency(Duration.ofMillis(300));
        Connector connector = kit.start(b -> b.listener(listener).drainTimeout(Duration.ofSeconds(10)));
        Await.until(() -> kit.anchorer().calls() == 1, Duration.ofSeconds(5), "upload started");
        connector.close();
        assertThat(listener.of(Outcome.Kind.ANCHORED)).hasSize(1);
        assertThat(kit.queue().acked()).hasSize(1);
    }

    @Test
    void close_releasesUploadsStillRunningAfterTheDrainTimeout() {
        kit.bucket().put("stuck.pdf", "content");
        kit.anchorer().latency(Duration.ofSeconds(3));
        Connector connector = kit.start(b -> b.listener(listener).drainTimeout(Duration.ofMillis(100)));
        Await.until(() -> kit.anchorer().calls() == 1, Duration.ofSeconds(5), "upload started");
        long start = System.nanoTime();
        connector.close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(listener.of(Outcome.Kind.RELEASED)).singleElement()
                .satisfies(o -> assertThat(o.reason()).isEqualTo("drain_timeout"));
        assertThat(kit.queue().acked()).isEmpty();
        assertThat(kit.queue().inFlight()).isZero();
        assertThat(kit.queue().visible()).isEqualTo(1);
    }

    @Test
    void close_isIdempotent_andConcurrentClosesWaitForEachOther() throws Exception {
        kit.bucket().put("a.pdf", "x");
        Connector connector = kit.start();
        kit.runUntilIdle(connector);
        Thread other = new Thread(connector::close);
        other.start();
        connector.close();
        other.join(10_000);
        assertThat(other.isAlive()).isFalse();
        connector.close();
    }

    private static String keyOf(QueueMessage m) {
        return ai.rootkey.connector.r2.R2EventCodec.standard().parse(m.body()).key();
    }

    @SuppressWarnings("unused")
    private static List<String> keys(List<QueueMessage> messages) {
        return messages.stream().map(ShutdownTest::keyOf).toList();
    }
}
