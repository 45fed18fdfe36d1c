package ai.rootkey.connector.engine;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Verdict;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.InMemoryQueue;
import ai.rootkey.connector.testkit.QueueEndpoint;
import ai.rootkey.connector.testkit.QueueMessage;
import ai.rootkey.connector.testkit.RecordingAnchorer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random mixes of events and faults against the in-memory parts: whatever happens, no message is lost. Every
 * message ends acked for a recorded reason (anchored byte-exact, skipped, or terminal with a reason) or in the
 * dead-letter queue after using all its attempts.
 */
class NothingLostProperties {

    enum Op { PUT, PUT_BIG, OVERWRITE, DELETE, DELETE_BEFORE_READ, COPY, MULTIPART, GARBAGE, FOREIGN, DUPLICATE_EVENT }

    @Property(tries = 40, seed = "2026112921")
    void randomEventsAndFaults_loseNothing(@ForAll("ops") List<Op> ops, @ForAll long seed,
                                           @ForAll @IntRange(min = 1, max = 8) int concurrency,
                                           @ForAll @IntRange(min = 0, max = 5) int maxRetries) {
        // Few retries make last attempts common, where a pause, a close or a lost lease must requeue (rule 10).
        run(ops, seed, concurrency, maxRetries, 1);
    }

    /** The same with several receives under way at once (a source that allows it, as the Cloudflare one does). */
    @Property(tries = 20, seed = "2026112922")
    void randomEventsAndFaults_withConcurrentReceives_loseNothing(
            @ForAll("ops") List<Op> ops, @ForAll long seed, @ForAll @IntRange(min = 1, max = 8) int concurrency,
            @ForAll @IntRange(min = 0, max = 5) int maxRetries, @ForAll @IntRange(min = 2, max = 4) int receives) {
        run(ops, seed, concurrency, maxRetries, receives);
    }

    /**
     * Failed one run in twenty before only decisions dead-lettered: a 401 from the seeded faults paused the connector,
     * each release spent an attempt, and the message reached the DLQ RELEASED, not EXHAUSTED (issue "Only a decision
     * dead-letters"; jqwik shrank it to this).
     */
    @Example
    void seed10877_singlePut_concurrencyOne() {
        run(List.of(Op.PUT), 10877L, 1, 5);
    }

    private static void run(List<Op> ops, long seed, int concurrency, int maxRetries) {
        run(ops, seed, concurrency, maxRetries, 1);
    }

    private static void run(List<Op> ops, long seed, int concurrency, int maxRetries, int receives) {
        Random random = new Random(seed);
        try (ConnectorTestKit kit = ConnectorTestKit.builder().seed(seed).maxRetries(maxRetries).build()) {
            int n = 0;
            for (Op op : ops) {
                String key = "k/" + random.nextInt(12);
                n++;
                switch (op) {
                    case PUT -> kit.bucket().put(key, ("v" + n).getBytes());
                    case PUT_BIG -> {
                        byte[] big = new byte[2_000 + random.nextInt(3_000)];
                        random.nextBytes(big);
                        kit.bucket().put(key, big);
                    }
                    case OVERWRITE -> {
                        kit.bucket().put(key, ("first" + n).getBytes());
                        kit.bucket().overwriteBeforeRead(key, ("second" + n).getBytes());
                    }
                    case DELETE -> kit.bucket().delete(key);
                    case DELETE_BEFORE_READ -> {
                        kit.bucket().put(key, ("doomed" + n).getBytes());
                        kit.bucket().deleteBeforeRead(key);
                    }
                    case COPY -> {
                        if (kit.bucket().get(key).isPresent()) {
                            kit.bucket().copy(key, key + ".copy");
                        }
                    }
                    case MULTIPART -> kit.bucket().completeMultipart(key, ("a" + n).getBytes(), ("b" + n).getBytes());
                    case GARBAGE -> kit.queue().publishText("garbage " + n);
                    case FOREIGN -> kit.queue().publish(ai.rootkey.connector.ObjectEvent.builder().bucket("other")
                            .key(key).size(1).eTag("e").build());
                    case DUPLICATE_EVENT -> {
                        List<QueueMessage> messages = kit.queue().messages();
                        if (!messages.isEmpty()) {
                            kit.queue().publish(messages.get(random.nextInt(messages.size())).body());
                        }
                    }
                    default -> throw new IllegalStateException();
                }
            }
            kit.anchorer().faultRate(0.3, Fault.status(503), Fault.status(429, Duration.ofSeconds(3)),
                    Fault.status(400), Fault.status(401), Fault.exception(() -> new IOException("reset")),
                    Fault.resetMidBody(), Fault.latency(Duration.ofMillis(1)));
            kit.bucket().failNextReads(random.nextInt(4),
                    Fault.exception(() -> new DependencyException("GetObject", 503, "SlowDown", null, null)));
            kit.queue().failNext(QueueEndpoint.PULL, random.nextInt(3), Fault.exception(() -> new IOException("pull 503")));
            int settleFaults = random.nextInt(3);
            kit.queue().failNext(QueueEndpoint.ACK, settleFaults,
                    random.nextBoolean() ? Fault.dropAfterApply() : Fault.dropBeforeApply());

            RecordingListener listener = new RecordingListener();
            Connector connector = kit.start(b -> b.listener(listener).concurrency(concurrency).batchSize(5)
                    .source(receives == 1 ? kit.queue() : new ConcurrentSource(kit.queue(), receives)));
            kit.runUntilIdle(connector, Duration.ofSeconds(60));
            connector.close();
            assertInvariants(kit, listener, connector);
        }
    }

