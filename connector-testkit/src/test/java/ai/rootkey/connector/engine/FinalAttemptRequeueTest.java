package ai.rootkey.connector.engine;

import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.InMemoryQueue;
import ai.rootkey.connector.testkit.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DESIGN section 4 rule 10: only a decision dead-letters. A delivery handed back undecided on its final attempt
 * (shutdown, pause, drain timeout) is requeued where the source can, and logged at ERROR where it cannot.
 */
class FinalAttemptRequeueTest {
    private final ConnectorTestKit kit = ConnectorTestKit.builder().maxRetries(0).build(); // every delivery is final
    private final RecordingListener listener = new RecordingListener();
    private final LogCapture logs = LogCapture.connector();

    @AfterEach
    void tearDown() {
        kit.close();
        logs.close();
    }

    @Test
    void shutdown_withDeliveriesOnTheirFinalAttempt_requeuesThem_andNothingIsDeadLettered() {
        for (int i = 0; i < 6; i++) {
            kit.bucket().put("docs/" + i + ".pdf", "content " + i);
        }
        kit.anchorer().latency(Duration.ofMillis(200));
        Connector connector = kit.start(b -> b.listener(listener).concurrency(1).batchSize(5));
        Await.until(() -> kit.anchorer().calls() >= 1, Duration.ofSeconds(10), "the first upload started");
        connector.close();

        assertThat(listener.of(Outcome.Kind.REQUEUED)).isNotEmpty()
                .allSatisfy(o -> assertThat(o.reason()).isEqualTo(Outcome.SHUTDOWN));
        assertThat(listener.of(Outcome.Kind.RELEASED)).as("none handed back with a plain retry").isEmpty();
        assertThat(kit.queue().deadLettered()).isEmpty();
        assertThat(connector.stats().requeued()).isEqualTo(listener.of(Outcome.Kind.REQUEUED).size());
        assertThat(logs.lines("rootkey.event.requeued")).hasSize(listener.of(Outcome.Kind.REQUEUED).size());

        Connector second = kit.start();
        kit.runUntilIdle(second);
        assertThat(kit.anchorer().anchoredKeys()).hasSize(6);
        assertThat(kit.queue().deadLettered()).isEmpty();
    }

    @Test
    void pause_onTheFinalAttempt_requeues() {
        kit.bucket().put("docs/a.pdf", "a");
        kit.anchorer().failNext(1, Fault.status(401));
        Connector connector = kit.start(b -> b.listener(listener));
        kit.runUntilIdle(connector);

        assertThat(listener.of(Outcome.Kind.REQUEUED)).singleElement()
                .satisfies(o -> assertThat(o.reason()).isEqualTo(Outcome.PAUSED));
        assertThat(kit.queue().deadLettered()).isEmpty();
        assertThat(kit.anchorer().anchoredKeys()).containsExactly("docs/a.pdf");
    }

    @Test
    void sourceThatCannotRequeue_handsBackWithARetry_loggedAtErrorAndCounted() {
        kit.bucket().put("docs/a.pdf", "a");
        kit.anchorer().failNext(1, Fault.status(401));
        EventSource plain = new NoRequeue(kit.queue());
        Connector connector = kit.start(b -> b.source(plain).listener(listener));
        Await.until(() -> connector.stats().releasedToDeadLetter() == 1, Duration.ofSeconds(10), "released");
        connector.close();

        assertThat(listener.of(Outcome.Kind.RELEASED)).singleElement()
                .satisfies(o -> assertThat(o.reason()).isEqualTo(Outcome.PAUSED));
        assertThat(kit.queue().deadLettered()).as("the queue dead-letters it: the engine said so").hasSize(1);
        assertThat(logs.lines("rootkey.event.released_to_dlq")).singleElement()
                .satisfies(l -> assertThat(l).contains("key=\"docs/a.pdf\"").contains("attempt=1"));
        assertThat(logs.events()).filteredOn(e -> e.getFormattedMessage().startsWith("rootkey.event.released_to_dlq"))
                .singleElement().satisfies(e -> assertThat(e.getLevel().toString()).isEqualTo("ERROR"));
    }

    /** The kit's queue without the requeue capability. */
    private static final class NoRequeue implements EventSource {
        private final InMemoryQueue queue;

        NoRequeue(InMemoryQueue queue) {
            this.queue = queue;
        }

        @Override
        public Batch receive(int maxMessages) throws IOException {
            return queue.receive(maxMessages);
        }

        @Override
        public void settle(List<Settlement> settlements) throws IOException {
            queue.settle(settlements);
        }

        @Override
        public OptionalInt maxRetries() {
            return queue.maxRetries();
        }
    }
}
