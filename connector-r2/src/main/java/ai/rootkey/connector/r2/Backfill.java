package ai.rootkey.connector.r2;

import ai.rootkey.connector.Callbacks;
import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.RetryPolicy;
import ai.rootkey.connector.r2.internal.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Anchors objects that already exist in the bucket (the event stream only sees new ones): lists the bucket with
 * {@code ListObjectsV2} and runs each object through the connector's own pipeline (same filters, size limit,
 * idempotency headers and concurrency as {@link R2Connector}), as if a {@code PutObject} event had announced it.
 *
 * <pre>{@code
 * Backfill.Progress result = Backfill.builder()
 *         .config(R2ConnectorConfig.fromEnvironment())
 *         .prefix("contracts/")
 *         .checkpointFile(Path.of("backfill.checkpoint.json"))
 *         .onProgress(p -> System.out.println(p.settled() + " done"))
 *         .build().run();
 * }</pre>
 *
 * <p><b>Checkpoint.</b> With a checkpoint file, the backfill records the largest key such that it and every key
 * before it in the listing are settled (anchored, skipped, or given up); out-of-order completion never moves it
 * past an unsettled key. The file is replaced atomically (written beside it, then moved). A later run with the same
 * file lists from after that key: an interrupted backfill resumes where it stopped, re-anchoring at most the
 * keys that were in flight (harmless: the API deduplicates on bucket, key and ETag). A finished backfill marks the
 * file complete; running it again does nothing until the file is deleted.
 *
 * <p>{@link #run()} blocks until every listed object is settled or {@link #stop()} is called from another
 * thread; either way it drains the connector (like {@link Connector#close()}) and writes the checkpoint.
 */
public final class Backfill {
    /** How often {@link Builder#onProgress} is called: every second. */
    public static final Duration DEFAULT_PROGRESS_INTERVAL = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(Backfill.class);
    private static final int CHECKPOINT_VERSION = 1;

    private final Settings settings;
    private final Object lock = new Object();
    private boolean stopRequested;
    private boolean ran;

    private Backfill(Settings settings) {
        this.settings = settings;
    }

    /** What the builder held at {@link Builder#build()}: later changes to the builder do not reach a backfill. */
    private record Settings(R2ConnectorConfig config, String prefix, String startAfter, Path checkpointFile,
                            boolean countFirst, Duration progressInterval, Consumer<Progress> progress,
                            RetryPolicy retryPolicy, int maxAttempts, Clock clock, S3Client s3Client,
                            List<Consumer<R2Connector.Builder>> customizations) {
        // prefix, checkpointFile and s3Client are null when not set
        Settings {
            customizations = List.copyOf(customizations);
        }
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Where a backfill stands, reported while it runs and returned at the end.
     *
     * @param listed        objects listed so far in this run
     * @param listedBytes   their total size
     * @param totalObjects  objects to do in this run, when counted first
     * @param totalBytes    their total size, when counted first
     * @param anchored      objects the API accepted
     * @param bytesAnchored their bytes
     * @param skipped       objects the filters skipped (or already anchored in this process)
     * @param failed        objects given up on: permanent failures and transient ones on the last attempt
     * @param failedKeys    the first 100 keys given up on
     * @param resumedAfter  the checkpoint this run started after, when it resumed one
     * @param checkpoint    the checkpoint now: every key up to it is settled
     * @param complete      true when every object was settled (false while running or after {@link #stop()})
     * @param elapsed       time since the run started
     */
    public record Progress(long listed, long listedBytes, OptionalLong totalObjects, OptionalLong totalBytes,
                           long anchored, long bytesAnchored, long skipped, long failed, List<String> failedKeys,
                           Optional<String> resumedAfter, Optional<String> checkpoint, boolean complete,
                           Duration elapsed) {
        public Progress {
            Objects.requireNonNull(totalObjects, "totalObjects");
            Objects.requireNonNull(totalBytes, "totalBytes");
            failedKeys = List.copyOf(failedKeys);
            Objects.requireNonNull(resumedAfter, "resumedAfter");
            Objects.requireNonNull(checkpoint, "checkpoint");
            Objects.requireNonNull(elapsed, "elapsed");
        }

        /** Objects settled so far: anchored, skipped or failed. */
        public long settled() {
            return anchored + skipped + failed;
        }

        /** The time left at the average rate so far, in bytes when the totals are known; empty before any progress. */
        public Optional<Duration> eta() {
            if (totalObjects.isEmpty() || settled() == 0 || elapsed.isZero()) {
                return Optional.empty();
            }
            double done = totalBytes.orElse(0) > 0 ? (double) settledBytesEstimate() / totalBytes.getAsLong()
                    : (double) settled() / totalObjects.getAsLong();
            if (done <= 0) {
                return Optional.empty();
            }
            double left = Math.max(0, (1 - done) / done);
            return Optional.of(Duration.ofMillis((long) (elapsed.toMillis() * left)));
        }

        private long settledBytesEstimate() {
            long objects = Math.max(1, totalObjects.getAsLong());
            return (long) ((double) totalBytes.getAsLong() * Math.min(1.0, (double) settled() / objects));
        }
    }

    /**
     * Runs the backfill (see the class comment) and returns the summary.
     *
     * @throws ConfigurationException when the checkpoint file belongs to another bucket or prefix, or the
     *                                configuration is refused at the start
     * @throws IOException            when the listing fails for good or the checkpoint cannot be written
     * @throws IllegalStateException  when called twice
     */
    public Progress run() throws IOException {
        synchronized (lock) {
            if (ran) {
                throw new IllegalStateException("a Backfill runs once: build a new one");
            }
            ran = true;
        }
        R2ConnectorConfig config = settings.config();
        String bucket = config.bucket();
        String prefix = settings.prefix() != null ? settings.prefix() : config.prefix().orElse("");
        Instant started = settings.clock().instant();
        Optional<String> resumedAfter = Optional.empty();
        String startAfter = settings.startAfter();
        if (settings.checkpointFile() != null && Files.exists(settings.checkpointFile())) {
            JsonNode saved = readCheckpoint(settings.checkpointFile(), bucket, prefix);
            if (saved.path("complete").asBoolean(false)) {
                LOG.atInfo().log("rootkey.backfill.already_complete checkpoint={}", settings.checkpointFile());
                return new Progress(0, 0, OptionalLong.of(0), OptionalLong.of(0), 0, 0, 0, 0, List.of(),
                        Optional.ofNullable(saved.path("after").textValue()), Optional.ofNullable(
                        saved.path("after").textValue()), true, Duration.ZERO);
            }
            String after = saved.path("after").textValue();
            if (after != null && !after.isEmpty()) {
                startAfter = after;
                resumedAfter = Optional.of(after);
            }
        }

        Counters counters = new Counters();
        BackfillSource[] sourceRef = new BackfillSource[1];
        R2ObjectReader[] readerRef = new R2ObjectReader[1];
        String from = startAfter;
        R2Connector.Builder wiring = R2Connector.builder().config(config)
                .source(reader -> {
                    readerRef[0] = reader;
                    sourceRef[0] = new BackfillSource(bucket, from,
                            (after, token) -> reader.list(bucket, prefix, after, token, BackfillSource.PAGE_SIZE),
                            settings.maxAttempts(), settings.clock(), key -> checkpointAdvanced(key, bucket, prefix));
                    return sourceRef[0];
                })
                .listener(counters)
                .engine(b -> b.idleBackoff(Duration.ofMillis(10), Duration.ofSeconds(1))
                        .retryPolicy(settings.retryPolicy()).clock(settings.clock()).name("r2-backfill-" + bucket));
        if (settings.s3Client() != null) {
            wiring.s3Client(settings.s3Client());
        }
        settings.customizations().forEach(c -> c.accept(wiring));
        Connector connector = wiring.build();
        BackfillSource source = sourceRef[0];

        OptionalLong totalObjects = OptionalLong.empty();
        OptionalLong totalBytes = OptionalLong.empty();
        try {
            // Fails fast (before any thread starts) when the bucket is missing or the credentials are refused.
            if (settings.countFirst()) {
                long[] totals = count(readerRef[0], bucket, prefix, startAfter);
                totalObjects = OptionalLong.of(totals[0]);
                totalBytes = OptionalLong.of(totals[1]);
            } else {
                readerRef[0].list(bucket, prefix, startAfter, "", 1);
            }
        } catch (IOException | RuntimeException e) {
            connector.close();
            throw e;
        }
        Optional<String> resumed = resumedAfter;
        OptionalLong objects = totalObjects;
        OptionalLong bytes = totalBytes;
        LOG.atInfo().log("rootkey.backfill.started bucket={} prefix=\"{}\" start_after=\"{}\" objects={} bytes={}",
                bucket, prefix, startAfter, objects.isPresent() ? objects.getAsLong() : -1,
                bytes.isPresent() ? bytes.getAsLong() : -1);
        boolean complete;
        try {
            connector.start();
            while (true) {
                synchronized (lock) {
                    if (stopRequested || source.finished()) {
                        break;
                    }
                    try {
                        lock.wait(Math.max(1, settings.progressInterval().toMillis()));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                report(snapshot(source, counters, objects, bytes, resumed, false, started));
            }
        } finally {
            connector.close();
        }
        complete = source.finished();
        writeCheckpoint(bucket, prefix, source.checkpoint().orElse(startAfter), complete);
        Progress result = snapshot(source, counters, objects, bytes, resumed, complete, started);
        report(result);
        LOG.atInfo().log("rootkey.backfill.finished complete={} listed={} anchored={} skipped={} failed={}",
                complete, result.listed(), result.anchored(), result.skipped(), result.failed());
        return result;
    }

    /** Calls the user's progress callback; what it throws is logged ({@code rootkey.listener.failed}) and ignored. */
    private void report(Progress progress) {
        Callbacks.run(settings.progress(), "onProgress", () -> settings.progress().accept(progress));
    }

    /** Asks a running {@link #run()} to drain and return (with {@code complete == false}). From any thread. */
    public void stop() {
        synchronized (lock) {
            stopRequested = true;
            lock.notifyAll();
        }
    }

    private Progress snapshot(BackfillSource source, Counters c, OptionalLong objects, OptionalLong bytes,
                              Optional<String> resumed, boolean complete, Instant started) {
        return new Progress(source.listed(), source.listedBytes(), objects, bytes, c.anchored.get(),
                c.bytesAnchored.get(), c.skipped.get(), c.terminal.get() + source.failed(),
                mergeFailed(c, source), resumed, source.checkpoint(), complete,
                Duration.between(started, settings.clock().instant()));
    }

    private static List<String> mergeFailed(Counters c, BackfillSource source) {
        List<String> keys = new ArrayList<>(c.failedKeys());
        for (String k : source.failedKeys()) {
            if (keys.size() >= 100) {
                break;
            }
            keys.add(k);
        }
        return keys;
    }

    private static long[] count(R2ObjectReader reader, String bucket, String prefix, String startAfter)
            throws IOException {
        long objects = 0;
        long bytes = 0;
        String token = "";
        while (true) {
            ListObjectsV2Response page = reader.list(bucket, prefix, startAfter, token, BackfillSource.PAGE_SIZE);
            for (S3Object o : page.contents()) {
                objects++;
                bytes += o.size() == null ? 0 : o.size();
            }
            String next = page.nextContinuationToken();
            if (!Boolean.TRUE.equals(page.isTruncated()) || next == null || next.isEmpty()) {
                return new long[] {objects, bytes};
            }
            token = next;
        }
    }

    // ------------------------------------------------------------------ checkpoint file

    private void checkpointAdvanced(String key, String bucket, String prefix) {
        synchronized (lock) {
            lock.notifyAll(); // run() checks at once whether the source is finished
        }
        if (settings.checkpointFile() == null) {
            return;
        }
        try {
            writeCheckpoint(bucket, prefix, key, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint file " + settings.checkpointFile(), e);
        }
    }

    private synchronized void writeCheckpoint(String bucket, String prefix, String after, boolean complete)
            throws IOException {
        Path file = settings.checkpointFile();
        if (file == null) {
            return;
        }
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("version", CHECKPOINT_VERSION);
        node.put("bucket", bucket);
        node.put("prefix", prefix);
        node.put("after", after);
        node.put("complete", complete);
        node.put("updated", settings.clock().instant().toString());
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(node));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static JsonNode readCheckpoint(Path file, String bucket, String prefix) throws IOException {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new ConfigurationException("the checkpoint file " + file + " cannot be read (" + e.getMessage()
                    + "): delete it to start over");
        }
        if (node == null || node.path("version").asInt() != CHECKPOINT_VERSION
                || !bucket.equals(node.path("bucket").textValue()) || !prefix.equals(node.path("prefix").textValue())) {
            throw new ConfigurationException("the checkpoint file " + file + " belongs to another backfill (bucket "
                    + node.path("bucket") + ", prefix " + node.path("prefix") + "): use another checkpoint file, or "
                    + "delete it to start over");
        }
        return node;
    }

    /** Counts outcomes of this run. */
    private static final class Counters implements ConnectorListener {
        final AtomicLong anchored = new AtomicLong();
        final AtomicLong bytesAnchored = new AtomicLong();
        final AtomicLong skipped = new AtomicLong();
        final AtomicLong terminal = new AtomicLong();
        private final List<String> failedKeys = new ArrayList<>();

        @Override
        public void onOutcome(Outcome outcome) {
            switch (outcome.kind()) {
                case ANCHORED:
                    anchored.incrementAndGet();
                    bytesAnchored.addAndGet(outcome.receipt().map(r -> r.bytesSent()).orElse(0L));
                    break;
                case SKIPPED:
                    skipped.incrementAndGet();
                    break;
                case TERMINAL:
                    terminal.incrementAndGet();
                    synchronized (failedKeys) {
                        if (failedKeys.size() < 100) {
                            outcome.event().ifPresent(e -> failedKeys.add(e.key()));
                        }
                    }
                    break;
                default:
                    break;
            }
        }

        List<String> failedKeys() {
            synchronized (failedKeys) {
                return List.copyOf(failedKeys);
            }
        }
    }

    /**
     * Configures a {@link Backfill}. {@link #build()} copies the settings: changing the builder afterwards does not
     * change a built backfill. Not thread-safe.
     */
    public static final class Builder {
        private R2ConnectorConfig config;
        private String prefix;
        private String startAfter = "";
        private Path checkpointFile;
        private boolean countFirst = true;
        private Duration progressInterval = DEFAULT_PROGRESS_INTERVAL;
        private Consumer<Progress> progress = p -> { };
        private RetryPolicy retryPolicy = RetryPolicy.defaults();
        private int maxAttempts = RetryPolicy.defaults().maxAttempts();
        private Clock clock = Clock.systemUTC();
        private S3Client s3Client;
        private final List<Consumer<R2Connector.Builder>> customizations = new ArrayList<>();

        private Builder() {
        }

        /** Bucket, credentials, endpoints, maximum file size and key prefix. Required. */
        public Builder config(R2ConnectorConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** Only keys starting with this; default the configuration's prefix ({@code R2_PREFIX}), else all. */
        public Builder prefix(String prefix) {
            this.prefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /** List from after this key (exclusive); default from the start. A checkpoint further on wins. */
        public Builder startAfter(String key) {
            this.startAfter = Objects.requireNonNull(key, "key");
            return this;
        }

        /** Record progress here and resume from it (see the class comment). Default: no checkpoint. */
        public Builder checkpointFile(Path file) {
            this.checkpointFile = Objects.requireNonNull(file, "file");
            return this;
        }

        /** Whether to list once first to know the totals (for an ETA). Default true. */
        public Builder countFirst(boolean countFirst) {
            this.countFirst = countFirst;
            return this;
        }

        /**
         * Called about every {@code interval} while running, and once at the end, on the thread of {@link #run()}.
         * What it throws is logged ({@code rootkey.listener.failed}) and does not stop the backfill.
         */
        public Builder onProgress(Duration interval, Consumer<Progress> progress) {
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("interval must be positive, was " + interval);
            }
            this.progressInterval = interval;
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        /** As {@link #onProgress(Duration, Consumer)} every {@link #DEFAULT_PROGRESS_INTERVAL}. */
        public Builder onProgress(Consumer<Progress> progress) {
            return onProgress(DEFAULT_PROGRESS_INTERVAL, progress);
        }

        /** Adds a filter, as {@link R2Connector.Builder#filter}. */
        public Builder filter(EventFilter filter) {
            Objects.requireNonNull(filter, "filter");
            customizations.add(b -> b.filter(filter));
            return this;
        }

        /** Adds a listener, as {@link R2Connector.Builder#listener}. */
        public Builder listener(ConnectorListener listener) {
            Objects.requireNonNull(listener, "listener");
            customizations.add(b -> b.listener(listener));
            return this;
        }

        /** Any other engine setting (concurrency, ...), as {@link R2Connector.Builder#engine}; applied last. */
        public Builder engine(Consumer<Connector.Builder> engineSettings) {
            Objects.requireNonNull(engineSettings, "engineSettings");
            customizations.add(b -> b.engine(engineSettings));
            return this;
        }

        /** Retry back-off and attempts per object; default {@link RetryPolicy#defaults()} (5 attempts). */
        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
            this.maxAttempts = retryPolicy.maxAttempts();
            return this;
        }

        /** Use this client for R2 instead of building one; not closed. */
        public Builder s3Client(S3Client s3Client) {
            this.s3Client = Objects.requireNonNull(s3Client, "s3Client");
            return this;
        }

        /** The clock for retry delays, durations and the ETA; default the UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The backfill, ready to {@link Backfill#run()}.
         *
         * @throws IllegalStateException without a configuration
         */
        public Backfill build() {
            if (config == null) {
                throw new IllegalStateException("no configuration: call config(R2ConnectorConfig.fromEnvironment())");
            }
            return new Backfill(new Settings(config, prefix, startAfter, checkpointFile, countFirst, progressInterval,
                    progress, retryPolicy, maxAttempts, clock, s3Client, customizations));
        }
    }
}
