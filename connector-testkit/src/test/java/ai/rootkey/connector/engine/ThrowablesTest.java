package ai.rootkey.connector.engine;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Anchorer;
import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.FailureClassifier;
import ai.rootkey.connector.Health;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.ObjectReader;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.StoredObject;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An {@link Error} thrown by any callback (listener, filter, classifier, reader, anchorer) must not leak an
 * in-flight slot, kill the poller or the settler, or leave a settlement unsent. An {@link AssertionError} in a
 * listener is exactly what a user's test throws.
 */
class ThrowablesTest {
    private final ConnectorTestKit kit = ConnectorTestKit.create();

    @AfterEach
    void tearDown() {
        kit.close();
    }

    @Test
    void listenerThrowingAssertionErrorTwice_threeObjects_concurrencyOne_allAnchoredAndAcked() {
        for (int i = 0; i < 3; i++) {
            kit.bucket().put("docs/" + i + ".pdf", "content " + i);
        }
        AtomicInteger thrown = new AtomicInteger();
        ConnectorListener failing = new ConnectorListener() {
            @Override
            public void onOutcome(Outcome outcome) {
                if (thrown.getAndIncrement() < 2) {
                    throw new AssertionError("a user's test assertion");
                }
            }
        };
        Connector connector = kit.start(b -> b.listener(failing).concurrency(1).batchSize(1));
        kit.runUntilIdle(connector, Duration.ofSeconds(20));

        assertThat(kit.anchorer().anchoredKeys()).hasSize(3);
        assertThat(kit.queue().acked()).hasSize(3);
        assertThat(connector.health().status()).isEqualTo(Health.Status.UP);
        // Closed before the slots are counted: an idle poll reserves its ask while it runs (stats() counts it).
        connector.close();
        assertThat(connector.stats().inFlight()).isZero();
    }

    /** Where an {@link Error} is thrown from. */
    enum Callback { ON_OUTCOME, ON_BATCH, ON_HEALTH, FILTER, CLASSIFIER, READER, ANCHORER }

    @ParameterizedTest
    @EnumSource(Callback.class)
    void anErrorFromAnyCallback_losesNothing_andTheConnectorKeepsWorking(Callback where) {
        for (int i = 0; i < 5; i++) {
            kit.bucket().put("docs/" + i + ".pdf", "content " + i);
        }
        AtomicInteger budget = new AtomicInteger(2); // each callback throws twice, then behaves
        Connector connector = kit.start(b -> {
            b.concurrency(2).batchSize(2);
            install(b, where, budget);
        });
        kit.runUntilIdle(connector, Duration.ofSeconds(20));

        assertThat(kit.anchorer().anchoredKeys()).as("thrown from %s", where)
                .containsExactlyInAnyOrder("docs/0.pdf", "docs/1.pdf", "docs/2.pdf", "docs/3.pdf", "docs/4.pdf");
        assertThat(kit.queue().deadLettered()).isEmpty();
        assertThat(connector.health().status()).isEqualTo(Health.Status.UP);
        // Closed before the slots are counted: an idle poll reserves its ask while it runs (stats() counts it).
        connector.close();
        assertThat(connector.stats().inFlight()).isZero();
        assertThat(connector.stats().unsettled()).isZero();
    }

    private void install(Connector.Builder b, Callback where, AtomicInteger budget) {
        Runnable maybeThrow = () -> {
            if (budget.getAndDecrement() > 0) {
                throw new AssertionError("thrown from " + where);
            }
        };
        switch (where) {
            case ON_OUTCOME -> b.listener(listener(l -> maybeThrow.run(), null, null));
            case ON_BATCH -> b.listener(listener(null, batch -> maybeThrow.run(), null));
            case ON_HEALTH -> b.listener(listener(null, null, health -> maybeThrow.run()));
            case FILTER -> b.filter((EventFilter) event -> {
                maybeThrow.run();
                return true;
            });
            case CLASSIFIER -> {
                kit.anchorer().failNext(3, Fault.status(503));
                b.classifier(failure -> {
                    maybeThrow.run();
                    return FailureClassifier.defaults().classify(failure);
                });
            }
            case READER -> b.reader(new ObjectReader() {
                @Override
                public Optional<StoredObject> open(String bucket, String key) throws IOException {
                    maybeThrow.run();
                    return kit.bucket().open(bucket, key);
                }
            });
            case ANCHORER -> b.anchorer(new Anchorer() {
                @Override
                public Receipt anchor(AnchorRequest request) throws IOException {
                    maybeThrow.run();
                    return kit.anchorer().anchor(request);
                }
            });
            default -> throw new IllegalStateException();
        }
    }

