package ai.rootkey.connector.engine;

import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.QueueEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Pulling ahead: several receives under way at once where the source allows it, within the same lease budget. */
class ConcurrentReceivesTest {
    private final ConnectorTestKit kit = ConnectorTestKit.builder().retainContent(false).build();
    private final AtomicLong decided = new AtomicLong();
    private final ConnectorListener counting = new ConnectorListener() {
        @Override
        public void onOutcome(Outcome outcome) {
            decided.incrementAndGet();
        }
    };

    @AfterEach
    void tearDown() {
        kit.close();
    }

    @Test
    void backlog_isPulledAhead_withSeveralReceivesAtOnce_withinTheLeaseBudget() {
        put(300);
        kit.queue().faultRate(QueueEndpoint.PULL, 1.0, Fault.latency(Duration.ofMillis(20)));
        kit.anchorer().latency(Duration.ofMillis(2));
        CountingSource source = new CountingSource(kit.queue(), decided::get, 4);
        Connector connector = kit.start(b -> b.source(source).concurrency(8).batchSize(5)
                .settleEvery(4, Duration.ofSeconds(30)).listener(counting));
        kit.runUntilIdle(connector);

        assertThat(kit.anchorer().anchoredKeys()).hasSize(300);
        assertThat(kit.queue().deadLettered()).isEmpty();
        assertThat(source.maxConcurrentReceiveCalls()).isBetween(2, 4);
        // ahead of the 8 workers: max(batch 5, min(concurrency 8, 4 receives × 5)) = 8; what is being received counts
        assertThat(source.maxUndecided()).isLessThanOrEqualTo(8 + 8);
        assertThat(source.maxHeld()).isLessThanOrEqualTo(8 + 8 + 4 * 4); // one settle batch per settle at once
        assertThat(source.largestAsk()).isLessThanOrEqualTo(5);
    }

    /** A slow ack call does not cap the rate: full settle batches go out side by side, within the held budget. */
    @Test
    void slowAcks_goOutSideBySide() {
        put(300);
        kit.queue().faultRate(QueueEndpoint.ACK, 1.0, Fault.latency(Duration.ofMillis(30)));
        CountingSource source = new CountingSource(kit.queue(), decided::get, 4);
        Connector connector = kit.start(b -> b.source(source).concurrency(16).batchSize(10)
                .settleEvery(10, Duration.ofSeconds(30)).listener(counting));
        kit.runUntilIdle(connector);

        assertThat(kit.queue().acked()).hasSize(300);
        assertThat(source.maxConcurrentSettleCalls()).isBetween(2, 4);
        assertThat(source.maxHeld()).isLessThanOrEqualTo(16 + 16 + 10 * 4);
    }

    @Test
    void plainSource_neverSeesTwoSettlesAtOnce() {
        put(150);
        kit.queue().faultRate(QueueEndpoint.ACK, 1.0, Fault.latency(Duration.ofMillis(10)));
        CountingSource source = new CountingSource(kit.queue(), decided::get);
        Connector connector = kit.start(b -> b.source(source).concurrency(16).batchSize(10)
                .settleEvery(10, Duration.ofSeconds(30)).listener(counting));
        kit.runUntilIdle(connector);

        assertThat(kit.queue().acked()).hasSize(150);
        assertThat(source.maxConcurrentSettleCalls()).isEqualTo(1);
    }

    /**
     * A failed ack call holds every settle thread back for its wait (here the queue's Retry-After of 1 s): the others
     * do not hammer a failing queue meanwhile.
     */
    @Test
    void failedAck_holdsEverySettleThreadBack_forTheWait() {
        put(200);
        kit.queue().failNext(QueueEndpoint.ACK, 1, Fault.status(429, Duration.ofSeconds(1)));
        CountingSource source = new CountingSource(kit.queue(), decided::get, 4);
        Connector connector = kit.start(b -> b.source(source).concurrency(16).batchSize(10)
                .settleEvery(10, Duration.ofSeconds(30)).listener(counting));
        kit.runUntilIdle(connector);

        assertThat(kit.queue().acked()).hasSize(200);
        List<CountingSource.SettleCall> calls = source.settleCallLog();
        CountingSource.SettleCall failed = calls.stream().filter(CountingSource.SettleCall::failed).findFirst()
                .orElseThrow();
        assertThat(calls).filteredOn(CountingSource.SettleCall::failed).hasSize(1);
        long waitNanos = Duration.ofSeconds(1).toNanos();
        assertThat(calls).filteredOn(c -> c.startNanos() > failed.endNanos())
                .isNotEmpty()
                .allSatisfy(c -> assertThat(c.startNanos() - failed.endNanos())
                        .as("a settle call started before the queue's Retry-After was over")
                        .isGreaterThanOrEqualTo(waitNanos));
    }

