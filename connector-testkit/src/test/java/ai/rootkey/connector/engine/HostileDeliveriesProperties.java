package ai.rootkey.connector.engine;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Anchorer;
import ai.rootkey.connector.Batch;
import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.FailureClassifier;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.ObjectMetadata;
import ai.rootkey.connector.ObjectReader;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.RetryPolicy;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.StoredObject;
import ai.rootkey.connector.testkit.Await;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random deliveries (malformed bodies, foreign buckets, unknown actions, absurd sizes and attempts, hostile keys)
 * through the engine, with dependencies that misbehave in every way an implementation could: exceptions of any
 * type (Errors included), nulls, wrong lengths, streams that break, statuses from 100 to 599, refused credentials,
 * a classifier, filter and listener that throw. Whatever happens, every delivery is settled exactly once with an
 * outcome that matches its settlement, no exception escapes onto an engine thread, and nothing hangs: the work
 * completes and {@code close()} returns promptly.
 */
class HostileDeliveriesProperties {
    private static final String BUCKET = "b";
    private static final long MAX_FILE_SIZE = 4096;

    @Property(tries = 40, seed = "2026112920")
    void anyDeliveriesAndMisbehaviour_everyDeliverySettledOnce_nothingEscapes_nothingHangs(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int concurrency) throws Exception {
        Random random = new Random(seed);
        List<Delivery> deliveries = deliveries(random);
        ScriptedSource source = new ScriptedSource(deliveries, new Random(random.nextLong()));
        Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
        List<String> doubleOutcomes = new CopyOnWriteArrayList<>();
        List<Throwable> escaped = new CopyOnWriteArrayList<>();
        String name = "hostile-" + Long.toHexString(seed);
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (thread.getName().startsWith(name)) {
                escaped.add(e);
            } else if (previous != null) {
                previous.uncaughtException(thread, e);
            }
        });
        Random behaviour = new Random(random.nextLong());
        FailureClassifier classifier = failure -> {
            int draw = draw(behaviour, 40);
            if (draw == 0) {
                return null;
            }
            if (draw == 1) {
                throw new IllegalStateException("classifier bug");
            }
            return FailureClassifier.defaults().classify(failure);
        };
        Connector connector = Connector.builder()
                .source(source)
                .reader(new HostileReader(new Random(random.nextLong())))
                .anchorer(new HostileAnchorer(new Random(random.nextLong())))
                .classifier(classifier)
                .bucket(BUCKET)
                .filter(event -> {
                    if (draw(behaviour, 30) == 0) {
                        throw new IllegalArgumentException("filter bug");
                    }
                    return !event.key().startsWith("skip");
                })
                .listener(new ConnectorListener() {
                    @Override
                    public void onOutcome(Outcome outcome) {
                        if (outcomes.putIfAbsent(outcome.delivery().leaseId(), outcome) != null) {
                            doubleOutcomes.add(outcome.delivery().leaseId());
                        }
                    }
                })
                .listener(new ConnectorListener() {
                    @Override
                    public void onOutcome(Outcome outcome) {
                        if (draw(behaviour, 10) == 0) {
                            throw new IllegalStateException("listener bug");
                        }
                    }
                })
                .concurrency(concurrency)
                .batchSize(1 + random.nextInt(10))
                .maxFileSizeBytes(MAX_FILE_SIZE)
                .idleBackoff(Duration.ofMillis(1), Duration.ofMillis(5))
                .settleEvery(1 + random.nextInt(20), Duration.ofMillis(1))
                .probeInterval(Duration.ofMillis(2))
                .drainTimeout(Duration.ofSeconds(2))
                .randomSeed(seed)
                .name(name)
                .build();
        try {
            connector.start();
            Await.until(() -> source.settledCount() == deliveries.size(), Duration.ofSeconds(20),
                    "every delivery settled (seed " + seed + ", settled " + source.settledCount() + " of "
                            + deliveries.size() + ", stats " + connector.stats() + ", health " + connector.health() + ")");
        } finally {
            long closing = System.nanoTime();
            connector.close();
            assertThat(Duration.ofNanos(System.nanoTime() - closing)).as("close (seed %d)", seed)
                    .isLessThan(Duration.ofSeconds(8));
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }

        String seedNote = "seed " + seed;
        assertThat(escaped).as("exceptions that escaped onto engine threads (%s)", seedNote).isEmpty();
        assertThat(doubleOutcomes).as("deliveries decided twice (%s)", seedNote).isEmpty();
        assertThat(source.settledTwice()).as("deliveries settled twice (%s)", seedNote).isEmpty();
        assertThat(outcomes).as("one outcome per delivery (%s)", seedNote).hasSize(deliveries.size());
        for (Delivery d : deliveries) {
            Settlement settlement = source.settlement(d.leaseId());
            Outcome outcome = outcomes.get(d.leaseId());
            String what = "delivery " + d + " (" + seedNote + ")";
            assertThat(settlement).as(what).isNotNull();
            if (settlement.kind() == Settlement.Kind.ACK) {
                assertThat(outcome.kind()).as(what).isIn(Outcome.Kind.ANCHORED, Outcome.Kind.SKIPPED,
                        Outcome.Kind.TERMINAL);
            } else {
                assertThat(outcome.kind()).as(what).isIn(Outcome.Kind.RETRIED, Outcome.Kind.EXHAUSTED,
                        Outcome.Kind.RELEASED);
                if (outcome.kind() != Outcome.Kind.RELEASED) {
                    assertThat(outcome.kind() == Outcome.Kind.EXHAUSTED).as(what + " exhausted on its last attempt")
                            .isEqualTo(d.attempts() >= RetryPolicy.defaults().maxAttempts());
                }
            }
            if (d.parseFailure().isPresent()) { // terminal, unless released while paused for a refused credential
                assertThat(outcome.kind()).as(what).isIn(Outcome.Kind.TERMINAL, Outcome.Kind.RELEASED);
            }
        }
        var stats = connector.stats();
        assertThat(stats.received()).isEqualTo(deliveries.size());
        assertThat(stats.inFlight()).isZero();
        assertThat(stats.decided()).isEqualTo(deliveries.size());
    }

    private static int draw(Random random, int bound) {
        synchronized (random) {
            return random.nextInt(bound);
        }
    }

    // ------------------------------------------------------------------ deliveries

    private static List<Delivery> deliveries(Random random) {
        List<String> keys = List.of("a.pdf", "skip/me", "docs/\r\nx: y", "\u0000", "\u202Eexe.pdf", "k".repeat(1024),
                "/", "a//b", "\uD83D\uDCC4");
        List<String> buckets = List.of(BUCKET, BUCKET, BUCKET, "other", "B", " b");
        int n = 1 + random.nextInt(40);
        List<Delivery> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String messageId = "m" + random.nextInt(Math.max(1, n / 2)); // redeliveries share the message id
            String leaseId = "lease-" + i;
            // up to the last attempt of the default policy: a higher count makes the engine adopt it (tested apart)
            int attempts = 1 + random.nextInt(RetryPolicy.defaults().maxAttempts());
            if (random.nextInt(6) == 0) {
                StringBuilder body = new StringBuilder();
                for (int c = random.nextInt(300); c > 0; c--) {
                    body.append((char) random.nextInt(0x3000));
                }
                out.add(Delivery.malformed(messageId, leaseId, attempts, body.toString(), "not an event"));
                continue;
            }
            ObjectEvent.Builder event = ObjectEvent.builder()
                    .bucket(buckets.get(random.nextInt(buckets.size())))
                    .key(keys.get(random.nextInt(keys.size())) + (random.nextBoolean() ? "" : "/" + i))
                    .action(EventAction.values()[random.nextInt(EventAction.values().length)])
                    .eventTime(Instant.ofEpochMilli(random.nextLong() & 0xffffffffffL));
            switch (random.nextInt(4)) {
                case 0 -> { }
                case 1 -> event.size(0);
                case 2 -> event.size(Long.MAX_VALUE);
                default -> event.size(random.nextInt(2 * (int) MAX_FILE_SIZE));
            }
            if (random.nextBoolean()) {
                event.eTag(random.nextBoolean() ? "\"e" + random.nextInt(3) + "\"" : "W/\"w\"");
            }
            out.add(Delivery.of(messageId, leaseId, attempts, event.build()));
        }
        return out;
    }

    // ------------------------------------------------------------------ the hostile parts

    /** Hands each delivery out once; records settlements; fails some calls before applying them. */
    private static final class ScriptedSource implements EventSource {
        private final List<Delivery> pending;
        private final Random random;
        private final Map<String, Settlement> settled = new HashMap<>();
        private final List<String> settledTwice = new ArrayList<>();

        ScriptedSource(List<Delivery> deliveries, Random random) {
            this.pending = new ArrayList<>(deliveries);
            this.random = random;
        }

        @Override
        public synchronized Batch receive(int maxMessages) throws IOException {
            switch (random.nextInt(12)) {
                case 0 -> throw new IOException("pull failed");
                case 1 -> throw new DependencyException("pull answered 503", 503);
                case 2 -> throw new IllegalStateException("source bug");
                default -> { }
            }
            List<Delivery> batch = new ArrayList<>();
            while (batch.size() < maxMessages && !pending.isEmpty()) {
                batch.add(pending.remove(random.nextInt(pending.size())));
            }
            return Batch.of(batch);
        }

        @Override
        public synchronized void settle(List<Settlement> settlements) throws IOException {
            switch (random.nextInt(10)) {
                case 0 -> throw new IOException("ack failed");
                case 1 -> throw new DependencyException("ack answered 500", 500);
                default -> { }
            }
            for (Settlement s : settlements) {
                if (settled.put(s.delivery().leaseId(), s) != null) {
                    settledTwice.add(s.delivery().leaseId());
                }
            }
        }

        synchronized int settledCount() {
            return settled.size();
        }

        synchronized Settlement settlement(String leaseId) {
            return settled.get(leaseId);
        }

        synchronized List<String> settledTwice() {
            return List.copyOf(settledTwice);
        }
    }

    private static final class HostileReader implements ObjectReader {
        private final Random random;

        HostileReader(Random random) {
            this.random = random;
        }

        @Override
        public Optional<StoredObject> open(String bucket, String key) throws IOException {
            int draw = draw(random, 14);
            long size = draw(random, (int) MAX_FILE_SIZE);
            byte[] content = new byte[(int) size];
            Optional<String> eTag = draw(random, 2) == 0 ? Optional.empty() : Optional.of("\"live\"");
            switch (draw) {
                case 0:
                    return Optional.empty();
                case 1:
                    throw new IOException("read failed");
                case 2:
                    throw new IllegalStateException("reader bug");
                case 3:
                    throw new DependencyException("GetObject " + (100 + draw(random, 500)), 100 + draw(random, 500));
                case 4:
                    throw new ConfigurationException("access denied");
                case 5:
                    throw new AssertionError("an Error from the reader");
                case 6: // the stream is shorter than the size announced
                    return Optional.of(new StoredObject(new ObjectMetadata(size + 10, eTag, Optional.empty(),
                            Optional.empty()), new ByteArrayInputStream(content)));
                case 7: // the stream is longer than the size announced
                    return Optional.of(new StoredObject(new ObjectMetadata(0, eTag, Optional.empty(),
                            Optional.empty()), new ByteArrayInputStream(new byte[5])));
                case 8: // the stream breaks, and so does closing it
                    return Optional.of(new StoredObject(new ObjectMetadata(size, eTag, Optional.empty(),
                            Optional.empty()), new FilterInputStream(new ByteArrayInputStream(content)) {
                                @Override
                                public int read(byte[] b, int off, int len) throws IOException {
                                    throw new IOException("connection reset mid-body");
                                }

                                @Override
                                public void close() throws IOException {
                                    throw new IOException("close failed too");
                                }
                            }));
                case 9: // larger than allowed
                    return Optional.of(new StoredObject(new ObjectMetadata(MAX_FILE_SIZE + 1, eTag,
                            Optional.of("text/plain"), Optional.empty()), InputStream.nullInputStream()));
                default:
                    return Optional.of(new StoredObject(new ObjectMetadata(size, eTag, Optional.empty(),
                            Optional.empty()), new ByteArrayInputStream(content)));
            }
        }
    }

    private static final class HostileAnchorer implements Anchorer {
        private final Random random;

        HostileAnchorer(Random random) {
            this.random = random;
        }

        @Override
        public Receipt anchor(AnchorRequest request) throws IOException {
            int draw = draw(random, 12);
            switch (draw) {
                case 0:
                    throw new IOException("upload reset");
                case 1:
                    throw new IllegalArgumentException("anchorer bug");
                case 2:
                    throw new StackOverflowError("an Error from the anchorer");
                case 3:
                    return null;
                case 4:
                    request.body().readNBytes(1);
                    return new Receipt(100 + draw(random, 500), 0, "", "reply", draw(random, 2) == 0
                            ? Optional.empty() : Optional.of(Duration.ofDays(draw(random, 1000))));
                case 5:
                    return new Receipt(401, 0, "", "refused", Optional.empty());
                default:
                    long n = request.body().transferTo(java.io.OutputStream.nullOutputStream());
                    if (n != request.size()) {
                        throw new IOException("body had " + n + " bytes, not " + request.size());
                    }
                    return new Receipt(200 + draw(random, 2), n, "sha", "{}", Optional.empty());
            }
        }
    }
}
