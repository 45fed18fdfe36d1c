package ai.rootkey.connector.testkit;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Batch;
import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.SourceRef;
import ai.rootkey.connector.StoredObject;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one fault vocabulary, as each in-memory fake shows it; the HTTP fakes have their own tests. */
class FaultVocabularyTest {
    private static final SourceRef SOURCE = new SourceRef("b", "docs/a.pdf", Optional.of("e1"));

    @Test
    void faultValues_areEqualByKindAndParameters_andSayWhatTheyAre() {
        assertThat(Fault.status(429, Duration.ofSeconds(7))).isEqualTo(Fault.status(429, Duration.ofSeconds(7)))
                .hasToString("status(429, Retry-After 7 s)");
        assertThat(Fault.latency(Duration.ofMillis(40))).hasToString("latency(40 ms)");
        assertThat(Fault.dropAfterApply(1)).isNotEqualTo(Fault.dropAfterApply()).hasToString("dropAfterApply(1 chunks)");
        assertThat(Fault.status(503).status()).hasValue(503);
        assertThat(Fault.dropBeforeApply().status()).isEmpty();
        assertThatThrownBy(() -> Fault.status(200)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("between 300 and 599, was 200");
        assertThatThrownBy(() -> Fault.stallBody(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Fault.latency(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void bothQueueFakes_acceptAndRefuseTheSameKinds_exceptThatOnlyMemoryThrowsExceptions() {
        List<Fault> kinds = List.of(Fault.status(503), Fault.status(429, Duration.ofSeconds(1)),
                Fault.latency(Duration.ZERO), Fault.dropBeforeApply(), Fault.dropAfterApply(), Fault.resetMidBody(),
                Fault.stallBody(Duration.ofMillis(1)), Fault.dropAfterApply(1));
        InMemoryQueue memory = InMemoryQueue.create();
        try (FakeCloudflareQueues http = FakeCloudflareQueues.builder().build()) {
            for (Fault fault : kinds) {
                boolean inMemory = accepts(() -> memory.failNext(QueueEndpoint.PULL, 1, fault));
                boolean overHttp = accepts(() -> http.failNext(QueueEndpoint.PULL, 1, fault));
                assertThat(inMemory).as("%s", fault).isEqualTo(overHttp);
            }
            assertThat(accepts(() -> memory.failNext(QueueEndpoint.ACK, 1, Fault.dropAfterApply(1)))).isTrue();
            assertThat(accepts(() -> memory.failNext(1, Fault.exception(IOException::new)))).isTrue();
            assertThat(accepts(() -> http.failNext(1, Fault.exception(IOException::new)))).isFalse();
        }
    }

    private static boolean accepts(Runnable scripting) {
        try {
            scripting.run();
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Nested
    class RecordingAnchorerFaults {
        private final RecordingAnchorer anchorer = RecordingAnchorer.create();

        @Test
        void status_isAReceipt_withRetryAfter() throws IOException {
            anchorer.failNext(1, Fault.status(429, Duration.ofSeconds(7)));
            Receipt receipt = anchorer.anchor(request(new byte[10]));
            assertThat(receipt.status()).isEqualTo(429);
            assertThat(receipt.retryAfter()).contains(Duration.ofSeconds(7));
            assertThat(anchorer.uploads()).isEmpty();
        }

        @Test
        void dropBeforeApply_isAnIOException_andStoresNothing() {
            anchorer.failNext(1, Fault.dropBeforeApply());
            assertThatThrownBy(() -> anchorer.anchor(request(new byte[10]))).isInstanceOf(IOException.class)
                    .hasMessageContaining("before the upload was applied");
            assertThat(anchorer.uploads()).isEmpty();
        }

        @Test
        void dropAfterApply_storesTheUpload_losesTheReply_andTheRetryIsADuplicate() throws IOException {
            anchorer.failNext(1, Fault.dropAfterApply());
            assertThatThrownBy(() -> anchorer.anchor(request(new byte[10]))).isInstanceOf(IOException.class)
                    .hasMessageContaining("the reply is lost");
            assertThat(anchorer.uploads()).hasSize(1);
            assertThat(anchorer.anchor(request(new byte[10])).status()).isEqualTo(200);
            assertThat(anchorer.injectedFaults()).containsExactly(Fault.dropAfterApply());
        }

        @Test
        void resetMidBody_readsHalfTheBody_thenFails() {
            anchorer.failNext(1, Fault.resetMidBody());
            CountingStream body = new CountingStream(new byte[1000]);
            assertThatThrownBy(() -> anchorer.anchor(new AnchorRequest(SOURCE, 1000, Optional.empty(), body)))
                    .isInstanceOf(IOException.class).hasMessageContaining("reset");
            assertThat(body.read).isEqualTo(500);
        }

        @Test
        void stallBody_pausesAfterTheFirstBytes_thenStores() throws IOException {
            anchorer.failNext(1, Fault.stallBody(Duration.ofMillis(150)));
            long start = System.nanoTime();
            assertThat(anchorer.anchor(request(new byte[Fault.STALL_AFTER_BYTES * 2])).status()).isEqualTo(201);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
            assertThat(anchorer.uploads()).singleElement().satisfies(u -> assertThat(u.size())
                    .isEqualTo(Fault.STALL_AFTER_BYTES * 2L));
        }

        @Test
        void exception_isThrownAsSupplied_checkedOnesWrappedInAnIOException() {
            anchorer.failNext(1, Fault.exception(() -> new IllegalStateException("boom")))
                    .failNext(1, Fault.exception(() -> new TimeoutException("slow")));
            assertThatThrownBy(() -> anchorer.anchor(request(new byte[1]))).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> anchorer.anchor(request(new byte[1]))).isInstanceOf(IOException.class)
                    .hasCauseInstanceOf(TimeoutException.class);
        }

        @Test
        void refusedCredentials_are401s_andAFailingProbe_untilAccepted() throws IOException {
            assertThat(anchorer.refuseCredentials()).isSameAs(anchorer);
            assertThat(anchorer.anchor(request(new byte[1])).status()).isEqualTo(401);
            assertThatThrownBy(anchorer::probe).isInstanceOf(ConfigurationException.class);
            anchorer.acceptCredentials();
            anchorer.probe();
            assertThat(anchorer.anchor(request(new byte[1])).status()).isEqualTo(201);
        }

        @Test
        void partialApply_isRefused_namingTheFake() {
            assertThatThrownBy(() -> anchorer.failNext(1, Fault.dropAfterApply(1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("RecordingAnchorer cannot inject dropAfterApply(1 chunks)");
        }

        @Test
        void faultRate_followsTheSeed() throws IOException {
            assertThat(randomRun(7)).isEqualTo(randomRun(7)).isNotEqualTo(randomRun(8));
        }

        private List<Fault> randomRun(long seed) throws IOException {
            RecordingAnchorer a = RecordingAnchorer.builder().seed(seed).retainContent(false).build();
            a.faultRate(0.5, Fault.status(503), Fault.status(429));
            for (int i = 0; i < 40; i++) {
                a.anchor(request(new byte[1]));
            }
            assertThat(a.seed()).isEqualTo(seed);
            return a.injectedFaults();
        }

        @Test
        void awaitUploads_returnsThem_orFailsWithTheSeed() throws IOException {
            anchorer.anchor(request(new byte[3]));
            assertThat(anchorer.awaitUploads(1, Duration.ofSeconds(1))).hasSize(1);
            assertThatThrownBy(() -> anchorer.awaitUploads(2, Duration.ofMillis(20)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("expected at least 2 accepted uploads")
                    .hasMessageContaining("seed 1");
        }
    }

    @Nested
    class InMemoryQueueFaults {
        private final TestClock clock = TestClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        private final InMemoryQueue queue = InMemoryQueue.builder().clock(clock).build();

        @Test
        void status_isTheDependencyExceptionOfTheRealSource_andLeasesNothing() {
            queue.publish("{}");
            queue.failNext(QueueEndpoint.PULL, 1, Fault.status(503, Duration.ofSeconds(7)));
            assertThatThrownBy(() -> queue.receive(10)).isInstanceOfSatisfying(DependencyException.class, e -> {
                assertThat(e.status()).hasValue(503);
                assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
            });
            assertThat(queue.inFlight()).isZero();
            assertThat(queue.deliveries()).isZero();
        }

        @Test
        void refusalStatuses_areConfigurationExceptions() {
            queue.failNext(QueueEndpoint.PULL, 1, Fault.status(403)).failNext(QueueEndpoint.PULL, 1, Fault.status(404));
            assertThatThrownBy(() -> queue.receive(10)).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("CLOUDFLARE_API_TOKEN");
            assertThatThrownBy(() -> queue.receive(10)).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("queue not found");
        }

        @Test
        void dropAfterApply_onAPull_leasesTheMessages_andLosesTheReply() throws IOException {
            queue.publish("{}");
            queue.failNext(QueueEndpoint.PULL, 1, Fault.dropAfterApply());
            assertThatThrownBy(() -> queue.receive(10)).isInstanceOf(IOException.class)
                    .hasMessageContaining("the reply is lost");
            assertThat(queue.inFlight()).isEqualTo(1);
            clock.advance(Duration.ofSeconds(30));
            assertThat(queue.receive(10).deliveries()).singleElement()
                    .satisfies(d -> assertThat(d.attempts()).isEqualTo(2));
        }

        @Test
        void dropBeforeApply_onASettle_appliesNothing() throws IOException {
            queue.publish("{}");
            Delivery d = queue.receive(10).deliveries().get(0);
            queue.failNext(QueueEndpoint.ACK, 1, Fault.dropBeforeApply());
            assertThatThrownBy(() -> queue.settle(List.of(Settlement.ack(d)))).isInstanceOf(IOException.class);
            assertThat(queue.acked()).isEmpty();
            queue.settle(List.of(Settlement.ack(d)));
            assertThat(queue.acked()).hasSize(1);
        }

        @Test
        void partialApply_onASettle_appliesOnlyTheFirstChunks() throws IOException {
            for (int i = 0; i < 150; i++) {
                queue.publish("{\"n\":" + i + "}");
            }
            List<Settlement> acks = new ArrayList<>();
            for (Batch b = queue.receive(100); !b.deliveries().isEmpty(); b = queue.receive(100)) {
                b.deliveries().forEach(d -> acks.add(Settlement.ack(d)));
            }
            queue.failNext(QueueEndpoint.ACK, 1, Fault.dropAfterApply(1));
            assertThatThrownBy(() -> queue.settle(acks)).isInstanceOf(IOException.class);
            assertThat(queue.acked()).hasSize(InMemoryQueue.SETTLE_CHUNK);
            queue.settle(acks);
            assertThat(queue.acked()).hasSize(150);
            assertThat(queue.warnings()).isEqualTo(InMemoryQueue.SETTLE_CHUNK);
        }

        @Test
        void kindsAQueueCallCannotMeet_areRefused_namingTheFake() {
            assertThatThrownBy(() -> queue.failNext(QueueEndpoint.PEEK, 1, Fault.status(503)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("InMemoryQueue");
            assertThatThrownBy(() -> queue.failNext(1, Fault.stallBody(Duration.ofSeconds(1))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("InMemoryQueue cannot inject stallBody(1 s)");
            assertThatThrownBy(() -> queue.failNext(QueueEndpoint.PULL, 1, Fault.dropAfterApply(1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("QueueEndpoint.ACK");
        }

        @Test
        void refusedCredentials_failReceivesAndTheProbe_untilAccepted() throws IOException {
            queue.publish("{}");
            queue.refuseCredentials();
            assertThatThrownBy(() -> queue.receive(10)).isInstanceOf(ConfigurationException.class);
            assertThatThrownBy(queue::probe).isInstanceOf(ConfigurationException.class);
            assertThat(queue.deliveries()).isZero();
            queue.acceptCredentials().probe();
            assertThat(queue.receive(10).deliveries()).hasSize(1);
        }

        @Test
        void faultRate_followsTheSeed_andIsRecorded() throws IOException {
            queue.faultRate(QueueEndpoint.PULL, 0.5, Fault.status(500));
            int failed = 0;
            for (int i = 0; i < 40; i++) {
                try {
                    queue.receive(1);
                } catch (DependencyException e) {
                    failed++;
                }
            }
            assertThat(failed).isPositive().isLessThan(40);
            assertThat(queue.injectedFaults()).hasSize(failed);
            queue.clearFaults();
            queue.receive(1);
            assertThat(queue.injectedFaults()).hasSize(failed);
        }

        @Test
        void awaitAcked_andAwaitDeadLettered() throws IOException {
            queue.publish("{}");
            Delivery d = queue.receive(10).deliveries().get(0);
            queue.settle(List.of(Settlement.ack(d)));
            assertThat(queue.awaitAcked(1, Duration.ofSeconds(1))).hasSize(1);
            assertThatThrownBy(() -> queue.awaitDeadLettered(1, Duration.ofMillis(20)))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("dead-lettered messages in events");
        }
    }

    @Nested
    class InMemoryBucketFaults {
        private final InMemoryBucket bucket = InMemoryBucket.named("b");

        @Test
        void statuses_areWhatTheR2ReaderThrows_orNoObjectFor404() throws IOException {
            bucket.put("k", "content");
            bucket.failNextReads(1, Fault.status(503)).failNextReads(1, Fault.status(403))
                    .failNextReads(1, Fault.status(404));
            assertThatThrownBy(() -> bucket.open("b", "k")).isInstanceOfSatisfying(DependencyException.class,
                    e -> assertThat(e.status()).hasValue(503));
            assertThatThrownBy(() -> bucket.open("b", "k")).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("R2_ACCESS_KEY_ID");
            assertThat(bucket.open("b", "k")).isEmpty();
            assertThat(bucket.open("b", "k")).isPresent();
        }

        @Test
        void resetMidBody_breaksTheContentStreamHalfWay() throws IOException {
            bucket.put("k", new byte[1000]);
            bucket.failNextReads(1, Fault.resetMidBody());
            StoredObject object = bucket.open("b", "k").orElseThrow();
            try (InputStream in = object.body()) {
                assertThat(in.readNBytes(500)).hasSize(500);
                assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessageContaining("reset");
            }
        }

        @Test
        void dropBeforeApply_isAnIOException_andDropAfterApplyIsRefused() {
            bucket.put("k", "content");
            bucket.failNextReads(1, Fault.dropBeforeApply());
            assertThatThrownBy(() -> bucket.open("b", "k")).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> bucket.failNextReads(1, Fault.dropAfterApply()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("InMemoryBucket cannot inject dropAfterApply: a read changes nothing");
        }

        @Test
        void refusedCredentials_failOpensAndProbes_untilAccepted() throws IOException {
            bucket.put("k", "content");
            bucket.refuseCredentials();
            assertThatThrownBy(() -> bucket.open("b", "k")).isInstanceOf(ConfigurationException.class);
            assertThatThrownBy(() -> bucket.probe("b")).isInstanceOf(ConfigurationException.class);
            bucket.acceptCredentials().probe("b");
            assertThat(bucket.open("b", "k")).isPresent();
        }

        @Test
        void awaitReads_countsOpens() throws IOException {
            bucket.open("b", "missing");
            assertThat(bucket.awaitReads(1, Duration.ofSeconds(1))).isEqualTo(1);
            assertThatThrownBy(() -> bucket.awaitReads(2, Duration.ofMillis(20))).isInstanceOf(AssertionError.class);
        }
    }

    private static AnchorRequest request(byte[] content) {
        return new AnchorRequest(SOURCE, content.length, Optional.empty(), new ByteArrayInputStream(content));
    }

    private static final class CountingStream extends ByteArrayInputStream {
        int read;

        CountingStream(byte[] content) {
            super(content);
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            int n = super.read(b, off, len);
            if (n > 0) {
                read += n;
            }
            return n;
        }
    }
}
