package ai.rootkey.connector.it;

import ai.rootkey.connector.Batch;
import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.ConnectorException;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.r2.CloudflareQueueSource;
import ai.rootkey.connector.r2.R2EventCodec;
import ai.rootkey.connector.r2.Secret;
import ai.rootkey.connector.testkit.FakeCloudflareQueues;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.QueueConsumerSettings;
import ai.rootkey.connector.testkit.QueueEndpoint;
import ai.rootkey.connector.testkit.QueueMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link CloudflareQueueSource} end to end against {@link FakeCloudflareQueues}, with seeded faults. */
class CloudflareQueueSourceFakeIT {
    /** Override with {@code -Dqueues.seed=N} to replay a failure; every assertion names the seed. */
    private static final long SEED = Long.getLong("queues.seed", 20_261_120L);
    private static final Instant T0 = Instant.parse("2026-11-20T09:00:00Z");
    private static final Duration VISIBILITY = Duration.ofSeconds(30);
    private static final String POISON_KEY = "poison/always-fails.pdf";
    private static final String BUCKET = "acme-documents";

    private FakeCloudflareQueues fake;
    private String queueId;
    private String dlqId;
    private CloudflareQueueSource source;

    @BeforeEach
    void start() {
        fake = FakeCloudflareQueues.builder().seed(SEED).clock(Clock.fixed(T0, ZoneOffset.UTC)).build().start();
        dlqId = fake.createQueue("rootkey-r2-dlq");
        queueId = fake.createQueue("rootkey-r2", QueueConsumerSettings.defaults()
                .withMaxRetries(5).withDeadLetterQueue("rootkey-r2-dlq"));
        source = sourceFor(queueId, Secret.of(fake.token()));
    }

    @AfterEach
    void stop() {
        source.close();
        fake.close();
    }

    private CloudflareQueueSource sourceFor(String queue, Secret token) {
        return CloudflareQueueSource.builder()
                .baseUrl(fake.baseUrl())
                .allowInsecureLoopbackForTesting(true)
                .accountId(fake.accountId())
                .queueId(queue)
                .apiToken(token)
                .visibilityTimeout(VISIBILITY)
                .apiRetry(2, Duration.ofMillis(1), Duration.ofMillis(10))
                .build();
    }

    private static String event(String key) {
        ObjectEvent e = new ObjectEvent(BUCKET, key, EventAction.PUT_OBJECT, OptionalLong.of(1024), Optional.of("etag"),
                Optional.of(T0), Optional.empty());
        return R2EventCodec.standard().toJson(e, "3f4b7e3dcab231cbfdaa90a6a28bd548");
    }

    @Test
    void fiveHundredEvents_withFaultsOnPullAndAck_areAllAckedExactlyOnce_andThePoisonIsDeadLettered() throws Exception {
        List<String> bodies = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            String key = String.format("docs/2026/file-%03d.pdf", i);
            keys.add(key);
            bodies.add(event(key));
        }
        bodies.add(250, event(POISON_KEY));
        source.publishBatch(bodies);
        assertThat(fake.queue(queueId).backlog()).as("seed %d", SEED).hasSize(501);

        Fault[] mix = {Fault.status(500), Fault.status(503),
                Fault.status(429, Duration.ZERO), Fault.dropBeforeApply(), Fault.dropAfterApply()};
        fake.faultRate(QueueEndpoint.PULL, 0.35, mix);
        fake.faultRate(QueueEndpoint.ACK, 0.35, mix);

