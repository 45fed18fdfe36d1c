package ai.rootkey.connector.engine;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.RetryPolicy;
import ai.rootkey.connector.Verdict;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RetryAndDeadLetterTest {
    private final ConnectorTestKit kit = ConnectorTestKit.create();
    private final RecordingListener listener = new RecordingListener();
    private final LogCapture logs = LogCapture.connector();

    @AfterEach
    void tearDown() {
        kit.close();
        logs.close();
    }

    @Test
    void transientFailures_thenSuccess_anchorsOnce_withBackoffDelaysWithinTheCeilings() {
        kit.bucket().put("a.pdf", "content");
        kit.anchorer().failNext(2, Fault.status(503));
        Connector connector = kit.start(b -> b.listener(listener));
        kit.runUntilIdle(connector);

        assertThat(kit.anchorer().anchoredKeys()).containsExactly("a.pdf");
        List<Outcome> retries = listener.of(Outcome.Kind.RETRIED);
        assertThat(retries).hasSize(2);
        RetryPolicy policy = RetryPolicy.defaults();
        assertThat(retries.get(0).retryDelay().orElseThrow()).isBetween(Duration.ZERO, policy.ceiling(1));
        assertThat(retries.get(1).retryDelay().orElseThrow()).isBetween(Duration.ZERO, policy.ceiling(2));
        assertThat(retries).extracting(Outcome::reason).containsOnly("http_503");
        assertThat(listener.of(Outcome.Kind.ANCHORED)).singleElement()
                .satisfies(o -> assertThat(o.attempt()).isEqualTo(3));
        assertThat(logs.lines("rootkey.event.retry")).hasSize(2)
                .allSatisfy(l -> assertThat(l).contains("last_attempt=false").contains("reason=\"http_503\""));
    }

    @Test
    void retryAfterHeader_setsQueueRetryDelay() {
        kit.bucket().put("a.pdf", "content");
        kit.anchorer().failNext(1, Fault.status(429, Duration.ofSeconds(7)));
        Connector connector = kit.start(b -> b.listener(listener));
        Await.until(() -> !listener.of(Outcome.Kind.RETRIED).isEmpty(), Duration.ofSeconds(10), "a retry");
        Instant retriedAt = kit.clock().instant();
        assertThat(listener.of(Outcome.Kind.RETRIED).get(0).retryDelay()).hasValue(Duration.ofSeconds(7));
        Await.until(() -> kit.queue().nextVisibleAt().isPresent(), Duration.ofSeconds(10), "retry settled");
        assertThat(kit.queue().nextVisibleAt()).hasValue(retriedAt.plusSeconds(7));
        kit.runUntilIdle(connector);
        assertThat(kit.anchorer().anchoredKeys()).containsExactly("a.pdf");
    }

    @Test
    void retryAfter_isCappedAtTwelveHours() {
        kit.bucket().put("a.pdf", "content");
        kit.anchorer().failNext(1, Fault.status(503, Duration.ofDays(2)));
        kit.runUntilIdle(kit.start(b -> b.listener(listener)));
        assertThat(listener.of(Outcome.Kind.RETRIED).get(0).retryDelay()).hasValue(Duration.ofHours(12));
    }

    @Test
    void maxRetriesFive_sixTransientFailures_endInTheDeadLetterQueue_andTheSixthIsLoggedAsLast() {
        kit.bucket().put("doomed.pdf", "content");
        kit.anchorer().failNext(6, Fault.status(503));
        kit.runUntilIdle(kit.start(b -> b.listener(listener)));

        assertThat(kit.anchorer().anchoredKeys()).isEmpty();
        assertThat(kit.queue().acked()).isEmpty();
        assertThat(kit.queue().deadLettered()).singleElement().satisfies(m -> assertThat(m.attempts()).isEqualTo(6));
        assertThat(kit.deadLetterQueue().backlog()).isEqualTo(1);
        assertThat(listener.of(Outcome.Kind.RETRIED)).extracting(Outcome::attempt).containsExactly(1, 2, 3, 4, 5);
        assertThat(listener.of(Outcome.Kind.EXHAUSTED)).singleElement()
                .satisfies(o -> assertThat(o.attempt()).isEqualTo(6));
        List<String> retryLines = logs.lines("rootkey.event.retry");
        assertThat(retryLines).hasSize(6);
        assertThat(retryLines.subList(0, 5)).allSatisfy(l -> assertThat(l).contains("last_attempt=false"));
        assertThat(retryLines.get(5)).contains("attempt=6").contains("last_attempt=true")
                .contains("dead-letter queue");
        assertThat(logs.lines("rootkey.event.dlq_terminal_failure")).isEmpty();
    }

    @Test
    void permanentFailure_neverRetries_andIsLoggedWithTheMarker() {
        kit.bucket().put("bad.pdf", "content");
        kit.anchorer().failNext(1, Fault.status(400));
        kit.runUntilIdle(kit.start(b -> b.listener(listener)));

        assertThat(kit.anchorer().calls()).isEqualTo(1);
        assertThat(listener.of(Outcome.Kind.RETRIED)).isEmpty();
        assertThat(listener.of(Outcome.Kind.TERMINAL)).singleElement()
                .satisfies(o -> assertThat(o.reason()).isEqualTo("http_400"));
        assertThat(kit.queue().acked()).hasSize(1);
        assertThat(logs.lines("rootkey.event.dlq_terminal_failure")).singleElement().satisfies(l -> assertThat(l)
                .contains("bucket=\"test-bucket\"").contains("key=\"bad.pdf\"").contains("reason=\"http_400\"")
                .contains("attempt=1").contains("status=400"));
        assertThat(logs.events()).filteredOn(e -> e.getFormattedMessage().startsWith("rootkey.event.dlq_terminal_failure"))
                .singleElement().satisfies(e -> assertThat(e.getLevel().toString()).isEqualTo("ERROR"));
    }

    @Test
    void readFailures_areRetriedLikeUploadFailures() {
        kit.bucket().put("a.pdf", "content");
        kit.bucket().failNextReads(1, Fault.exception(() -> new IOException("connection reset")))
                .failNextReads(1, Fault.exception(() -> new DependencyException("GetObject", 503, "SlowDown", null, null,
                        Verdict.transientFailure("s3_slowdown"))));
        kit.runUntilIdle(kit.start(b -> b.listener(listener)));
        assertThat(listener.of(Outcome.Kind.RETRIED)).extracting(Outcome::reason)
                .containsExactly("io_error", "s3_slowdown");
        assertThat(kit.anchorer().anchoredKeys()).containsExactly("a.pdf");
    }

    @Test
    void exceptionsFromTheAnchorer_areTransient() {
        kit.bucket().put("a.pdf", "content");
        kit.anchorer().failNext(1, Fault.exception(() -> new IOException("reset")));
        kit.anchorer().failNext(1, Fault.resetMidBody());
        kit.runUntilIdle(kit.start(b -> b.listener(listener)));
        assertThat(listener.of(Outcome.Kind.RETRIED)).hasSize(2);
        assertThat(kit.anchorer().anchoredKeys()).containsExactly("a.pdf");
    }

    @Test
    void retryDelays_areDeterministicForASeed() {
        List<Duration> first = delaysWithSeed(7);
        List<Duration> second = delaysWithSeed(7);
        assertThat(first).hasSize(3).isEqualTo(second);
    }

    private List<Duration> delaysWithSeed(long seed) {
        try (ConnectorTestKit k = ConnectorTestKit.builder().seed(seed).build()) {
            RecordingListener l = new RecordingListener();
            k.bucket().put("a.pdf", "content");
            k.anchorer().failNext(3, Fault.status(503));
            k.runUntilIdle(k.start(b -> b.listener(l)));
            return l.of(Outcome.Kind.RETRIED).stream().map(o -> o.retryDelay().orElseThrow()).toList();
        }
    }
}
