package ai.rootkey.connector.it.chaos;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.RetryPolicy;
import ai.rootkey.connector.Verdict;
import ai.rootkey.connector.it.Hashes;
import ai.rootkey.connector.it.NastyKeys;
import ai.rootkey.connector.it.chaos.ChaosInvariants.ApiUpload;
import ai.rootkey.connector.it.chaos.ChaosInvariants.DeadLetter;
import ai.rootkey.connector.it.chaos.ChaosInvariants.QueueEnd;
import ai.rootkey.connector.it.chaos.ChaosInvariants.Truth;
import ai.rootkey.connector.it.chaos.ChaosInvariants.Version;
import ai.rootkey.connector.r2.R2EventCodec;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.InMemoryBucket;
import ai.rootkey.connector.testkit.InMemoryQueue;
import ai.rootkey.connector.testkit.QueueMessage;
import ai.rootkey.connector.testkit.RecordingAnchorer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chaos on the in-memory parts: at least 5,000 events through {@link InMemoryQueue}, {@link InMemoryBucket} and
 * {@link RecordingAnchorer}, several connector instances on one queue, seeded faults at every hop, one instance
 * killed in the middle of a batch and one killed while holding leases (their leases expire on the test clock and
 * the messages are redelivered), two instances closed under load. At the end the invariants of
 * {@link ChaosInvariants} must hold. {@code -Dchaos.seed=N} replays a run, {@code -Dchaos.events=N} resizes it.
 */
class InMemoryChaosIT {
    private static final long SEED = Long.getLong("chaos.seed", 20_260_501L);
    private static final int EVENTS = Integer.getInteger("chaos.events", 5_000);
    private static final int WAVES = 10;
    private static final String BUCKET = ConnectorTestKit.DEFAULT_BUCKET;
    private static final Duration VISIBILITY = Duration.ofMinutes(2);
    /**
     * Fewer retries than in production (5), so that last attempts are common: transient failures reach the
     * dead-letter queue and deliveries handed back undecided on their last attempt (pauses, closes) are requeued.
     */
    private static final int MAX_RETRIES = 2;
    private static final Predicate<String> FILTERED_OUT = key -> key.startsWith("skip/");

    /** The workload: the same events for the same seed. */
    private final Random random = new Random(SEED);
    /** Instance settings and crash points, drawn apart from the workload so that they too follow the seed. */
    private final Random plan = new Random(SEED ^ 0x5DEECE66DL);
    private final ChaosLedger ledger = new ChaosLedger();
    private final Set<Version> written = new HashSet<>();
    private final List<ChaosInstance> instances = new ArrayList<>();
    private ConnectorTestKit kit;
    private int instanceCount;
    private int published;

