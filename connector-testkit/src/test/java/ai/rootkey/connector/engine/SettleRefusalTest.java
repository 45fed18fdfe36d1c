package ai.rootkey.connector.engine;

import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.InMemoryQueue;
import ai.rootkey.connector.testkit.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An ack call refused with a 4xx that retrying cannot fix must not block every later settlement: the engine splits
 * the call until the refused settlement is alone, drops it with an ERROR (its lease expires and the queue hands the
 * message out again) and carries on.
 */
class SettleRefusalTest {
    private final ConnectorTestKit kit = ConnectorTestKit.create();
    private final RecordingListener listener = new RecordingListener();
    private final LogCapture logs = LogCapture.connector();

    @AfterEach
    void tearDown() {
        kit.close();
        logs.close();
    }

    @Test
    void aPoisonedLeaseInAChunk_isIsolatedAndDropped_theRestIsAcked_andTheMessageIsAnchoredOnRedelivery() {
        for (int i = 0; i < 10; i++) {
            kit.bucket().put("docs/" + i + ".pdf", "content " + i);
        }
        // The first delivery of docs/7.pdf gets a lease the ack call refuses (400) every time.
        Set<String> poisoned = ConcurrentHashMap.newKeySet();
        RefusingSource source = new RefusingSource(kit.queue(), s -> poisoned.contains(s.delivery().leaseId()));
        source.onReceive = d -> {
            if (d.event().map(e -> e.key().equals("docs/7.pdf")).orElse(false) && d.attempts() == 1) {
                poisoned.add(d.leaseId());
            }
        };
        Connector connector = kit.start(b -> b.source(source).listener(listener).concurrency(4).batchSize(10)
                .settleEvery(10, java.time.Duration.ofMillis(50)));
        kit.runUntilIdle(connector);

        assertThat(kit.queue().acked()).hasSize(10);
        assertThat(kit.queue().deadLettered()).isEmpty();
        assertThat(logs.lines("rootkey.source.settle_refused")).singleElement().satisfies(l -> assertThat(l)
                .contains("key=\"docs/7.pdf\"").contains("settlement=\"ack\"").contains("http_400"));
        assertThat(kit.anchorer().uploads()).as("uploaded again after its lease ran out (a duplicate the API answers)")
                .filteredOn(u -> u.key().equals("docs/7.pdf")).hasSize(2);
        assertThat(source.refusedCalls.get()).as("split until alone: a few calls, not one per retry forever")
                .isBetween(1, 10);
    }

    @Test
    void aRefusedRequeue_becomesAHandBackLoggedAsReleasedToTheDlq() {
        ConnectorTestKit last = ConnectorTestKit.builder().maxRetries(0).build();
        try (last) {
            last.bucket().put("docs/a.pdf", "a");
            last.anchorer().failNext(1, Fault.status(401));
            RefusingSource source = new RefusingSource(last.queue(), s -> s.kind() == Settlement.Kind.REQUEUE);
            Connector connector = last.start(b -> b.source(source).listener(listener));
            last.runUntilIdle(connector);

            assertThat(listener.of(Outcome.Kind.REQUEUED)).hasSize(1);
            assertThat(logs.lines("rootkey.event.released_to_dlq")).singleElement()
                    .satisfies(l -> assertThat(l).contains("key=\"docs/a.pdf\"").contains("refused"));
            assertThat(connector.stats().releasedToDeadLetter()).isEqualTo(1);
            assertThat(connector.stats().requeued()).isZero();
            assertThat(last.queue().deadLettered()).as("handed back on its final attempt").hasSize(1);
        }
    }

    /** The kit's queue, refusing (HTTP 400) every settle call that contains a settlement {@code refuse} matches. */
    private static final class RefusingSource implements EventSource {
        private final InMemoryQueue queue;
        private final Predicate<Settlement> refuse;
        final AtomicInteger refusedCalls = new AtomicInteger();
        volatile java.util.function.Consumer<Delivery> onReceive = d -> { };

        RefusingSource(InMemoryQueue queue, Predicate<Settlement> refuse) {
            this.queue = queue;
            this.refuse = refuse;
        }

        @Override
        public Batch receive(int maxMessages) throws IOException {
            Batch batch = queue.receive(maxMessages);
            batch.deliveries().forEach(d -> onReceive.accept(d));
            return batch;
        }

        @Override
        public void settle(List<Settlement> settlements) throws IOException {
            if (settlements.stream().anyMatch(refuse)) {
                refusedCalls.incrementAndGet();
                throw new DependencyException("Cloudflare Queues ack failed with HTTP 400, error 10400 bad lease", 400);
            }
            queue.settle(settlements);
        }

        @Override
        public boolean canRequeue(Delivery delivery) {
            return queue.canRequeue(delivery);
        }

        @Override
        public OptionalInt maxRetries() {
            return queue.maxRetries();
        }
    }
}
