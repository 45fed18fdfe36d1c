package ai.rootkey.connector.engine;

import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DESIGN section 4 rule 9: the queue delivers a message up to {@code max_retries + 1} times. The engine reads the
 * consumer's {@code max_retries} from the source at start, uses its retry policy where it cannot, and adopts a
 * higher count when a delivery shows one.
 */
class AttemptsDiscoveryTest {
    private final RecordingListener listener = new RecordingListener();
    private final LogCapture logs = LogCapture.connector();

    @AfterEach
    void tearDown() {
        logs.close();
    }

    @Test
    void maxRetriesReadFromTheQueue_setsTheLastAttempt_loggedOnExactlyTheDeliveryTheQueueDeadLetters() {
        try (ConnectorTestKit kit = ConnectorTestKit.builder().maxRetries(2).build()) {
            kit.bucket().put("docs/doomed.pdf", "x");
            kit.anchorer().failNext(10, Fault.status(503));
            kit.runUntilIdle(kit.start(b -> b.listener(listener)));

            assertThat(kit.queue().deadLettered()).singleElement().satisfies(m -> assertThat(m.attempts()).isEqualTo(3));
            assertThat(listener.of(Outcome.Kind.RETRIED)).extracting(Outcome::attempt).containsExactly(1, 2);
            assertThat(listener.of(Outcome.Kind.EXHAUSTED)).extracting(Outcome::attempt).containsExactly(3);
            assertThat(logs.lines("rootkey.event.retry")).filteredOn(l -> l.contains("last_attempt=true"))
                    .singleElement().satisfies(l -> assertThat(l).contains("attempt=3"));
            assertThat(logs.lines("rootkey.connector.max_retries")).singleElement().satisfies(l -> assertThat(l)
                    .contains("max_retries=2").contains("last_attempt=3").contains("source=\"queue consumer\""));
        }
    }

    @Test
    void aSourceThatCannotTell_usesTheRetryPolicy_andSaysSoOnceAtInfo() {
        ScriptedDeliveries source = new ScriptedDeliveries(OptionalInt.empty(), 1);
        Connector connector = Connector.builder().source(source).reader((bucket, key) -> java.util.Optional.empty())
                .anchorer(request -> { throw new IOException("unused"); }).listener(listener).build().start();
        try {
            Await.until(() -> source.settled.size() == 1, Duration.ofSeconds(10), "settled");
        } finally {
            connector.close();
        }
        assertThat(logs.lines("rootkey.connector.max_retries")).singleElement().satisfies(l -> assertThat(l)
                .contains("max_retries=5").contains("last_attempt=6").contains("source=\"configuration\""));
        assertThat(logs.events()).filteredOn(e -> e.getFormattedMessage().startsWith("rootkey.connector.max_retries"))
                .singleElement().satisfies(e -> assertThat(e.getLevel().toString()).isEqualTo("INFO"));
    }

    @Test
    void aDeliveryWithMoreAttemptsThanPossible_isLoggedOnceAtWarn_andItsCountIsAdopted() {
        // The policy says 6 deliveries; the queue delivers attempt 8, then 7 and 8 again.
        ScriptedDeliveries source = new ScriptedDeliveries(OptionalInt.empty(), 8, 7, 8);
        Connector connector = Connector.builder().source(source)
                .reader((bucket, key) -> { throw new IOException("read failed"); })
                .anchorer(request -> { throw new IOException("unused"); })
                .listener(listener).concurrency(1).batchSize(1).build().start();
        try {
            Await.until(() -> source.settled.size() == 3, Duration.ofSeconds(10), "settled");
        } finally {
            connector.close();
        }
        assertThat(logs.lines("rootkey.connector.attempts_exceeded")).singleElement()
                .satisfies(l -> assertThat(l).contains("attempt=8").contains("expected_last_attempt=6"));
        assertThat(listener.outcomes()).extracting(o -> o.kind() + "@" + o.attempt())
                .containsExactly("EXHAUSTED@8", "RETRIED@7", "EXHAUSTED@8");
    }

    /** Hands out one delivery per given attempt count, once each; records settlements. */
    private static final class ScriptedDeliveries implements EventSource {
        private final OptionalInt maxRetries;
        private final List<Delivery> pending = new ArrayList<>();
        final List<Settlement> settled = new java.util.concurrent.CopyOnWriteArrayList<>();

        ScriptedDeliveries(OptionalInt maxRetries, int... attempts) {
            this.maxRetries = maxRetries;
            for (int i = 0; i < attempts.length; i++) {
                pending.add(Delivery.of("m" + i, "lease-" + i, attempts[i],
                        ObjectEvent.builder().bucket("b").key("k" + i).size(1).build()));
            }
        }

        @Override
        public synchronized Batch receive(int maxMessages) {
            if (pending.isEmpty()) {
                return Batch.empty();
            }
            return Batch.of(List.of(pending.remove(0)));
        }

        @Override
        public void settle(List<Settlement> settlements) {
            settled.addAll(settlements);
        }

        @Override
        public OptionalInt maxRetries() throws IOException {
            return maxRetries;
        }
    }
}