        Map<String, Integer> deliveriesSeen = new HashMap<>();
        Set<String> keysSeen = new HashSet<>();
        int receiveFailures = 0;
        int settleFailures = 0;
        int leaseExpiries = 0;
        for (int round = 0; !fake.queue(queueId).backlog().isEmpty(); round++) {
            assertThat(round).as("seed %d: the queue drains in a bounded number of rounds", SEED).isLessThan(2_000);
            Batch batch;
            try {
                batch = source.receive(25);
            } catch (IOException | ConnectorException e) {
                receiveFailures++; // the engine would back off; time does not matter here
                continue;
            }
            if (batch.isEmpty()) {
                // only leases lost with a dropped pull reply remain: let them expire
                fake.advanceTime(VISIBILITY);
                leaseExpiries++;
                continue;
            }
            List<Settlement> settlements = new ArrayList<>();
            for (Delivery d : batch.deliveries()) {
                assertThat(d.event()).as("seed %d: every body is an event", SEED).isPresent();
                deliveriesSeen.merge(d.messageId(), 1, Integer::sum);
                String key = d.event().get().key();
                keysSeen.add(key);
                settlements.add(key.equals(POISON_KEY) ? Settlement.retry(d, Duration.ZERO) : Settlement.ack(d));
            }
            for (int attempt = 1; ; attempt++) {
                try {
                    source.settle(settlements); // the engine re-sends the same settlements after a failure
                    break;
                } catch (IOException | ConnectorException e) {
                    settleFailures++;
                    assertThat(attempt).as("seed %d: settle eventually succeeds", SEED).isLessThan(50);
                }
            }
        }

        List<QueueMessage> acked = fake.queue(queueId).acked();
        assertThat(acked).as("seed %d: every event acked exactly once", SEED).hasSize(500);
        assertThat(acked).extracting(QueueMessage::id).as("seed %d", SEED).doesNotHaveDuplicates();
        assertThat(acked.stream().map(m -> keyOf(m.body())).collect(Collectors.toSet())).as("seed %d", SEED)
                .isEqualTo(keys);
        assertThat(keysSeen).as("seed %d: the consumer saw every event", SEED).containsAll(keys).contains(POISON_KEY);
        assertThat(fake.queue(queueId).backlog()).as("seed %d", SEED).isEmpty();
        assertThat(fake.queue(queueId).inFlight()).as("seed %d", SEED).isEmpty();

        List<QueueMessage> deadLettered = fake.queue(queueId).deadLettered();
        assertThat(deadLettered).as("seed %d: only the poison is dead-lettered", SEED).singleElement()
                .satisfies(m -> {
                    assertThat(keyOf(m.body())).isEqualTo(POISON_KEY);
                    assertThat(m.attempts()).as("max_retries 5: six deliveries").isEqualTo(6);
                });
        assertThat(fake.queue(dlqId).backlog()).as("seed %d: the DLQ holds the poison", SEED).singleElement()
                .satisfies(m -> assertThat(m.id()).isEqualTo(deadLettered.get(0).id()));