    /** Few workers: no more than one batch ahead of them, so one receive at a time, as with a plain source. */
    @Test
    void fewWorkers_oneBatchAhead_oneReceiveAtATime() {
        put(60);
        kit.queue().faultRate(QueueEndpoint.PULL, 1.0, Fault.latency(Duration.ofMillis(5)));
        CountingSource source = new CountingSource(kit.queue(), decided::get, 4);
        Connector connector = kit.start(b -> b.source(source).concurrency(2).batchSize(5).listener(counting));
        kit.runUntilIdle(connector);

        assertThat(kit.anchorer().anchoredKeys()).hasSize(60);
        assertThat(source.maxConcurrentReceiveCalls()).isEqualTo(1);
        assertThat(source.maxUndecided()).isLessThanOrEqualTo(2 + 5);
    }

    /** Many workers: up to one batch per receive ahead of them, never more than the workers. */
    @Test
    void manyWorkers_receiveAheadUpToOneBatchPerReceive() {
        put(400);
        kit.queue().faultRate(QueueEndpoint.PULL, 1.0, Fault.latency(Duration.ofMillis(20)));
        kit.anchorer().latency(Duration.ofMillis(2));
        CountingSource source = new CountingSource(kit.queue(), decided::get, 3);
        Connector connector = kit.start(b -> b.source(source).concurrency(64).batchSize(5)
                .settleEvery(10, Duration.ofSeconds(30)).listener(counting));
        kit.runUntilIdle(connector);

        assertThat(kit.anchorer().anchoredKeys()).hasSize(400);
        assertThat(source.maxConcurrentReceiveCalls()).isBetween(2, 3);
        // max(5, min(64, 3 × 5)) = 15 ahead of 64 workers
        assertThat(source.maxUndecided()).isLessThanOrEqualTo(64 + 15);
        assertThat(source.maxHeld()).isLessThanOrEqualTo(64 + 15 + 10 * 3);
    }

    @Test
    void sourceOfOneReceiveAtATime_neverSeesTwo() {
        put(150);
        kit.queue().faultRate(QueueEndpoint.PULL, 1.0, Fault.latency(Duration.ofMillis(10)));
        CountingSource source = new CountingSource(kit.queue(), decided::get);
        Connector connector = kit.start(b -> b.source(source).concurrency(8).batchSize(5).listener(counting));
        kit.runUntilIdle(connector);

        assertThat(kit.anchorer().anchoredKeys()).hasSize(150);
        assertThat(source.maxConcurrentReceiveCalls()).isEqualTo(1);
    }

    @Test
    void emptyQueue_isPolledOneReceiveAtATime_withTheIdleBackoff() {
        CountingSource source = new CountingSource(kit.queue(), decided::get, 4);
        Connector connector = kit.start(b -> b.source(source).concurrency(16)
                .idleBackoff(Duration.ofMillis(50), Duration.ofMillis(400)));
        Await.until(() -> source.receiveCalls() >= 4, Duration.ofSeconds(5), "a few polls");
        connector.close();

        assertThat(source.maxConcurrentReceiveCalls()).isEqualTo(1);
        // 50 + 100 + 200 + 400 ms: four polls take at least 350 ms, not a busy loop
        assertThat(source.receiveCalls()).isLessThan(20);
    }

    @Test
    void closeWithReceivesUnderWay_losesNothing() {
        int n = 400;
        put(n);
        kit.queue().faultRate(QueueEndpoint.PULL, 1.0, Fault.latency(Duration.ofMillis(15)));
        kit.anchorer().latency(Duration.ofMillis(3));
        CountingSource source = new CountingSource(kit.queue(), decided::get, 4);
        Connector connector = kit.start(b -> b.source(source).concurrency(8).batchSize(10).listener(counting));
        Await.until(() -> connector.stats().anchored() >= 50, Duration.ofSeconds(20), "some progress");
        connector.close();

        assertThat(kit.queue().inFlight()).isZero();
        assertThat(kit.queue().acked().size() + kit.queue().backlog()).isEqualTo(n);
        assertThat(connector.stats().received()).isEqualTo(connector.stats().anchored() + connector.stats().released());

        Connector second = kit.start(b -> b.source(new CountingSource(kit.queue(), () -> 0L, 4)));
        kit.runUntilIdle(second);
        assertThat(kit.anchorer().anchoredKeys()).hasSize(n);
        assertThat(kit.queue().deadLettered()).isEmpty();
    }

    @Test
    void build_withSourceAllowingNoReceive_failsWithFix() {
        EventSource none = new EventSource() {
            @Override
            public Batch receive(int maxMessages) throws IOException {
                return kit.queue().receive(maxMessages);
            }

            @Override
            public void settle(List<Settlement> settlements) throws IOException {
                kit.queue().settle(settlements);
            }

            @Override
            public int maxConcurrentCalls() {
                return 0;
            }
        };
        assertThatThrownBy(() -> kit.connectorBuilder().source(none).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("maxConcurrentCalls() must be at least 1, was 0");
    }

    private void put(int n) {
        for (int i = 0; i < n; i++) {
            kit.bucket().put("f/" + i, "content " + i);
        }
    }
}