    private static ConnectorListener listener(Consumer<Outcome> outcome, Consumer<Batch> batch,
                                              Consumer<Health> health) {
        return new ConnectorListener() {
            @Override
            public void onOutcome(Outcome o) {
                if (outcome != null) {
                    outcome.accept(o);
                }
            }

            @Override
            public void onBatchReceived(Batch b) {
                if (batch != null) {
                    batch.accept(b);
                }
            }

            @Override
            public void onHealthChanged(Health h) {
                if (health != null) {
                    health.accept(h);
                }
            }
        };
    }

    /** The other listeners still hear of every outcome, and the error is a listener failure, not a worker's. */
    @Test
    void anAssertionErrorFromOneListener_doesNotHideOutcomesFromTheNext() {
        for (int i = 0; i < 10; i++) {
            kit.bucket().put("f/" + i, "x");
        }
        RecordingListener after = new RecordingListener();
        ConnectorListener throwing = new ConnectorListener() {
            @Override
            public void onOutcome(Outcome outcome) {
                throw new AssertionError("listener assertion");
            }
        };
        try (LogCapture logs = LogCapture.connector()) {
            Connector connector = kit.start(b -> b.listener(throwing).listener(after));
            kit.runUntilIdle(connector);

            assertThat(after.of(Outcome.Kind.ANCHORED)).hasSize(10);
            assertThat(logs.lines("rootkey.listener.failed")).isNotEmpty();
            assertThat(logs.lines("rootkey.connector.worker_failed")).isEmpty();
        }
    }

    /** A twin parked behind an anchored delivery is skipped as a duplicate; a listener's error there strands none. */
    @Test
    void anAssertionErrorOnADuplicateSkip_stillSettlesEveryTwin() {
        String eTag = kit.bucket().put("dup.pdf", "content");
        ObjectEvent again = ObjectEvent.builder().bucket(kit.bucket().name()).key("dup.pdf").size(7).eTag(eTag)
                .eventTime(kit.clock().instant()).build();
        kit.queue().publish(again);
        kit.queue().publish(again);
        kit.anchorer().latency(Duration.ofMillis(100));
        ConnectorListener throwing = new ConnectorListener() {
            @Override
            public void onOutcome(Outcome outcome) {
                if (outcome.kind() == Outcome.Kind.SKIPPED) {
                    throw new AssertionError("listener assertion on skip");
                }
            }
        };
        Connector connector = kit.start(b -> b.listener(throwing).concurrency(4));
        kit.runUntilIdle(connector);

        assertThat(kit.queue().acked()).hasSize(3);
    }

    @Test
    void outOfMemoryFromTheAnchorer_stopsTheConnector_reportsDown_andReleasesWhatItHolds() {
        for (int i = 0; i < 4; i++) {
            kit.bucket().put("docs/" + i + ".pdf", "content " + i);
        }
        Connector connector = kit.start(b -> b.concurrency(1).batchSize(3).anchorer(request -> {
            throw new OutOfMemoryError("simulated");
        }));
        Await.until(() -> connector.health().status() == Health.Status.DOWN, Duration.ofSeconds(10), "down");
        Await.until(() -> kit.queue().inFlight() == 0, Duration.ofSeconds(10), "everything handed back");
        assertThat(connector.health().reason()).contains("fatal JVM error (OutOfMemoryError)")
                .contains("restart the process");
        assertThat(kit.queue().acked()).isEmpty();
        assertThat(kit.queue().deadLettered()).isEmpty();
        connector.close();
        assertThat(kit.queue().backlog()).isEqualTo(4);
    }
}
