package ai.rootkey.connector.it;

import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.r2.DeadLetterQueue;
import ai.rootkey.connector.r2.R2EventCodec;
import ai.rootkey.connector.r2.Secret;
import ai.rootkey.connector.testkit.FakeCloudflareQueues;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.QueueConsumerSettings;
import ai.rootkey.connector.testkit.QueueEndpoint;
import ai.rootkey.connector.testkit.QueueMessage;
import ai.rootkey.connector.testkit.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Peek and replay against the fake Cloudflare Queues, with interruptions at every step. */
class DeadLetterQueueIT {
    private static final Duration LEASE = Duration.ofSeconds(60);
    private static final R2EventCodec CODEC = R2EventCodec.standard();

    private final TestClock clock = TestClock.at(Instant.parse("2025-03-01T10:00:00Z"));
    private FakeCloudflareQueues fake;
    private String eventsId;
    private String dlqId;

    @BeforeEach
    void start() {
        fake = FakeCloudflareQueues.builder().clock(clock).seed(11).build().start();
        dlqId = fake.createQueue("dlq", QueueConsumerSettings.defaults().withMaxRetries(100));
        eventsId = fake.createQueue("events", QueueConsumerSettings.defaults().withMaxRetries(5)
                .withDeadLetterQueue("dlq"));
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private DeadLetterQueue dlq() {
        return DeadLetterQueue.builder().accountId(fake.accountId()).queueId(eventsId).dlqId(dlqId)
                .apiToken(Secret.of(fake.token())).baseUrl(fake.baseUrl())
                .allowInsecureLoopbackForTesting(true).lease(LEASE).clock(clock).build();
    }

    private List<String> deadLetter(String prefix, int count) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String key = prefix + String.format("%04d", i) + ".pdf";
            fake.publish(dlqId, CODEC.toJson(ObjectEvent.builder().bucket("acme-docs").key(key).size(10 + i)
                    .eTag("e" + i).eventTime(clock.instant()).build(), fake.accountId()));
            keys.add(key);
        }
        return keys;
    }

    private static Set<String> keysIn(List<QueueMessage> messages) {
        return messages.stream().map(m -> CODEC.parse(m.body()).key()).collect(Collectors.toSet());
    }

    @Test
    void peek_listsKeyAttemptsAndAge_withoutConsuming() throws IOException {
        List<String> keys = deadLetter("invoices/", 3);
        fake.publishText(dlqId, "not an event");
        clock.advance(Duration.ofMinutes(90));

        try (DeadLetterQueue dlq = dlq()) {
            List<DeadLetterQueue.DeadLetter> first = dlq.peek("", 10);
            List<DeadLetterQueue.DeadLetter> second = dlq.peek("", 10);

            assertThat(first).hasSize(4);
            assertThat(first.subList(0, 3)).extracting(m -> m.key().orElseThrow()).containsExactlyElementsOf(keys);
            assertThat(first).as("a peek counts no attempt").extracting(DeadLetterQueue.DeadLetter::attempts)
                    .containsOnly(0);
            assertThat(first.get(0).age(clock.instant())).isEqualTo(Duration.ofMinutes(90));
            assertThat(first.get(3).key()).isEmpty();
            assertThat(first.get(3).problem()).isPresent();
            assertThat(first.get(3).replayable()).isFalse();
            assertThat(second).extracting(DeadLetterQueue.DeadLetter::attempts).containsOnly(0);
        }
        assertThat(fake.queue(dlqId).backlog()).hasSize(4);
        assertThat(fake.queue(dlqId).inFlight()).isEmpty();
        assertThat(fake.queue(dlqId).acked()).isEmpty();
        assertThat(fake.queue(eventsId).backlog()).isEmpty();
    }

    @Test
    void dryRunReplaysMoreOftenThanTheDlqConsumersMaxRetries_refreshInsteadOfDropping() throws IOException {
        fake.configureConsumer(dlqId, QueueConsumerSettings.defaults()); // Cloudflare's default: max_retries 3
        List<String> keys = deadLetter("invoices/", 3);
        fake.publishText(dlqId, "a text body");
        try (DeadLetterQueue dlq = dlq()) {
            for (int i = 0; i < 7; i++) {
                // each dry run pulls (one attempt) and hands back; on delivery max_retries + 1 it refreshes instead
                assertThat(dlq.replay().dryRun(true).run().examined()).isEqualTo(4);
            }
        }
        assertThat(fake.queue(dlqId).deadLettered()).as("nothing dropped").isEmpty();
        assertThat(keysIn(fake.queue(dlqId).backlog().stream().filter(m -> m.contentType().equals("json")).toList()))
                .containsExactlyInAnyOrderElementsOf(keys);
        assertThat(fake.queue(dlqId).backlog()).extracting(QueueMessage::body).contains("a text body");
        assertThat(fake.queue(dlqId).backlog()).extracting(QueueMessage::attempts).allMatch(a -> a <= 3);
    }

    @Test
    void peek_withPrefixAndLimit_showsOnlyThose_andLeasesNothing() throws IOException {
        deadLetter("receipts/", 50);
        List<String> invoices = deadLetter("invoices/", 5);
        try (DeadLetterQueue dlq = dlq()) {
            assertThat(dlq.peek("invoices/", 3)).extracting(m -> m.key().orElseThrow())
                    .containsExactlyElementsOf(invoices.subList(0, 3));
        }
        assertThat(fake.queue(dlqId).backlog()).hasSize(55).extracting(QueueMessage::attempts).containsOnly(0);
        assertThat(fake.queue(dlqId).inFlight()).isEmpty();
        assertThat(fake.requestCount(QueueEndpoint.PULL)).as("no pull, no lease").isZero();
        assertThat(fake.requestCount(QueueEndpoint.PEEK)).isEqualTo(1);
    }

    @Test
    void peek_seesTheFirstHundredMessagesOnly_CloudflaresLargestPeek() throws IOException {
        deadLetter("receipts/", 150);
        deadLetter("invoices/", 5);
        try (DeadLetterQueue dlq = dlq()) {
            assertThat(dlq.peek("", 1000)).hasSize(DeadLetterQueue.MAX_PEEK);
            assertThat(dlq.peek("invoices/", 3)).as("beyond the first hundred").isEmpty();
        }
    }

    @Test
    void replay_movesMatchingMessagesToTheEventQueue_sameBodies_andLeavesTheRest() throws IOException {
        List<String> invoices = deadLetter("invoices/", 120);
        List<String> receipts = deadLetter("receipts/", 30);
        fake.publishText(dlqId, "not json {");
        List<String> bodiesBefore = fake.queue(dlqId).backlog().stream().map(QueueMessage::body).toList();
        List<DeadLetterQueue.ReplayReport> progress = new ArrayList<>();

        DeadLetterQueue.ReplayReport report;
        try (DeadLetterQueue dlq = dlq()) {
            report = dlq.replay().keyPrefix("invoices/").onProgress(progress::add).run();
        }

        assertThat(report.replayed()).isEqualTo(120);
        assertThat(report.examined()).isEqualTo(151);
        assertThat(report.filteredOut()).isEqualTo(31);
        assertThat(report.dryRun()).isFalse();
        assertThat(progress).isNotEmpty().last().satisfies(p -> assertThat(p.replayed()).isEqualTo(120));
        assertThat(keysIn(fake.queue(eventsId).backlog())).containsExactlyInAnyOrderElementsOf(invoices);
        assertThat(fake.queue(eventsId).backlog()).extracting(QueueMessage::contentType).containsOnly("json");
        assertThat(fake.queue(eventsId).backlog()).extracting(QueueMessage::body)
                .allSatisfy(body -> assertThat(bodiesBefore).contains(body));
        List<QueueMessage> left = fake.queue(dlqId).backlog();
        assertThat(left).hasSize(31);
        assertThat(left.stream().filter(m -> m.contentType().equals("json")).map(m -> CODEC.parse(m.body()).key()))
                .containsExactlyInAnyOrderElementsOf(receipts);
        assertThat(fake.queue(dlqId).inFlight()).isEmpty();
    }

    @Test
    void replay_withLimitAndDryRun() throws IOException {
        deadLetter("invoices/", 10);
        try (DeadLetterQueue dlq = dlq()) {
            DeadLetterQueue.ReplayReport dry = dlq.replay().dryRun(true).limit(4).run();
            assertThat(dry.replayed()).isEqualTo(4);
            assertThat(dry.dryRun()).isTrue();
            assertThat(fake.queue(eventsId).backlog()).isEmpty();
            assertThat(fake.queue(dlqId).backlog()).hasSize(10);

            DeadLetterQueue.ReplayReport real = dlq.replay().limit(4).run();
            assertThat(real.replayed()).isEqualTo(4);
        }
        assertThat(fake.queue(eventsId).backlog()).hasSize(4);
        assertThat(fake.queue(dlqId).backlog()).hasSize(6);
        assertThat(fake.queue(dlqId).inFlight()).isEmpty();
    }

    @Test
    void replay_withoutDlqId_failsWithFix() {
        assertThatThrownBy(() -> DeadLetterQueue.builder().accountId(fake.accountId()).queueId(eventsId)
                .apiToken(Secret.of("t")).build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("dlqId");
    }

    // ------------------------------------------------------------------ interruptions

    /** A replay cut off at some point: the process "dies" (no hand-back possible), then the leases run out. */
    private void interruptedReplay(Runnable faults, int stopAfterBatches) {
        faults.run();
        int[] batches = {0};
        try (DeadLetterQueue dlq = dlq()) {
            dlq.replay().onProgress(p -> {
                if (++batches[0] >= stopAfterBatches) {
                    // The process dies here: even the hand-back of what it holds fails.
                    fake.failNext(QueueEndpoint.ACK, 10, Fault.dropBeforeApply());
                    throw new IllegalStateException("killed");
                }
            }).run();
        } catch (IOException | RuntimeException expected) {
            // interrupted, as intended
        }
        fake.clearFaults();
        fake.advanceTime(LEASE.plusSeconds(1));
    }

    private void assertNothingLost(List<String> keys) {
        Set<String> inDlq = keysIn(fake.queue(dlqId).backlog());
        Set<String> inEvents = keysIn(fake.queue(eventsId).backlog());
        Set<String> somewhere = new HashSet<>(inDlq);
        somewhere.addAll(inEvents);
        assertThat(somewhere).as("every dead letter is in the DLQ or in the event queue (dlq=%d, events=%d)",
                inDlq.size(), inEvents.size()).containsAll(keys);
        assertThat(fake.queue(dlqId).deadLettered()).as("the DLQ's own consumer dropped nothing").isEmpty();
    }

    @Test
    void killedBetweenBatches_losesNothing_andTheNextReplayFinishes() throws IOException {
        List<String> keys = deadLetter("k/", 250);
        interruptedReplay(() -> { }, 1);
        assertNothingLost(keys);
        assertThat(fake.queue(dlqId).backlog()).hasSize(150);

        try (DeadLetterQueue dlq = dlq()) {
            assertThat(dlq.replay().run().replayed()).isEqualTo(150);
        }
        assertThat(keysIn(fake.queue(eventsId).backlog())).containsExactlyInAnyOrderElementsOf(keys);
        assertThat(fake.queue(dlqId).backlog()).isEmpty();
    }

    @Test
    void publishAppliedButReplyLost_leavesDuplicatesNeverLosses() {
        List<String> keys = deadLetter("k/", 120);
        interruptedReplay(() -> fake.failNext(QueueEndpoint.PUBLISH, 3, Fault.dropAfterApply()), 99);
        assertNothingLost(keys);
    }

    @Test
    void ackLostAfterPublish_leavesDuplicatesNeverLosses() {
        List<String> keys = deadLetter("k/", 120);
        interruptedReplay(() -> fake.failNext(QueueEndpoint.ACK, 3, Fault.dropBeforeApply()), 99);
        assertNothingLost(keys);
        assertThat(keysIn(fake.queue(dlqId).backlog())).as("the first batch was published but not acked")
                .hasSizeGreaterThanOrEqualTo(100);
    }

    @Test
    void ackAppliedButReplyLost_losesNothing() {
        List<String> keys = deadLetter("k/", 120);
        interruptedReplay(() -> fake.failNext(QueueEndpoint.ACK, 1, Fault.dropAfterApply()), 99);
        assertNothingLost(keys);
    }

    @Test
    void randomFaultsEverywhere_repeatedReplays_loseNothing_andEventuallyEmptyTheDlq() {
        long seed = 42;
        Random random = new Random(seed);
        List<String> keys = deadLetter("k/", 300);
        for (QueueEndpoint endpoint : List.of(QueueEndpoint.PULL, QueueEndpoint.ACK, QueueEndpoint.PUBLISH)) {
            fake.faultRate(endpoint, 0.3, Fault.status(503), Fault.dropBeforeApply(),
                    Fault.dropAfterApply());
        }
        for (int round = 0; round < 40 && !fake.queue(dlqId).backlog().isEmpty(); round++) {
            int stopAfter = 1 + random.nextInt(3);
            int[] batches = {0};
            try (DeadLetterQueue dlq = dlq()) {
                dlq.replay().onProgress(p -> {
                    if (++batches[0] >= stopAfter && random.nextBoolean()) {
                        throw new IllegalStateException("killed");
                    }
                }).run();
            } catch (IOException | RuntimeException interrupted) {
                // expected now and then
            }
            fake.advanceTime(LEASE.plusSeconds(1));
            assertNothingLost(keys);
        }
        fake.clearFaults();
        try (DeadLetterQueue dlq = dlq()) {
            dlq.replay().run();
        } catch (IOException e) {
            throw new AssertionError("seed " + seed, e);
        }
        assertThat(fake.queue(dlqId).backlog()).as("seed %d", seed).isEmpty();
        assertThat(keysIn(fake.queue(eventsId).backlog())).as("seed %d", seed).containsAll(keys);
    }
}