    @Test
    void fiveThousandEvents_faultsAtEveryHop_crashesAndClosesUnderLoad_loseNothing() throws Exception {
        long started = System.nanoTime();
        System.out.println("InMemoryChaosIT seed=" + SEED + " events=" + EVENTS + " (replay: -Dchaos.seed=" + SEED + ")");
        kit = ConnectorTestKit.builder().seed(SEED).retainContent(false).visibilityTimeout(VISIBILITY)
                .maxRetries(MAX_RETRIES).build();
        try {
            kit.anchorer().faultRate(0.12,
                    Fault.status(429, Duration.ofSeconds(3)), Fault.status(429, Duration.ofSeconds(30)),
                    Fault.status(503), Fault.status(500), Fault.status(400), Fault.status(404),
                    Fault.exception(() -> new IOException("connection reset by peer (injected)")),
                    Fault.exception(() -> new SocketTimeoutException("read timed out (injected)")),
                    Fault.resetMidBody(), Fault.resetMidBody(),
                    Fault.latency(Duration.ofMillis(2)), Fault.latency(Duration.ofMillis(6)),
                    Fault.latency(Duration.ofMillis(1)), Fault.status(503),
                    Fault.status(401), Fault.status(502), Fault.status(429, Duration.ofSeconds(1)),
                    Fault.exception(() -> new IOException("broken pipe (injected)")),
                    Fault.latency(Duration.ofMillis(3)), Fault.status(408));
            run();
        } finally {
            instances.forEach(ChaosInstance::bury);
            instances.forEach(ChaosInstance::close);
            kit.close();
        }
        ChaosInvariants.Report report = ChaosInvariants.check(new ChaosInvariants.Run("in-memory", SEED, ledger,
                instances, truth(), queueEnd(), apiUploads(), MAX_RETRIES + 1));
        report.figures().put("duration", Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms");
        ChaosReports.print("in-memory", report);

        assertThat(published).as("events published (seed %d)", SEED).isGreaterThanOrEqualTo(EVENTS);
        assertThat(instances).as("crashed instances (seed %d)", SEED)
                .filteredOn(i -> i.state() == ChaosInstance.State.CRASHED).hasSize(2);
        assertThat(instances).as("instances closed under load (seed %d)", SEED)
                .filteredOn(i -> i.state() == ChaosInstance.State.CLOSED).hasSizeGreaterThanOrEqualTo(2);
        report.assertHolds();
        assertThat(report.requeued()).as("the requeue path was exercised (seed %d)", SEED).isPositive();
    }

    private void run() throws IOException {
        int perWave = EVENTS / WAVES;
        // Wave 1 starts on its last attempt, and its first upload is refused (401): the instance that gets it pauses
        // and hands back everything it holds undecided on a last attempt, which must be requeued, not dead-lettered.
        publishWave(perWave);
        ChaosPlan.deliverAndHandBack(kit.queue(), MAX_RETRIES);
        kit.anchorer().failNext(1, Fault.status(401));
        ChaosInstance a = startInstance();
        ChaosInstance b = startInstance();
        ChaosInstance c = startInstance();
        b.crashAtAnchorCall(60 + plan.nextInt(200)); // killed in the middle of a batch
        ChaosInstance d = null;
        for (int wave = 1; wave <= WAVES; wave++) {
            if (wave > 1) {
                publishWave(perWave);
            }
            scheduleReadFaults(perWave / 25);
            InMemoryQueue queue = kit.queue();
            int target = perWave / 4;
            drive(() -> queue.visible() <= target, Duration.ofSeconds(60), "wave " + wave + " mostly taken");
            if (wave == 3) {
                closeUnderLoad(a);
                d = startInstance();
            } else if (wave == 6) {
                closeUnderLoad(c);
                startInstance();
            } else if (wave == 8) {
                ChaosInstance victim = d;
                drive(() -> victim.held() > 0, Duration.ofSeconds(30), victim.name() + " holds leases");
                victim.crash(); // killed while holding leases, wherever it was
                startInstance();
            } else if (wave == 9 && b.state() != ChaosInstance.State.CRASHED) {
                drive(() -> b.held() > 0, Duration.ofSeconds(30), b.name() + " holds leases");
                b.crash(); // its crash point was not reached: kill it now, mid-batch
            }
        }
        drive(() -> kit.queue().backlog() == 0, Duration.ofSeconds(120), "every message acked or dead-lettered");
        for (ChaosInstance i : instances) {
            i.close();
        }
    }

    // ------------------------------------------------------------------ instances

    private ChaosInstance startInstance() {
        int n = ++instanceCount;
        int concurrency = 2 + plan.nextInt(5);
        int batchSize = 3 + plan.nextInt(8);
        Connector.Builder builder = kit.connectorBuilder()
                .filter(EventFilter.prefix("skip/").negate())
                .randomSeed(SEED + n)
                .idleBackoff(Duration.ofMillis(1), Duration.ofMillis(10))
                .settleEvery(10, Duration.ofMillis(5))
                .probeInterval(Duration.ofMillis(10))
                .drainTimeout(Duration.ofSeconds(5));
        ChaosInstance instance = ChaosInstance.start("mem-" + (char) ('A' + n - 1), concurrency, batchSize, 10, ledger,
                new ChaosInstance.QueueFaults(SEED * 31 + n, 0.02, 0.01, 0.02, 0.02), builder, kit.queue(),
                kit.bucket(), kit.anchorer());
        instances.add(instance);
        return instance;
    }

    private void closeUnderLoad(ChaosInstance instance) {
        drive(() -> instance.held() > 0, Duration.ofSeconds(30), instance.name() + " holds leases");
        instance.close();
    }

    private List<ChaosInstance> live() {
        return instances.stream().filter(i -> i.state() == ChaosInstance.State.RUNNING).toList();
    }

    /**
     * Waits for {@code done}, moving the test clock whenever the live instances are idle: to the next delayed
     * retry, or past the visibility timeout when only dead leases (crashed instances, lost pull replies) remain.
     */
    private void drive(java.util.function.BooleanSupplier done, Duration timeout, String what) {
        InMemoryQueue queue = kit.queue();
        Await.until(() -> {
            if (done.getAsBoolean()) {
                return true;
            }
            long before = queue.changeCount();
            boolean idle = queue.visible() == 0 && live().stream().allMatch(i -> i.held() == 0);
            if (idle && queue.changeCount() == before) {
                Instant now = kit.clock().instant();
                Optional<Instant> next = queue.nextVisibleAt();
                Instant target = queue.inFlight() > 0 ? now.plus(VISIBILITY) : null;
                if (next.isPresent() && (target == null || next.get().isBefore(target))) {
                    target = next.get();
                }
                if (target != null) {
                    kit.clock().advanceTo(target);
                }
            }
            return false;
        }, timeout, what + " (seed " + SEED + "; instances " + instances + "; queue " + queue + ")");
    }

    // ------------------------------------------------------------------ workload

    private enum Op { PUT, PUT_BIG, OVERWRITE, OVERWRITE_BEFORE_READ, DELETE_BEFORE_READ, DELETE, EXPIRE, COPY,
        MULTIPART, GARBAGE, FOREIGN, DUPLICATE, FILTERED }

    private static final Op[] MIX = ChaosPlan.weighted(Op.class, Map.ofEntries(
            Map.entry(Op.PUT, 45), Map.entry(Op.PUT_BIG, 3), Map.entry(Op.OVERWRITE, 7),
            Map.entry(Op.OVERWRITE_BEFORE_READ, 5), Map.entry(Op.DELETE_BEFORE_READ, 4), Map.entry(Op.DELETE, 3),
            Map.entry(Op.EXPIRE, 1), Map.entry(Op.COPY, 4), Map.entry(Op.MULTIPART, 4), Map.entry(Op.GARBAGE, 3),
            Map.entry(Op.FOREIGN, 2), Map.entry(Op.DUPLICATE, 6), Map.entry(Op.FILTERED, 5))).toArray(new Op[0]);

    private final List<String> keys = new ArrayList<>();
    private final List<ObjectEvent> announced = new ArrayList<>();
    private int nastyNext;

    private void publishWave(int count) {
        InMemoryBucket bucket = kit.bucket();
        int target = published + count;
        while (published < target) {
            if (nastyNext < NastyKeys.ALL.size() && random.nextInt(20) == 0) {
                put(NastyKeys.ALL.get(nastyNext++), content(random.nextInt(3000)));
                continue;
            }
            Op op = MIX[random.nextInt(MIX.length)];
            String existing = keys.isEmpty() ? null : keys.get(random.nextInt(keys.size()));
            switch (op) {
                case PUT -> put(newKey("obj"), content(random.nextInt(8) == 0 ? 0 : random.nextInt(2048)));
                case PUT_BIG -> put(newKey("big"), content(16 * 1024 + random.nextInt(48 * 1024)));
                case OVERWRITE -> {
                    if (existing != null) {
                        put(existing, content(random.nextInt(1024)));
                    }
                }
                case OVERWRITE_BEFORE_READ -> {
                    String key = newKey("race");
                    put(key, content(random.nextInt(1024)));
                    byte[] next = content(1 + random.nextInt(1024));
                    written.add(version(key, next));
                    bucket.overwriteBeforeRead(key, next);
                }
                case DELETE_BEFORE_READ -> {
                    String key = newKey("doomed");
                    put(key, content(random.nextInt(512)));
                    bucket.deleteBeforeRead(key);
                }
                case DELETE -> {
                    if (existing != null && bucket.delete(existing)) {
                        published++;
                    }
                }
                case EXPIRE -> {
                    if (existing != null && bucket.expire(existing)) {
                        published++;
                    }
                }
                case COPY -> {
                    if (existing != null) {
                        String copy = existing + ".copy" + published;
                        try {
                            String eTag = bucket.copy(existing, copy);
                            // What was copied: the source may have changed since this thread last looked at it
                            // (a before-read hook on an engine thread), and nothing writes the new key meanwhile.
                            written.add(new Version(copy, eTag, Hashes.sha256Hex(bucket.get(copy).orElseThrow())));
                            keys.add(copy);
                            published++;
                        } catch (IllegalArgumentException goneMeanwhile) {
                            // deleted by a before-read hook on an engine thread: nothing was copied
                        }
                    }
                }
                case MULTIPART -> {
                    String key = newKey("multi");
                    byte[] p1 = content(1 + random.nextInt(1024));
                    byte[] p2 = content(1 + random.nextInt(1024));
                    String eTag = bucket.completeMultipart(key, p1, p2);
                    byte[] whole = new byte[p1.length + p2.length];
                    System.arraycopy(p1, 0, whole, 0, p1.length);
                    System.arraycopy(p2, 0, whole, p1.length, p2.length);
                    written.add(new Version(key, eTag, Hashes.sha256Hex(whole)));
                    published++;
                }
                case GARBAGE -> {
                    if (random.nextBoolean()) {
                        kit.queue().publishText("not an event " + random.nextLong());
                    } else {
                        kit.queue().publish("{\"action\":\"PutObject\",\"bucket\":\"" + BUCKET + "\",\"object\":{\"size\":"
                                + random.nextInt() + "}}");
                    }
                    published++;
                }
                case FOREIGN -> {
                    kit.queue().publish(ObjectEvent.builder().bucket("someone-elses-bucket").key(newKey("foreign"))
                            .size(3).eTag("0123").eventTime(kit.clock().instant()).build());
                    published++;
                }
                case DUPLICATE -> {
                    if (!announced.isEmpty()) {
                        // at-least-once: R2 (or a replay) delivers an announcement again
                        kit.queue().publish(announced.get(random.nextInt(announced.size())));
                        published++;
                    }
                }
                case FILTERED -> put(newKey("skip"), content(random.nextInt(256)));
                default -> throw new IllegalStateException("unknown op " + op);
            }
        }
    }

    private String newKey(String prefix) {
        return prefix + "/" + published + "-" + Long.toString(random.nextLong() & 0xffffffL, 36) + ".bin";
    }

    private void put(String key, byte[] content) {
        String eTag = kit.bucket().put(key, content);
        written.add(new Version(key, eTag, Hashes.sha256Hex(content)));
        announced.add(ObjectEvent.builder().bucket(BUCKET).key(key).size(content.length).eTag(eTag)
                .eventTime(kit.clock().instant()).build());
        keys.add(key);
        published++;
    }

    private byte[] content(int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    private static Version version(String key, byte[] content) {
        return new Version(key, Hashes.md5Hex(content), Hashes.sha256Hex(content));
    }

    private void scheduleReadFaults(int count) {
        Random faultRandom = new Random(random.nextLong());
        List<Supplier<Exception>> mix = List.of(
                () -> fault("read.io_reset", new IOException("connection reset while reading (injected)")),
                () -> fault("read.timeout", new SocketTimeoutException("read timed out (injected)")),
                () -> fault("read.503_slowdown", new DependencyException("GetObject: SlowDown (injected)", 503,
                        "SlowDown", null, null, Verdict.transientFailure("s3_slowdown"))),
                () -> fault("read.500", new DependencyException("GetObject: InternalError (injected)", 500,
                        "InternalError", null, null, Verdict.transientFailure("s3_internalerror"))),
                () -> fault("read.429", new DependencyException("GetObject: too many requests (injected)", 429,
                        null, Duration.ofSeconds(2), null)));
        kit.bucket().failNextReads(count, Fault.exception(() -> {
            synchronized (faultRandom) {
                return mix.get(faultRandom.nextInt(mix.size())).get();
            }
        }));
        // Rarely, the store refuses the credentials for one read: the instance pauses, probes and resumes.
        if (random.nextInt(3) == 0) {
            kit.bucket().failNextReads(1, Fault.exception(() -> fault("read.403_access_denied", new DependencyException(
                    "GetObject: AccessDenied (injected)", 403, "AccessDenied", null, null))));
        }
    }

    private Exception fault(String kind, Exception e) {
        ledger.fault(kind);
        return e;
    }

    // ------------------------------------------------------------------ the end state

    private Truth truth() {
        Map<String, Version> live = new LinkedHashMap<>();
        for (String key : kit.bucket().keys()) {
            byte[] content = kit.bucket().get(key).orElseThrow();
            live.put(key, new Version(key, kit.bucket().eTag(key).orElseThrow(), Hashes.sha256Hex(content)));
        }
        return new Truth(BUCKET, live, Set.copyOf(written), FILTERED_OUT);
    }

    private QueueEnd queueEnd() {
        InMemoryQueue queue = kit.queue();
        R2EventCodec codec = R2EventCodec.standard();
        List<DeadLetter> dead = queue.deadLettered().stream()
                .map(m -> new DeadLetter(m.id(), m.attempts(), ChaosInvariants.eventOf(m.body(), codec::parse)))
                .toList();
        return new QueueEnd(queue.acked().stream().map(QueueMessage::id).toList(), dead, queue.backlog(),
                queue.inFlight());
    }

    private List<ApiUpload> apiUploads() {
        Map<String, Long> faults = new LinkedHashMap<>();
        kit.anchorer().injectedFaults().forEach(f -> faults.merge("upload." + f, 1L, Long::sum));
        faults.forEach(ledger::faults);
        return kit.anchorer().uploads().stream()
                .map(u -> new ApiUpload(u.source().bucket(), u.source().key(), u.source().eTag(), u.sha256()))
                .toList();
    }
}
