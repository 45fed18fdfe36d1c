package ai.rootkey.connector.engine;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Anchorer;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.Health;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.InMemoryQueue;
import ai.rootkey.connector.testkit.LogCapture;
import ai.rootkey.connector.testkit.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A probe that passes while uploads are refused must not burn the messages' attempts: the engine probes less often
 * each time the trial delivery after a passing probe is refused again, says so in its health, and requeues a trial on
 * its final attempt. Nothing reaches the dead-letter queue.
 */
class CredentialLoopTest {
    /** The test clock runs this much faster than real time between trials: 20 ms of probing is 15 s. */
    private static final long SPEED_UP = Duration.ofSeconds(15).toMillis() / 20;

    private final ConnectorTestKit kit = ConnectorTestKit.create();
    private final RecordingListener listener = new RecordingListener();
    private final LogCapture logs = LogCapture.connector();

    @AfterEach
    void tearDown() {
        kit.close();
        logs.close();
    }

    @Test
    void probePassesWhileUploadsGet401ForTenMinutes_emptyDlq_zeroAcks_allAnchoredOnceFixed() {
        for (int i = 0; i < 3; i++) {
            kit.bucket().put("docs/" + i + ".pdf", "content " + i);
        }
        RefusingAnchorer anchorer = new RefusingAnchorer(kit.anchorer(), kit.clock(),
                kit.clock().instant().plus(Duration.ofMinutes(10)), kit.queue());
        Connector connector = kit.start(b -> b.anchorer(anchorer).listener(listener)
                .probeInterval(Duration.ofMillis(20)));

        Await.until(() -> !kit.clock().instant().isBefore(anchorer.refusedUntil), Duration.ofSeconds(30),
                "ten minutes of refused uploads on the test clock");
        // Taken by the first upload let through: the engine may anchor and ack as soon as the window ends.
        Await.until(() -> anchorer.whenFixed.get() != null, Duration.ofSeconds(30), "the first upload after the fix");
        assertThat(anchorer.whenFixed.get().acked()).as("nothing acked while the key was refused").isZero();
        assertThat(anchorer.whenFixed.get().deadLettered()).as("nothing dead-lettered meanwhile").isZero();
        assertThat(anchorer.refused.get()).as("the probe interval doubled: few trials in ten minutes")
                .isBetween(2, 8);

        kit.runUntilIdle(connector);
        assertThat(kit.anchorer().anchoredKeys()).containsExactlyInAnyOrder("docs/0.pdf", "docs/1.pdf", "docs/2.pdf");
        assertThat(kit.queue().deadLettered()).isEmpty();
        assertThat(kit.deadLetterQueue().backlog()).isZero();
        assertThat(listener.of(Outcome.Kind.TERMINAL)).isEmpty();
        assertThat(listener.healthChanges()).extracting(Health::reason)
                .anySatisfy(r -> assertThat(r).contains("the probe passes but uploads are still refused"));
        assertThat(connector.health().status()).isEqualTo(Health.Status.UP);
    }

    @Test
    void aTrialOnItsFinalAttempt_isRequeued_notDeadLettered() {
        ConnectorTestKit small = ConnectorTestKit.builder().maxRetries(1).build();
        try (small) {
            small.bucket().put("docs/only.pdf", "content");
            RefusingAnchorer anchorer = new RefusingAnchorer(small.anchorer(), small.clock(),
                    small.clock().instant().plus(Duration.ofMinutes(10)), small.queue());
            Connector connector = small.start(b -> b.anchorer(anchorer).listener(listener)
                    .probeInterval(Duration.ofMillis(20)));
            Await.until(() -> !small.clock().instant().isBefore(anchorer.refusedUntil), Duration.ofSeconds(30),
                    "ten minutes of refused uploads");
            small.runUntilIdle(connector);

            assertThat(listener.of(Outcome.Kind.REQUEUED)).isNotEmpty()
                    .allSatisfy(o -> assertThat(o.attempt()).isEqualTo(2));
            assertThat(small.queue().deadLettered()).isEmpty();
            assertThat(small.anchorer().anchoredKeys()).containsExactly("docs/only.pdf");
        }
    }

    /**
     * With attempts to spare (so no requeue or ack can hide it), the probe schedule alone decides how many trials
     * ten refused minutes cost: doubling from 15 s gives a handful; a fixed 15 s interval would give about forty.
     */
    @Test
    void aProbeThatKeepsPassingWhileUploadsAreRefused_isTrustedLessEachTime() {
        ConnectorTestKit patient = ConnectorTestKit.builder().maxRetries(100).build();
        try (patient) {
            patient.bucket().put("docs/only.pdf", "content");
            RefusingAnchorer anchorer = new RefusingAnchorer(patient.anchorer(), patient.clock(),
                    patient.clock().instant().plus(Duration.ofMinutes(10)), patient.queue());
            Connector connector = patient.start(b -> b.anchorer(anchorer).listener(listener)
                    .probeInterval(Duration.ofMillis(20)));
            Await.until(() -> !patient.clock().instant().isBefore(anchorer.refusedUntil), Duration.ofSeconds(30),
                    "ten minutes of refused uploads");

            assertThat(anchorer.refused.get()).as("trials in ten minutes").isBetween(2, 8);
            assertThat(listener.healthChanges()).extracting(Health::reason).anySatisfy(r -> assertThat(r)
                    .contains("the probe passes but uploads are still refused").contains("probing every"));
            patient.runUntilIdle(connector);
            assertThat(patient.anchorer().anchoredKeys()).containsExactly("docs/only.pdf");
        }
    }

    /**
     * Answers 401 until {@code refusedUntil} on the test clock, while its probe always passes. Each call moves the
     * test clock forward by the real time since the previous call, sped up {@value #SPEED_UP} times, so the number of
     * trials in ten test minutes is what the engine's probe schedule allows.
     */
    private record QueueState(int acked, int deadLettered) {
    }

    private static final class RefusingAnchorer implements Anchorer {
        final Anchorer delegate;
        final TestClock clock;
        final Instant refusedUntil;
        final AtomicInteger refused = new AtomicInteger();
        final InMemoryQueue queue;
        /** The queue's acks and dead letters when the first upload was let through. */
        final AtomicReference<QueueState> whenFixed = new AtomicReference<>();
        private long lastCallNanos = System.nanoTime();

        RefusingAnchorer(Anchorer delegate, TestClock clock, Instant refusedUntil, InMemoryQueue queue) {
            this.queue = queue;
            this.delegate = delegate;
            this.clock = clock;
            this.refusedUntil = refusedUntil;
        }

        @Override
        public Receipt anchor(AnchorRequest request) throws IOException {
            synchronized (this) {
                long now = System.nanoTime();
                clock.advance(Duration.ofNanos((now - lastCallNanos) * SPEED_UP));
                lastCallNanos = now;
                if (clock.instant().isBefore(refusedUntil)) {
                    refused.incrementAndGet();
                    return new Receipt(401, 0, "", "{\"error\":\"invalid api key\"}", Optional.empty());
                }
                if (whenFixed.get() == null) {
                    whenFixed.set(new QueueState(queue.acked().size(), queue.deadLettered().size()));
                }
            }
            return delegate.anchor(request);
        }

        @Override
        public void probe() {
            // passes: it does not see what the upload sees
        }
    }
}
