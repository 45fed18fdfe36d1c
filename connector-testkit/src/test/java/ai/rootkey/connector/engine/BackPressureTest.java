package ai.rootkey.connector.engine;

import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class BackPressureTest {
    private final ConnectorTestKit kit = ConnectorTestKit.builder().retainContent(false).build();

    @AfterEach
    void tearDown() {
        kit.close();
    }

    @Test
    void concurrencyLimit_isNeverExceeded_andIsUsed() {
        for (int i = 0; i < 120; i++) {
            kit.bucket().put("f/" + i, "content " + i);
        }
        kit.anchorer().latency(Duration.ofMillis(5));
        Connector connector = kit.start(b -> b.concurrency(4).batchSize(10));
        kit.runUntilIdle(connector);
        assertThat(kit.anchorer().anchoredKeys()).hasSize(120);
        assertThat(kit.anchorer().maxConcurrentUploads()).isEqualTo(4);
    }

    @Test
    void undecidedDeliveries_neverExceedConcurrencyPlusOneBatch_andSettlementsWaitBoundedly() {
        for (int i = 0; i < 300; i++) {
            kit.bucket().put("f/" + i, "content " + i);
        }
        kit.anchorer().latency(Duration.ofMillis(2));
        AtomicLong decided = new AtomicLong();
        CountingSource source = new CountingSource(kit.queue(), decided::get);
        Connector connector = kit.start(b -> b.source(source).concurrency(3).batchSize(5).settleEvery(4,
                Duration.ofSeconds(30)).listener(new ConnectorListener() {
                    @Override
                    public void onOutcome(Outcome outcome) {
                        decided.incrementAndGet();
                    }
                }));
        kit.runUntilIdle(connector);
        assertThat(kit.anchorer().anchoredKeys()).hasSize(300);
        // received and not yet decided: what the engine holds without having started it
        assertThat(source.maxUndecided()).isLessThanOrEqualTo(3 + 5);
        // leased in all: plus decisions waiting for a batched ack (at most one settle batch beyond)
        assertThat(source.maxHeld()).isLessThanOrEqualTo(3 + 5 + 4);
        assertThat(source.largestAsk()).isLessThanOrEqualTo(5);
    }

    @Test
    void settlements_areBatched() {
        for (int i = 0; i < 200; i++) {
            kit.bucket().put("f/" + i, "x");
        }
        CountingSource source = new CountingSource(kit.queue());
        Connector connector = kit.start(b -> b.source(source).concurrency(16).batchSize(25)
                .settleEvery(50, Duration.ofSeconds(30)));
        kit.runUntilIdle(connector, Duration.ofSeconds(30));
        assertThat(source.settled()).isEqualTo(200);
        // Flushed when 50 are pending or when the poller waits for slots (at least half a batch): never one by one.
        assertThat(source.settleCalls()).isLessThanOrEqualTo(200 / 13);
    }

    @Test
    void pendingSettlements_areFlushedOnClose() {
        for (int i = 0; i < 10; i++) {
            kit.bucket().put("f/" + i, "x");
        }
        // After the first batch every receive fails, so the queue never looks drained and nothing forces a flush.
        CountingSource source = new CountingSource(new EventSource() {
            private boolean served;

            @Override
            public synchronized Batch receive(int maxMessages) throws IOException {
                if (served) {
                    throw new IOException("pull failing");
                }
                served = true;
                return kit.queue().receive(maxMessages);
            }

            @Override
            public void settle(List<Settlement> settlements) throws IOException {
                kit.queue().settle(settlements);
            }
        });
        Connector connector = kit.start(b -> b.source(source).settleEvery(1000, Duration.ofHours(1)));
        Await.until(() -> connector.stats().anchored() == 10, Duration.ofSeconds(10), "10 anchored");
        assertThat(source.settleCalls()).isZero();
        connector.close();
        assertThat(source.settled()).isEqualTo(10);
        assertThat(kit.queue().acked()).hasSize(10);
    }

    @Test
    void idleConnector_backsOffBetweenEmptyPolls() {
        CountingSource source = new CountingSource(kit.queue());
        Connector connector = kit.start(b -> b.source(source).idleBackoff(Duration.ofMillis(50), Duration.ofMillis(400)));
        Await.until(() -> source.receiveCalls() >= 4,
                Duration.ofSeconds(5), "a few polls");
        connector.close();
        // 50 + 100 + 200 + 400 ms: four polls take at least 350 ms, not a busy loop
        assertThat(source.receiveCalls()).isLessThan(20);
    }
}
