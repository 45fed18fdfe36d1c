package ai.rootkey.connector.engine;

import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.InMemoryQueue;
import ai.rootkey.connector.testkit.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** A {@code Retry-After} from the queue (429) is honoured by the poller and the settler, capped. */
class QueueRetryAfterTest {
    private final ConnectorTestKit kit = ConnectorTestKit.create();
    private final LogCapture logs = LogCapture.connector();

    @AfterEach
    void tearDown() {
        kit.close();
        logs.close();
    }

    @Test
    void pullAnswered429WithRetryAfter_thePollerWaitsThatLong() {
        kit.bucket().put("docs/a.pdf", "a");
        RateLimited source = new RateLimited(kit.queue(), true, false);
        Connector connector = kit.start(b -> b.source(source).idleBackoff(Duration.ofMillis(1), Duration.ofMillis(5)));
        Await.until(() -> kit.queue().acked().size() == 1, Duration.ofSeconds(20), "anchored after the wait");

        assertThat(logs.lines("rootkey.source.receive_failed")).first().satisfies(l -> assertThat(l)
                .contains("reason=\"http_429\"").contains("retry_in_ms=1000"));
        assertThat(source.secondCallNanos.get() - source.firstCallNanos.get())
                .as("the second pull waited for Retry-After, not the 1 ms back-off")
                .isGreaterThanOrEqualTo(Duration.ofMillis(1000).toNanos());
        connector.close();
    }

    @Test
    void ackAnswered429WithRetryAfter_theSettlerWaitsThatLong() {
        kit.bucket().put("docs/a.pdf", "a");
        RateLimited source = new RateLimited(kit.queue(), false, true);
        Connector connector = kit.start(b -> b.source(source).idleBackoff(Duration.ofMillis(1), Duration.ofMillis(5)));
        Await.until(() -> kit.queue().acked().size() == 1, Duration.ofSeconds(20), "acked after the wait");

        assertThat(logs.lines("rootkey.source.settle_failed")).first().satisfies(l -> assertThat(l)
                .contains("reason=\"http_429\"").contains("retry_in_ms=1000"));
        assertThat(source.secondCallNanos.get() - source.firstCallNanos.get())
                .isGreaterThanOrEqualTo(Duration.ofMillis(1000).toNanos());
        connector.close();
    }

    @Test
    void aRetryAfterLongerThanTheCap_isCappedAtFifteenMinutes() {
        kit.bucket().put("docs/a.pdf", "a");
        EventSource source = new EventSource() {
            @Override
            public Batch receive(int maxMessages) {
                throw new DependencyException("pull answered 429", 429, null, Duration.ofHours(3), null);
            }

            @Override
            public void settle(List<Settlement> settlements) {
            }
        };
        Connector connector = kit.start(b -> b.source(source));
        Await.until(() -> !logs.lines("rootkey.source.receive_failed").isEmpty(), Duration.ofSeconds(10), "failed");
        assertThat(logs.lines("rootkey.source.receive_failed").get(0))
                .contains("retry_in_ms=" + Connector.MAX_QUEUE_RETRY_AFTER.toMillis());
        connector.close();
    }

    /** The kit's queue, answering the first pull and/or the first ack with 429 and {@code Retry-After: 1}. */
    private static final class RateLimited implements EventSource {
        private final InMemoryQueue queue;
        private final AtomicInteger pulls = new AtomicInteger();
        private final AtomicInteger acks = new AtomicInteger();
        private final boolean limitPull;
        private final boolean limitAck;
        final AtomicLong firstCallNanos = new AtomicLong();
        final AtomicLong secondCallNanos = new AtomicLong();

        RateLimited(InMemoryQueue queue, boolean limitPull, boolean limitAck) {
            this.queue = queue;
            this.limitPull = limitPull;
            this.limitAck = limitAck;
        }

        @Override
        public Batch receive(int maxMessages) throws IOException {
            if (limitPull) {
                mark(pulls.incrementAndGet());
                if (pulls.get() == 1) {
                    throw new DependencyException("pull answered 429", 429, null, Duration.ofSeconds(1), null);
                }
            }
            return queue.receive(maxMessages);
        }

        @Override
        public void settle(List<Settlement> settlements) throws IOException {
            if (limitAck) {
                mark(acks.incrementAndGet());
                if (acks.get() == 1) {
                    throw new DependencyException("ack answered 429", 429, null, Duration.ofSeconds(1), null);
                }
            }
            queue.settle(settlements);
        }

        private void mark(int call) {
            if (call == 1) {
                firstCallNanos.set(System.nanoTime());
            } else if (call == 2) {
                secondCallNanos.set(System.nanoTime());
            }
        }
    }
}
