package ai.rootkey.connector.it.chaos;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.RetryPolicy;
import ai.rootkey.connector.it.Hashes;
import ai.rootkey.connector.it.NastyKeys;
import ai.rootkey.connector.it.chaos.ChaosInvariants.ApiUpload;
import ai.rootkey.connector.it.chaos.ChaosInvariants.DeadLetter;
import ai.rootkey.connector.it.chaos.ChaosInvariants.QueueEnd;
import ai.rootkey.connector.it.chaos.ChaosInvariants.Truth;
import ai.rootkey.connector.it.chaos.ChaosInvariants.Version;
import ai.rootkey.connector.local.LoopbackStack;
import ai.rootkey.connector.r2.CloudflareQueueSource;
import ai.rootkey.connector.r2.R2EventCodec;
import ai.rootkey.connector.r2.R2ObjectReader;
import ai.rootkey.connector.r2.RootkeyAnchorer;
import ai.rootkey.connector.r2.Secret;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.FakeQueue;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.QueueEndpoint;
import ai.rootkey.connector.testkit.QueueMessage;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chaos over real HTTP on loopback: at least 1,000 events through {@code FakeCloudflareQueues}, S3Proxy and
 * {@code FakeRootkeyApi} ({@link LoopbackStack}), with the fakes' fault injection on (pull and ack 5xx, 429,
 * dropped connections before and after the request was applied; API 429 with {@code Retry-After}, 503, 500, 400,
 * 401, resets in the middle of the upload, slow answers, bodies the server stops reading for a while), S3 faults
 * injected by an interceptor on the reader's client ({@link S3Faults}: S3Proxy has none), two connector instances
 * on the queue and one of them killed in the middle of a batch (its leases expire on the fake's clock). The
 * invariants of {@link ChaosInvariants} must hold at the end. {@code -Dchaos.seed=N} replays a run.
 */
class LoopbackChaosIT {
    private static final long SEED = Long.getLong("chaos.seed", 20_260_502L);
    private static final int EVENTS = Integer.getInteger("chaos.loopback.events", 1_000);
    private static final int WAVES = 4;
    private static final Duration VISIBILITY = Duration.ofSeconds(20);
    /** As in memory: fewer retries than in production, so that last attempts, dead letters and requeues happen. */
    private static final int MAX_RETRIES = 2;
    private static final Predicate<String> FILTERED_OUT = key -> key.startsWith("skip/");

    private final Random random = new Random(SEED);
    private final Random plan = new Random(SEED ^ 0x5DEECE66DL);
    private final ChaosLedger ledger = new ChaosLedger();
    private final List<ChaosInstance> instances = new ArrayList<>();
    private final List<AutoCloseable> parts = new ArrayList<>();
    private final Map<String, Version> live = new TreeMap<>();
    private final Set<Version> written = new HashSet<>();
    private final List<ObjectEvent> announced = new ArrayList<>();
    private LoopbackStack stack;
    private int published;

    @Test
    void thousandEvents_overHttpWithFaults_twoInstancesOneKilled_loseNothing() throws Exception {
        long started = System.nanoTime();
        System.out.println("LoopbackChaosIT seed=" + SEED + " events=" + EVENTS + " (replay: -Dchaos.seed=" + SEED + ")");
        stack = LoopbackStack.builder().seed(SEED).visibilityTimeout(VISIBILITY).maxRetainedBytes(0)
                .maxRetries(MAX_RETRIES).start();
        try {
            ageFirstWave();
            injectFaults();
            run();
        } finally {
            instances.forEach(ChaosInstance::bury);
            instances.forEach(ChaosInstance::close);
            for (int i = parts.size() - 1; i >= 0; i--) {
                parts.get(i).close();
            }
            stack.queues().clearFaults();
            stack.api().clearFaults();
        }
        try {
            countFakeFaults();
            ChaosInvariants.Report report = ChaosInvariants.check(new ChaosInvariants.Run("loopback", SEED, ledger,
                    instances, new Truth(stack.bucket(), live, Set.copyOf(written), FILTERED_OUT), queueEnd(),
                    apiUploads(), MAX_RETRIES + 1));
            report.figures().put("duration", Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms");
            ChaosReports.print("loopback", report);

            assertThat(published).as("events published (seed %d)", SEED).isGreaterThanOrEqualTo(EVENTS);
            assertThat(instances).as("killed instances (seed %d)", SEED)
                    .filteredOn(i -> i.state() == ChaosInstance.State.CRASHED).hasSize(1);
            report.assertHolds();
            assertThat(report.requeued()).as("the requeue path was exercised (seed %d)", SEED).isPositive();
        } finally {
            stack.close();
        }
    }

    private void injectFaults() {
        stack.queues().faultRate(QueueEndpoint.PULL, 0.08, Fault.status(503), Fault.status(500),
                Fault.dropBeforeApply(), Fault.dropAfterApply(), Fault.status(429, Duration.ofSeconds(1)),
                Fault.latency(Duration.ofMillis(30)));
        stack.queues().faultRate(QueueEndpoint.ACK, 0.08, Fault.status(502), Fault.dropBeforeApply(),
                Fault.dropAfterApply(), Fault.dropAfterApply(), Fault.latency(Duration.ofMillis(30)));
        stack.api().faultRate(0.12, Fault.status(429, Duration.ofSeconds(1)), Fault.status(429, Duration.ofSeconds(2)),
                Fault.status(503), Fault.status(500), Fault.status(502), Fault.resetMidBody(), Fault.resetMidBody(),
                Fault.latency(Duration.ofMillis(40)), Fault.stallBody(Duration.ofMillis(150)), Fault.status(400),
                Fault.status(401));
    }

    /**
     * Wave 1 starts on its last attempt, and its first upload is refused (401): the instance that gets it pauses and
     * hands back everything it holds undecided on a last attempt, which must be requeued, not dead-lettered.
     */
    private void ageFirstWave() throws IOException {
        publishWave(EVENTS / WAVES);
        try (CloudflareQueueSource direct = CloudflareQueueSource.builder().accountId(stack.queues().accountId())
                .queueId(stack.queueId()).apiToken(Secret.of(stack.queues().token()))
                .baseUrl(stack.queues().baseUrl()).allowInsecureLoopbackForTesting(true)
                .visibilityTimeout(VISIBILITY).build()) {
            ChaosPlan.deliverAndHandBack(direct, MAX_RETRIES);
        }
        stack.api().failNext(1, Fault.status(401));
    }

    private void run() {
        ChaosInstance a = startInstance("http-A", 6);
        ChaosInstance b = startInstance("http-B", 4);
        b.crashAtAnchorCall(40 + plan.nextInt(100)); // killed in the middle of a batch
        int perWave = EVENTS / WAVES;
        FakeQueue queue = stack.queues().queue(stack.queueId());
        for (int wave = 1; wave <= WAVES; wave++) {
            if (wave > 1) {
                publishWave(perWave);
            }
            int target = perWave / 3;
            drive(() -> queue.backlog().size() <= target, Duration.ofSeconds(60), "wave " + wave + " mostly done");
            if (wave == WAVES - 1 && b.state() != ChaosInstance.State.CRASHED) {
                drive(() -> b.held() > 0, Duration.ofSeconds(30), b.name() + " holds leases");
                b.crash(); // its crash point was not reached: kill it now
            }
        }
        drive(() -> queue.backlog().isEmpty(), Duration.ofSeconds(120), "every message acked or dead-lettered");
        a.close();
    }

    private ChaosInstance startInstance(String name, int concurrency) {
        CloudflareQueueSource source = track(CloudflareQueueSource.builder()
                .accountId(stack.queues().accountId())
                .queueId(stack.queueId())
                .apiToken(Secret.of(stack.queues().token()))
                .baseUrl(stack.queues().baseUrl())
                .allowInsecureLoopbackForTesting(true)
                .visibilityTimeout(VISIBILITY)
                .requestTimeout(Duration.ofSeconds(10))
                .apiRetry(3, Duration.ofMillis(5), Duration.ofMillis(50))
                .build());
        S3Client s3 = track(stack.s3().readerClientWith(new S3Faults(plan.nextLong(), 0.08, ledger)));
        R2ObjectReader reader = track(R2ObjectReader.builder().s3Client(s3).build());
        RootkeyAnchorer anchorer = track(RootkeyAnchorer.builder()
                .apiKey(Secret.of(stack.api().apiKey()))
                .apiUrl(stack.api().baseUrl())
                .allowInsecureLoopbackForTesting(true)
                .idleTimeout(Duration.ofSeconds(3))
                .build());
        Connector.Builder builder = Connector.builder()
                .bucket(stack.bucket())
                .filter(EventFilter.prefix("skip/").negate())
                .retryPolicy(RetryPolicy.defaults().withDelays(Duration.ofMillis(1), Duration.ofMillis(1)))
                .randomSeed(plan.nextLong())
                .idleBackoff(Duration.ofMillis(5), Duration.ofMillis(50))
                .settleEvery(20, Duration.ofMillis(20))
                .probeInterval(Duration.ofMillis(50))
                .drainTimeout(Duration.ofSeconds(10));
        ChaosInstance instance = ChaosInstance.start(name, concurrency, 10, 20, ledger, ChaosInstance.QueueFaults.none(),
                builder, source, reader, anchorer);
        instances.add(instance);
        return instance;
    }

    private <T extends AutoCloseable> T track(T part) {
        parts.add(part);
        return part;
    }

    /**
     * Waits for {@code done}; whenever the live instances hold nothing, moves the fake queue's clock on by a second,
     * so that retry delays pass and the leases of the killed instance (and of pull replies that were dropped)
     * expire.
     */
    private void drive(BooleanSupplier done, Duration timeout, String what) {
        Await.until(() -> {
            if (done.getAsBoolean()) {
                return true;
            }
            if (instances.stream().filter(i -> i.state() == ChaosInstance.State.RUNNING).allMatch(i -> i.held() == 0)) {
                stack.queues().advanceTime(Duration.ofSeconds(1));
            }
            return false;
        }, timeout, what + " (seed " + SEED + "; instances " + instances + ")");
    }

    // ------------------------------------------------------------------ workload

    private enum Op { PUT, PUT_BIG, OVERWRITE, OVERWRITE_BEFORE_READ, DELETE_BEFORE_READ, DELETE, COPY, GARBAGE,
        FOREIGN, DUPLICATE, FILTERED }

    private static final Op[] MIX = ChaosPlan.weighted(Op.class, Map.ofEntries(
            Map.entry(Op.PUT, 52), Map.entry(Op.PUT_BIG, 4), Map.entry(Op.OVERWRITE, 6),
            Map.entry(Op.OVERWRITE_BEFORE_READ, 5), Map.entry(Op.DELETE_BEFORE_READ, 4), Map.entry(Op.DELETE, 3),
            Map.entry(Op.COPY, 3), Map.entry(Op.GARBAGE, 4), Map.entry(Op.FOREIGN, 2), Map.entry(Op.DUPLICATE, 6),
            Map.entry(Op.FILTERED, 5))).toArray(new Op[0]);

    private final List<String> nasty = NastyKeys.servedByS3Proxy();
    private int nastyNext;

    private void publishWave(int count) {
        int target = published + count;
        while (published < target) {
            if (nastyNext < nasty.size() && random.nextInt(15) == 0) {
                put(nasty.get(nastyNext++), content(random.nextInt(4000)));
                continue;
            }
            List<String> keys = new ArrayList<>(live.keySet());
            String existing = keys.isEmpty() ? null : keys.get(random.nextInt(keys.size()));
            switch (MIX[random.nextInt(MIX.length)]) {
                case PUT -> put(newKey("obj"), content(random.nextInt(6) == 0 ? 0 : random.nextInt(16 * 1024)));
                case PUT_BIG -> put(newKey("big"), content(100 * 1024 + random.nextInt(200 * 1024)));
                case OVERWRITE -> {
                    if (existing != null) {
                        put(existing, content(random.nextInt(4096)));
                    }
                }
                case OVERWRITE_BEFORE_READ -> {
                    // The event announces the first version; by the time it is read, the second one is live.
                    String key = newKey("race");
                    byte[] first = content(random.nextInt(4096));
                    byte[] second = content(1 + random.nextInt(4096));
                    String firstETag = stack.putSilently(key, first);
                    written.add(new Version(key, firstETag, Hashes.sha256Hex(first)));
                    putSilently(key, second);
                    announce(event(key, first.length, firstETag));
                }
                case DELETE_BEFORE_READ -> {
                    String key = newKey("doomed");
                    byte[] doomed = content(random.nextInt(2048));
                    String eTag = stack.putSilently(key, doomed);
                    written.add(new Version(key, eTag, Hashes.sha256Hex(doomed)));
                    stack.deleteSilently(key);
                    announce(event(key, doomed.length, eTag));
                }
                case DELETE -> {
                    if (existing != null) {
                        stack.delete(existing);
                        live.remove(existing);
                        published++;
                    }
                }
                case COPY -> {
                    if (existing != null) {
                        String copy = existing + ".copy" + published;
                        String eTag = stack.copy(existing, copy);
                        Version source = live.get(existing);
                        Version version = new Version(copy, eTag, source.sha256());
                        written.add(version);
                        live.put(copy, version);
                        published++;
                    }
                }
                case GARBAGE -> {
                    switch (random.nextInt(3)) {
                        case 0 -> stack.queues().publishText(stack.queueId(), "not an event " + random.nextLong());
                        case 1 -> stack.queues().publishRaw(stack.queueId(), "v8", content(16));
                        default -> stack.queues().publishRaw(stack.queueId(), "bytes", new byte[] {(byte) 0xff, 0x7b});
                    }
                    published++;
                }
                case FOREIGN -> {
                    stack.publish(ObjectEvent.builder().bucket("someone-elses-bucket").key(newKey("foreign")).size(3)
                            .eTag("0123").eventTime(stack.queues().now()).build());
                    published++;
                }
                case DUPLICATE -> {
                    if (!announced.isEmpty()) {
                        stack.publish(announced.get(random.nextInt(announced.size())));
                        published++;
                    }
                }
                case FILTERED -> put(newKey("skip"), content(random.nextInt(512)));
                default -> throw new IllegalStateException();
            }
        }
    }

    private String newKey(String prefix) {
        return prefix + "/" + published + "-" + Long.toString(random.nextLong() & 0xffffffL, 36) + ".bin";
    }

    private void put(String key, byte[] content) {
        String eTag = stack.put(key, content);
        Version version = new Version(key, eTag, Hashes.sha256Hex(content));
        written.add(version);
        live.put(key, version);
        announced.add(event(key, content.length, eTag));
        published++;
    }

    private void putSilently(String key, byte[] content) {
        String eTag = stack.putSilently(key, content);
        Version version = new Version(key, eTag, Hashes.sha256Hex(content));
        written.add(version);
        live.put(key, version);
    }

    private void announce(ObjectEvent event) {
        stack.publish(event);
        announced.add(event);
        published++;
    }

    private ObjectEvent event(String key, long size, String eTag) {
        return ObjectEvent.builder().bucket(stack.bucket()).key(key).action(EventAction.PUT_OBJECT).size(size)
                .eTag(eTag).eventTime(stack.queues().now()).build();
    }

    private byte[] content(int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    // ------------------------------------------------------------------ the end state

    private void countFakeFaults() {
        Map<String, Long> queue = new LinkedHashMap<>();
        stack.queues().injectedFaults().forEach(f -> queue.merge("queue." + f, 1L, Long::sum));
        queue.forEach(ledger::faults);
        Map<String, Long> api = new LinkedHashMap<>();
        stack.api().injectedFaults().forEach(f -> api.merge("api." + f, 1L, Long::sum));
        api.forEach(ledger::faults);
    }

    private QueueEnd queueEnd() {
        FakeQueue queue = stack.queues().queue(stack.queueId());
        R2EventCodec codec = R2EventCodec.standard();
        List<DeadLetter> dead = queue.deadLettered().stream()
                .map(m -> new DeadLetter(m.id(), m.attempts(), m.contentType().equals("json")
                        ? ChaosInvariants.eventOf(m.body(), codec::parse) : java.util.Optional.empty()))
                .toList();
        return new QueueEnd(queue.acked().stream().map(QueueMessage::id).toList(), dead, queue.backlog().size(),
                queue.inFlight().size());
    }

    private List<ApiUpload> apiUploads() {
        return stack.api().files().stream()
                .map(f -> new ApiUpload(f.bucket(), f.key(), f.eTag(), f.sha256()))
                .toList();
    }
}
