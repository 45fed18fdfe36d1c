package ai.rootkey.connector.testkit;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Anchorer;
import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.SourceRef;
import ai.rootkey.connector.testkit.internal.Digests;
import ai.rootkey.connector.testkit.internal.FaultPlan;
import ai.rootkey.connector.testkit.internal.FaultStreams;
import ai.rootkey.connector.testkit.internal.Waiting;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link Anchorer} that records what it is sent, for tests, with scripted and seeded faults. It behaves like
 * the ROOTKey API: it reads the whole stream, checks it has exactly the announced size, answers 201 for a new
 * (bucket, key, ETag) and 200 for a duplicate. Thread-safe.
 *
 * <p>Faults ({@link Fault}) are scripted ({@link #failNext}) or drawn at random from a {@link java.util.Random}
 * seeded with {@link Builder#seed} ({@link #faultRate}); an upload meets them as {@code RootkeyAnchorer} shows the
 * same answer of the real API: a {@link Fault#status} is a receipt with that status (and {@code Retry-After}), a
 * dropped or reset connection an {@link IOException}. Every kind but {@link Fault#dropAfterApply(int)} applies.
 *
 * <pre>{@code
 * RecordingAnchorer anchorer = RecordingAnchorer.create();
 * anchorer.failNext(2, Fault.status(503));
 * ... run the connector ...
 * assertThat(anchorer.awaitUploads(1, Duration.ofSeconds(5))).extracting(Upload::key).contains("docs/a.pdf");
 * assertThat(anchorer.maxConcurrentUploads()).isLessThanOrEqualTo(16);
 * }</pre>
 */
public final class RecordingAnchorer implements Anchorer {

    /**
     * One accepted upload.
     *
     * @param source    bucket, key and ETag as sent (the idempotency key)
     * @param size      content bytes received
     * @param sha256    lowercase hex SHA-256 of the content
     * @param content   the content, when content retention is on
     * @param duplicate whether the same (bucket, key, ETag) had been accepted before
     * @param sequence  1-based order of acceptance
     * @param at        when it was accepted (system time)
     */
    public record Upload(SourceRef source, long size, String sha256, Optional<byte[]> content, boolean duplicate,
                         long sequence, Instant at) {
        public String key() {
            return source.key();
        }
    }

    private static final String CALL = "upload";

    private final boolean retainContent;
    private final long seed;
    private final FaultPlan<String> faults;
    private final Object lock = new Object();
    private final List<Upload> uploads = new ArrayList<>();
    private final Set<SourceRef> seen = new HashSet<>();
    private final AtomicInteger concurrent = new AtomicInteger();
    private final AtomicInteger maxConcurrent = new AtomicInteger();
    private long calls;
    private volatile boolean refusingCredentials;
    private volatile Duration latency = Duration.ZERO;

    private RecordingAnchorer(Builder b) {
        this.retainContent = b.retainContent;
        this.seed = b.seed;
        this.faults = new FaultPlan<>(b.seed);
    }

    /** An anchorer with the defaults of {@link Builder}: content kept, seed 1. */
    public static RecordingAnchorer create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The seed of the random fault draws; print it with a failure to replay the run. */
    public long seed() {
        return seed;
    }

    // ------------------------------------------------------------------ scripting

    /**
     * The next {@code count} uploads meet {@code fault} (0: none); later ones behave normally.
     *
     * @throws IllegalArgumentException for {@link Fault#dropAfterApply(int)}: an upload is applied whole
     */
    public RecordingAnchorer failNext(int count, Fault fault) {
        faults.failNext(CALL, count, check(fault));
        return this;
    }

    /**
     * Each upload (after scripted faults) meets a fault with probability {@code rate} (0 turns it off), drawn
     * uniformly from {@code mix} with a {@link java.util.Random} seeded with {@link #seed()}, so a failing run can
     * be replayed.
     */
    public RecordingAnchorer faultRate(double rate, Fault... mix) {
        List<Fault> faultMix = List.of(mix);
        faultMix.forEach(RecordingAnchorer::check);
        faults.rate(CALL, rate, faultMix);
        return this;
    }

    /** Drops scripted faults and turns random faults off. */
    public RecordingAnchorer clearFaults() {
        faults.clear();
        return this;
    }

    /** Until {@link #acceptCredentials()}, every upload is answered 401 and {@link #probe()} fails. */
    public RecordingAnchorer refuseCredentials() {
        refusingCredentials = true;
        return this;
    }

    /** Undoes {@link #refuseCredentials()}. */
    public RecordingAnchorer acceptCredentials() {
        refusingCredentials = false;
        return this;
    }

    private static Fault check(Fault fault) {
        Objects.requireNonNull(fault, "fault");
        if (fault.kind() == Fault.Kind.DROP_AFTER_APPLY && fault.appliedChunks().isPresent()) {
            throw FaultPlan.unsupported("RecordingAnchorer", fault, "an upload is applied whole; use dropAfterApply()");
        }
        return fault;
    }

    /** Every upload takes at least this long, like an I/O-bound API. */
    public RecordingAnchorer latency(Duration perUpload) {
        this.latency = Objects.requireNonNull(perUpload, "perUpload");
        return this;
    }

    // ------------------------------------------------------------------ Anchorer

    @Override
    public Receipt anchor(AnchorRequest request) throws IOException {
        int now = concurrent.incrementAndGet();
        maxConcurrent.accumulateAndGet(now, Math::max);
        try {
            return doAnchor(request);
        } finally {
            concurrent.decrementAndGet();
        }
    }

    @Override
    public void probe() {
        if (refusingCredentials) {
            throw new ConfigurationException("the ROOTKey API rejects the API key (401): check ROOTKEY_API_KEY");
        }
    }

    private Receipt doAnchor(AnchorRequest request) throws IOException {
        Fault fault;
        synchronized (lock) {
            calls++;
            fault = faults.next(CALL).orElse(null);
        }
        FaultStreams.sleep(latency);
        if (refusingCredentials) {
            return new Receipt(401, 0, "", "{\"error\":\"invalid api key\"}", Optional.empty());
        }
        InputStream body = request.body();
        if (fault != null) {
            switch (fault.kind()) {
                case STATUS:
                    return new Receipt(fault.status().getAsInt(), 0, "",
                            "{\"error\":\"simulated " + fault.status().getAsInt() + "\"}", fault.retryAfter());
                case EXCEPTION:
                    fault.throwException();
                    break;
                case LATENCY:
                    FaultStreams.sleep(fault.duration());
                    break;
                case DROP_BEFORE_APPLY:
                    throw new IOException("connection closed before the upload was applied (simulated by "
                            + "RecordingAnchorer)");
                case RESET_MID_BODY:
                    request.body().readNBytes((int) Math.min(Integer.MAX_VALUE, request.size() / 2));
                    throw new IOException("connection reset by peer (simulated)");
                case STALL_BODY:
                    body = FaultStreams.stallAfter(body, fault.duration(), FaultStreams::sleep);
                    break;
                default:
                    break;
            }
        }
        MessageDigest sha = Digests.sha256();
        ByteArrayOutputStream kept = retainContent ? new ByteArrayOutputStream() : null;
        long size = copy(body, sha, kept);
        if (size != request.size()) {
            throw new IOException("body has " + size + " bytes but the request announced " + request.size());
        }
        String digest = HexFormat.of().formatHex(sha.digest());
        boolean duplicate;
        synchronized (lock) {
            duplicate = !seen.add(request.source());
            uploads.add(new Upload(request.source(), size, digest,
                    kept == null ? Optional.empty() : Optional.of(kept.toByteArray()), duplicate,
                    uploads.size() + 1L, Instant.now()));
        }
        if (fault != null && fault.kind() == Fault.Kind.DROP_AFTER_APPLY) {
            throw new IOException("connection closed after the upload was stored; the reply is lost (simulated by "
                    + "RecordingAnchorer)");
        }
        return new Receipt(duplicate ? 200 : 201, size, digest, duplicate ? "{\"duplicate\":true}" : "{\"id\":\"ok\"}",
                Optional.empty());
    }

    // ------------------------------------------------------------------ inspection

    /** Every accepted upload, duplicates included, in order. */
    public List<Upload> uploads() {
        synchronized (lock) {
            return List.copyOf(uploads);
        }
    }

    /** The keys of accepted uploads, first acceptance order, without repeats. */
    public List<String> anchoredKeys() {
        synchronized (lock) {
            Set<String> keys = new LinkedHashSet<>();
            for (Upload u : uploads) {
                keys.add(u.key());
            }
            return List.copyOf(keys);
        }
    }

    /** The last accepted upload of {@code key}, if any. */
    public Optional<Upload> lastUpload(String key) {
        synchronized (lock) {
            for (int i = uploads.size() - 1; i >= 0; i--) {
                if (uploads.get(i).key().equals(key)) {
                    return Optional.of(uploads.get(i));
                }
            }
            return Optional.empty();
        }
    }

    /** Accepted uploads whose (bucket, key, ETag) had been accepted before. */
    public long duplicates() {
        synchronized (lock) {
            return uploads.stream().filter(Upload::duplicate).count();
        }
    }

    /** Calls to {@link #anchor}, whatever their result. */
    public long calls() {
        synchronized (lock) {
            return calls;
        }
    }

    /** The most uploads that were in progress at the same time. */
    public int maxConcurrentUploads() {
        return maxConcurrent.get();
    }

    /** Faults met so far, scripted and random, in order. */
    public List<Fault> injectedFaults() {
        return faults.injected();
    }

    /**
     * Waits until at least {@code count} uploads were accepted (duplicates included) and returns them all.
     *
     * @throws AssertionError when {@code timeout} passes first, with the calls made, the faults met and the seed
     */
    public List<Upload> awaitUploads(int count, Duration timeout) {
        return Waiting.atLeast(count, timeout, "accepted uploads", this::uploads,
                () -> "calls " + calls() + ", faults " + injectedFaults() + ", refusing credentials "
                        + refusingCredentials + ", seed " + seed);
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "RecordingAnchorer[uploads=" + uploads.size() + ", calls=" + calls + "]";
        }
    }

    private static long copy(InputStream in, MessageDigest sha, ByteArrayOutputStream kept) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) != -1) {
            sha.update(buffer, 0, n);
            if (kept != null) {
                kept.write(buffer, 0, n);
            }
            total += n;
        }
        return total;
    }

    /** Configures a {@link RecordingAnchorer}. Not thread-safe. */
    public static final class Builder {
        private boolean retainContent = true;
        private long seed = 1;

        private Builder() {
        }

        /** Whether each upload's content is kept (default true); off keeps sizes and digests only. */
        public Builder retainContent(boolean retain) {
            this.retainContent = retain;
            return this;
        }

        /** The seed of the random fault draws. Default 1. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public RecordingAnchorer build() {
            return new RecordingAnchorer(this);
        }
    }
}