    private static void assertInvariants(ConnectorTestKit kit, RecordingListener listener, Connector connector) {
        String seedNote = "seed " + kit.seed();
        InMemoryQueue queue = kit.queue();
        assertThat(queue.backlog()).as("queue drained (%s)", seedNote).isZero();

        Map<String, List<Outcome>> byMessage = listener.outcomes().stream()
                .collect(Collectors.groupingBy(o -> o.delivery().messageId()));
        // Every acked message was settled for a recorded reason.
        for (QueueMessage acked : queue.acked()) {
            List<Outcome> outcomes = byMessage.get(acked.id());
            assertThat(outcomes).as("outcomes of acked message %s (%s)", acked.id(), seedNote).isNotNull();
            Outcome last = outcomes.get(outcomes.size() - 1);
            assertThat(last.kind()).as("final outcome of acked %s (%s)", acked.id(), seedNote)
                    .isIn(Outcome.Kind.ANCHORED, Outcome.Kind.SKIPPED, Outcome.Kind.TERMINAL, Outcome.Kind.REQUEUED);
            if (last.kind() == Outcome.Kind.TERMINAL) {
                assertThat(last.reason()).isNotBlank();
            }
            if (last.kind() == Outcome.Kind.REQUEUED) { // published again as a new message, then acked
                assertThat(last.attempt()).as("requeued on its last attempt (%s)", seedNote)
                        .isEqualTo(queue.maxRetries().getAsInt() + 1);
            }
        }
        // Only a decision dead-letters: every dead-lettered message used all its attempts, the last one EXHAUSTED.
        for (QueueMessage dead : queue.deadLettered()) {
            List<Outcome> outcomes = byMessage.get(dead.id());
            assertThat(dead.attempts()).as("attempts of dead-lettered %s (%s)", dead.id(), seedNote)
                    .isEqualTo(queue.maxRetries().getAsInt() + 1);
            assertThat(outcomes.get(outcomes.size() - 1).kind()).as("last outcome of dead-lettered %s (%s)",
                    dead.id(), seedNote).isEqualTo(Outcome.Kind.EXHAUSTED);
        }
        // Anchored outcomes correspond to uploads of exactly the bytes of that object version.
        Set<String> uploaded = kit.anchorer().uploads().stream()
                .map(u -> u.key() + "@" + u.source().eTag().orElse("") + "#" + u.sha256()).collect(Collectors.toSet());
        for (Outcome o : listener.of(Outcome.Kind.ANCHORED)) {
            String id = o.source().orElseThrow().key() + "@" + o.source().orElseThrow().eTag().orElse("") + "#"
                    + o.receipt().orElseThrow().sha256();
            assertThat(uploaded).as("anchored outcome has an upload (%s)", seedNote).contains(id);
        }
        for (RecordingAnchorer.Upload u : kit.anchorer().uploads()) {
            assertThat(Sha256.hex(u.content().orElseThrow())).isEqualTo(u.sha256());
        }
        // Terminal reasons are only the permanent ones.
        assertThat(listener.of(Outcome.Kind.TERMINAL)).extracting(Outcome::reason).allSatisfy(r -> assertThat(r)
                .isIn(Verdict.MALFORMED_EVENT, Verdict.FOREIGN_BUCKET, Verdict.OBJECT_MISSING, Verdict.OVERSIZE, "http_400"));
        // Counters add up, nothing left in flight.
        var stats = connector.stats();
        assertThat(stats.inFlight()).isZero();
        assertThat(stats.received()).isEqualTo(stats.decided());
        assertThat(stats.received()).isEqualTo(listener.outcomes().size());
        // Each message ends exactly once: acked once, or dead-lettered, never both.
        List<String> ackedIds = queue.acked().stream().map(QueueMessage::id).toList();
        assertThat(ackedIds).as("acked once each (%s)", seedNote).doesNotHaveDuplicates();
        assertThat(queue.deadLettered()).extracting(QueueMessage::id)
                .allSatisfy(id -> assertThat(ackedIds).doesNotContain(id));
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        return Arbitraries.of(Op.class).list().ofMinSize(1).ofMaxSize(40);
    }
}