        assertThat(receiveFailures + settleFailures).as("seed %d: some calls failed after their retries", SEED)
                .isPositive();
        assertThat(fake.queue(queueId).deliveredCount()).as("seed %d: faults caused redeliveries", SEED)
                .isGreaterThan(505);
        for (Fault fault : mix) {
            assertThat(fake.injectedFaults()).as("seed %d: %s injected", SEED, fault).contains(fault);
        }
        System.out.printf("seed %d: %d pulls, %d ack calls, %d receive failures, %d settle failures, %d lease expiries, "
                        + "%d deliveries seen, %d delivered%n", SEED, fake.requestCount(QueueEndpoint.PULL),
                fake.requestCount(QueueEndpoint.ACK), receiveFailures, settleFailures, leaseExpiries,
                deliveriesSeen.values().stream().mapToInt(Integer::intValue).sum(), fake.queue(queueId).deliveredCount());
    }

    private static String keyOf(String eventJson) {
        return R2EventCodec.standard().parse(eventJson).key();
    }

    @Test
    void receiveAndSettleOnTwoThreads_drainTheQueue() throws Exception {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            bodies.add(event("concurrent/" + i + ".pdf"));
        }
        source.publishBatch(bodies);
        BlockingQueue<Delivery> received = new LinkedBlockingQueue<>();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> receiver = threads.submit(() -> {
                int n = 0;
                while (n < 300) {
                    for (Delivery d : source.receive(7).deliveries()) {
                        received.add(d);
                        n++;
                    }
                }
                return n;
            });
            Future<Integer> settler = threads.submit(() -> {
                int n = 0;
                while (n < 300) {
                    List<Delivery> chunk = new ArrayList<>();
                    Delivery first = received.poll(10, TimeUnit.SECONDS);
                    assertThat(first).as("a delivery arrives").isNotNull();
                    chunk.add(first);
                    received.drainTo(chunk, 40);
                    source.settle(chunk.stream().map(Settlement::ack).toList());
                    n += chunk.size();
                }
                return n;
            });
            assertThat(receiver.get(30, TimeUnit.SECONDS)).isEqualTo(300);
            assertThat(settler.get(30, TimeUnit.SECONDS)).isEqualTo(300);
        } finally {
            threads.shutdownNow();
        }
        assertThat(fake.queue(queueId).acked()).hasSize(300);
        assertThat(fake.queue(queueId).backlog()).isEmpty();
        assertThat(fake.queue(queueId).deliveredCount()).isEqualTo(300);
    }

    @Test
    void bodiesOfEveryContentType_comeBackAsDocumented() throws Exception {
        String json = event("a.pdf");
        fake.publish(queueId, json);
        fake.publishText(queueId, json);
        fake.publishText(queueId, "not an event");
        fake.publishRaw(queueId, "bytes", json.getBytes(StandardCharsets.UTF_8));
        fake.publishRaw(queueId, "v8", new byte[] {(byte) 0xff, 0x0f, 0x22});

        List<Delivery> got = source.receive(10).deliveries();

        assertThat(got).hasSize(5);
        assertThat(got.subList(0, 2)).allSatisfy(d -> assertThat(d.event()).isPresent());
        assertThat(got.get(2).parseFailure()).hasValueSatisfying(f -> assertThat(f.rawBody()).isEqualTo("not an event"));
        assertThat(got.get(3).event()).isPresent();
        assertThat(got.get(4).parseFailure()).hasValueSatisfying(f -> assertThat(f.reason()).contains("v8"));
        assertThat(got).allSatisfy(d -> assertThat(d.attempts()).isEqualTo(1));
    }

    @Test
    void backlogAndLeaseExpiry_areReportedThroughTheSource() throws Exception {
        fake.publish(queueId, event("a.pdf"));
        fake.advanceTime(Duration.ofSeconds(5));
        fake.publish(queueId, event("b.pdf"));

        Batch first = source.receive(1);
        assertThat(first.backlog()).hasValueSatisfying(b -> {
            assertThat(b.messages()).isEqualTo(2);
            assertThat(b.oldestMessageTime()).contains(T0);
        });
        fake.advanceTime(VISIBILITY);
        Batch second = source.receive(10);

        String firstId = first.deliveries().get(0).messageId();
        assertThat(second.deliveries()).hasSize(2).extracting(Delivery::messageId).contains(firstId);
        assertThat(second.deliveries()).filteredOn(d -> d.messageId().equals(firstId))
                .singleElement().satisfies(d -> assertThat(d.attempts()).isEqualTo(2));
        source.settle(List.of(Settlement.ack(first.deliveries().get(0))));
        assertThat(fake.queue(queueId).acked()).as("an ack with the expired lease is still accepted").hasSize(1);
    }

    @Test
    void revokedToken_isAConfigurationException_andProbeRecoversOnceAccepted() throws Exception {
        source.probe();
        fake.refuseCredentials();

        assertThatThrownBy(() -> source.receive(5)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CLOUDFLARE_API_TOKEN");
        assertThatThrownBy(() -> source.probe()).isInstanceOf(ConfigurationException.class);
        fake.acceptCredentials();
        source.probe();
        assertThat(fake.queue(queueId).backlog()).isEmpty();
    }

    @Test
    void unknownQueue_isAConfigurationExceptionNamingTheIds() {
        try (CloudflareQueueSource wrong = sourceFor("00000000000000000000000000000000", Secret.of(fake.token()))) {
            assertThatThrownBy(() -> wrong.receive(5)).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("R2_QUEUE_ID");
        }
    }

    @Test
    void publishBatch_ofMoreThan100_arrivesCompleteAndInOrder() throws Exception {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            bodies.add("{\"n\":" + i + "}");
        }

        source.publishBatch(bodies);

        assertThat(fake.queue(queueId).backlog()).extracting(QueueMessage::body).isEqualTo(bodies);
        assertThat(fake.requestCount(QueueEndpoint.PUBLISH)).isEqualTo(3);
    }
}
