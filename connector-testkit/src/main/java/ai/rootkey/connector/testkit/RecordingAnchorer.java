package ai.rootkey.connector.testkit;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Anchorer;
import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.SourceRef;
import ai.rootkey.connector.testkit.internal.Digests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link Anchorer} that records what it is sent, for tests, with scripted and seeded faults. It behaves like
 * the ROOTKey API: it reads the whole stream, checks it has exactly the announced size, answers 201 for a new
 * (bucket, key, ETag) and 200 for a duplicate. Thread-safe.
 *
 * <pre>{@code
 * RecordingAnchorer anchorer = RecordingAnchorer.create();
 * anchorer.failNext(2, AnchorFault.status(503));
 * ... run the connector ...
 * assertThat(anchorer.anchoredKeys()).contains("docs/a.pdf");
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

    private final boolean retainContent;
    private final Object lock = new Object();
    private final ArrayDeque<AnchorFault> scripted = new ArrayDeque<>();
    private final List<Upload> uploads = new ArrayList<>();
    private final Set<SourceRef> seen = new java.util.HashSet<>();
    private final Map<String, Integer> faultCounts = new HashMap<>();
    private final AtomicInteger concurrent = new AtomicInteger();
    private final AtomicInteger maxConcurrent = new AtomicInteger();
    private Random random;
    private double faultRate;
    private List<AnchorFault> faultMix = List.of();
    private long calls;
    private volatile boolean credentialsRevoked;
    private volatile Duration latency = Duration.ZERO;

    private RecordingAnchorer(boolean retainContent) {
        this.retainContent = retainContent;
    }

    /** An anchorer that keeps the content of each upload. */
    public static RecordingAnchorer create() {
        return new RecordingAnchorer(true);
    }

    /** An anchorer that keeps only sizes and digests (for large or many uploads). */
    public static RecordingAnchorer withoutContent() {
        return new RecordingAnchorer(false);
    }

    // ------------------------------------------------------------------ scripting

    /** The next {@code count} uploads meet {@code fault}; later ones behave normally. */
    public RecordingAnchorer failNext(int count, AnchorFault fault) {
        Objects.requireNonNull(fault, "fault");
        synchronized (lock) {
            for (int i = 0; i < count; i++) {
                scripted.add(fault);
            }
        }
        return this;
    }

    /**
     * Each upload (after scripted faults) meets a fault with probability {@code rate}, drawn uniformly from
     * {@code mix}, using a {@link Random} seeded with {@code seed} so a failing run can be replayed.
     */
    public RecordingAnchorer randomFaults(long seed, double rate, AnchorFault... mix) {
        if (rate < 0 || rate > 1) {
            throw new IllegalArgumentException("rate must be between 0 and 1, was " + rate);
        }
        if (rate > 0 && mix.length == 0) {
            throw new IllegalArgumentException("give at least one fault to draw from");
        }
        synchronized (lock) {
            this.random = new Random(seed);
            this.faultRate = rate;
            this.faultMix = List.of(mix);
        }
        return this;
    }

    /** Until {@link #restoreCredentials()}, every upload is answered 401 and {@link #probe()} fails. */
    public void revokeCredentials() {
        credentialsRevoked = true;
    }

    public void restoreCredentials() {
        credentialsRevoked = false;
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
        if (credentialsRevoked) {
            throw new ConfigurationException("the ROOTKey API rejects the API key (401): check ROOTKEY_API_KEY");
        }
    }

    private Receipt doAnchor(AnchorRequest request) throws IOException {
        AnchorFault fault;
        synchronized (lock) {
            calls++;
            fault = scripted.poll();
            if (fault == null && random != null && faultRate > 0 && random.nextDouble() < faultRate) {
                fault = faultMix.get(random.nextInt(faultMix.size()));
            }
            if (fault != null) {
                faultCounts.merge(fault.toString(), 1, Integer::sum);
            }
        }
        pause(latency);
        if (credentialsRevoked) {
            return new Receipt(401, 0, "", "{\"error\":\"invalid api key\"}", Optional.empty());
        }
        if (fault != null) {
            switch (fault.kind) {
                case STATUS:
                    return new Receipt(fault.status, 0, "", "{\"error\":\"simulated " + fault.status + "\"}",
                            fault.retryAfter);
                case EXCEPTION:
                    throw fault.exception.get();
                case LATENCY:
                    pause(fault.latency);
                    break;
                case RESET_MID_STREAM:
                    request.body().readNBytes((int) Math.min(Integer.MAX_VALUE, request.size() / 2));
                    throw fault.exception.get();
                default:
                    break;
            }
        }
        MessageDigest sha = Digests.sha256();
        ByteArrayOutputStream kept = retainContent ? new ByteArrayOutputStream() : null;
        long size = copy(request.body(), sha, kept);
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

    /** Faults met so far, by description (e.g. {@code status(503)}). */
    public Map<String, Integer> faultsInjected() {
        synchronized (lock) {
            return Map.copyOf(faultCounts);
        }
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

    private static void pause(Duration d) throws InterruptedIOException {
        if (d.isZero() || d.isNegative()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted during simulated latency");
        }
    }
}
