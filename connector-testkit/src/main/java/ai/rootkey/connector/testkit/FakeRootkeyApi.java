package ai.rootkey.connector.testkit;

import ai.rootkey.connector.testkit.internal.FakeApiHandler;
import ai.rootkey.connector.testkit.internal.FakeApiMain;
import ai.rootkey.connector.testkit.internal.FaultPlan;
import ai.rootkey.connector.testkit.internal.LoopbackServer;
import ai.rootkey.connector.testkit.internal.UploadStore;
import ai.rootkey.connector.testkit.internal.Waiting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;

/**
 * A loopback stand-in for the ROOTKey upload API (DESIGN section 6.4), for tests in Java or, through
 * {@link #main}, in any language. Like OkHttp's MockWebServer: script faults, run, then assert on what was
 * recorded.
 *
 * <p>{@code POST /api-v1/connectors/files/} checks {@code x-api-key} (401 when wrong or missing), requires a
 * {@code Content-Length} (411 for chunked or missing), requires {@code x-rootkey-source-bucket} and
 * {@code x-rootkey-source-key}, and parses the body with a strict multipart parser of its own. The source headers
 * are taken as the API takes them from the public R2 Worker, which sends the raw key and whose runtime writes it as
 * UTF-8: their bytes must be UTF-8 (400 otherwise) without control characters (400: a strict HTTP parser refuses
 * them; TAB is allowed inside a value by HTTP, and the JDK server hands it over as a space), and the key is those
 * bytes decoded. A value flagged {@code <header>-encoding: percent} (what this SDK sends
 * for a key the Worker cannot send) is percent-decoded strictly instead; how the real API treats that flag is not
 * known, as no public ROOTKey code reads it. The body must be exactly one part named {@code file} with a
 * {@code filename}, {@code Content-Type: application/octet-stream}, CRLF framing and a closing boundary. Any
 * violation is answered 400 with a JSON body saying what is wrong, and recorded in {@link #rejections()}. An
 * accepted upload is recorded as a {@link ReceivedFile} and answered 201, or 200 when (bucket, key, ETag) was
 * accepted before (a duplicate; an absent ETag counts as one value). {@code GET} on the same path answers 401 for a
 * bad key and 405 otherwise, so an anchorer's probe works. Bodies stream: content is hashed and counted, and kept
 * only up to {@link Builder#maxRetainedBytes}.
 *
 * <p>Faults ({@link Fault}) come scripted ({@link #failNext}) or at random ({@link #faultRate}) from a
 * {@link Random} with a known {@link #seed()}; every kind but {@link Fault#exception} and
 * {@link Fault#dropAfterApply(int)} applies. Thread-safe; requests are served concurrently. Built on the JDK's
 * {@code com.sun.net.httpserver}, which answers about 40 ms late unless the JVM runs with
 * {@code -Dsun.net.httpserver.nodelay=true} (see the package documentation).
 *
 * <pre>{@code
 * try (FakeRootkeyApi api = FakeRootkeyApi.builder().apiKey("test-key").build().start()) {
 *     api.failNext(1, Fault.status(503));
 *     // ... point RootkeyAnchorer at api.baseUrl() with allowInsecureLoopbackForTesting(true), run ...
 *     assertThat(api.awaitFiles(1, Duration.ofSeconds(5))).extracting(ReceivedFile::key).containsExactly("a.pdf");
 * }
 * }</pre>
 */
public final class FakeRootkeyApi implements AutoCloseable {
    /** The one path the fake serves. */
    public static final String UPLOAD_PATH = FakeApiHandler.UPLOAD_PATH;
    /** The API key accepted unless another is configured. */
    public static final String DEFAULT_API_KEY = "fake-rootkey-api-key";
    /** Content kept per file by default, in bytes; larger files are hashed and counted only. */
    public static final long DEFAULT_MAX_RETAINED_BYTES = 8L * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(FakeRootkeyApi.class);

    private final int requestedPort;
    private final long seed;
    private final UploadStore store = new UploadStore();
    private final FaultPlan<String> faults;
    private final FakeApiHandler handler;
    private final CountDownLatch closing = new CountDownLatch(1);

    private final Object lifecycle = new Object();
    private LoopbackServer server;
    private boolean closed;

    private FakeRootkeyApi(Builder b) {
        this.requestedPort = b.port;
        this.seed = b.seed;
        this.faults = new FaultPlan<>(b.seed);
        this.handler = new FakeApiHandler(store, faults, b.apiKey, b.maxRetainedBytes, Optional.ofNullable(b.printer),
                closing);
    }

    /** A builder with the defaults: port 0, {@link #DEFAULT_API_KEY}, a random seed. Not thread-safe. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts listening on 127.0.0.1. Returns this, for chaining.
     *
     * @throws UncheckedIOException  when the port cannot be bound
     * @throws IllegalStateException when already started or closed
     */
    public FakeRootkeyApi start() {
        synchronized (lifecycle) {
            if (closed || server != null) {
                throw new IllegalStateException(closed ? "the fake is closed" : "the fake is already started");
            }
            server = LoopbackServer.start("fake-rootkey-api", requestedPort, handler);
        }
        LOG.info("FakeRootkeyApi listening on {} seed={}", baseUrl(), seed);
        return this;
    }

    /** {@code http://127.0.0.1:PORT}: the value for an anchorer's API URL. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** {@link #baseUrl()} with {@link #UPLOAD_PATH}. */
    public URI uploadUrl() {
        return URI.create(baseUrl() + UPLOAD_PATH);
    }

    /** The bound port. */
    public int port() {
        synchronized (lifecycle) {
            if (server == null) {
                throw new IllegalStateException("the fake is not started: call start()");
            }
            return server.port();
        }
    }

    /** The seed of the random fault source; print it with a failure to replay the run. */
    public long seed() {
        return seed;
    }

    // ------------------------------------------------------------------ credentials

    /** The API key accepted now. */
    public String apiKey() {
        return handler.apiKey();
    }

    /** Accepts {@code newKey} from now on instead of the current key (a rotation). */
    public FakeRootkeyApi rotateCredentials(String newKey) {
        handler.apiKey(requireText(newKey, "newKey"));
        return this;
    }

    /** Answers every request 401 from now on, as for a revoked key, until {@link #acceptCredentials()}. */
    public FakeRootkeyApi refuseCredentials() {
        handler.refusingCredentials(true);
        return this;
    }

    /** Accepts the configured key again after {@link #refuseCredentials()}. */
    public FakeRootkeyApi acceptCredentials() {
        handler.refusingCredentials(false);
        return this;
    }

    // ------------------------------------------------------------------ faults

    /**
     * Applies {@code fault} to each of the next {@code times} requests (0: none), before any random fault.
     *
     * @throws IllegalArgumentException for {@link Fault#exception} and {@link Fault#dropAfterApply(int)}, which a
     *                                  server cannot show
     */
    public FakeRootkeyApi failNext(int times, Fault fault) {
        FakeApiHandler.check(Objects.requireNonNull(fault, "fault"));
        faults.failNext(FakeApiHandler.CALL, times, fault);
        return this;
    }

    /**
     * Applies a fault to each request with probability {@code rate} (0 turns it off), drawn uniformly from
     * {@code mix} with the seeded random source.
     */
    public FakeRootkeyApi faultRate(double rate, Fault... mix) {
        List<Fault> faultMix = List.of(mix);
        faultMix.forEach(FakeApiHandler::check);
        faults.rate(FakeApiHandler.CALL, rate, faultMix);
        return this;
    }

    /** Drops scripted faults and turns random faults off. */
    public FakeRootkeyApi clearFaults() {
        faults.clear();
        return this;
    }

    /** Faults applied so far, scripted and random, in order. */
    public List<Fault> injectedFaults() {
        return faults.injected();
    }

    // ------------------------------------------------------------------ recordings

    /** Forgets all recordings and deduplication state, and clears faults; the key settings stay. */
    public void clear() {
        faults.clear();
        faults.forgetInjected();
        store.clear();
        handler.resetRequestCount();
    }

    /** Every accepted upload, duplicates included, in arrival order. */
    public List<ReceivedFile> files() {
        return store.files();
    }

    /** Accepted uploads that were not duplicates. */
    public List<ReceivedFile> uniqueFiles() {
        return files().stream().filter(f -> !f.duplicate()).toList();
    }

    /** Accepted uploads of a (bucket, key, ETag) accepted before. */
    public List<ReceivedFile> duplicates() {
        return files().stream().filter(ReceivedFile::duplicate).toList();
    }

    /** Requests received, of any kind and outcome. */
    public int requestCount() {
        return handler.requestCount();
    }

    /** Requests refused because they were malformed or unauthorised, in arrival order. */
    public List<Rejection> rejections() {
        return store.rejections();
    }

    /**
     * Waits until at least {@code count} uploads were accepted and returns them all.
     *
     * @throws AssertionError when the deadline passes first, listing what was received, rejected, and the seed
     */
    public List<ReceivedFile> awaitFiles(int count, Duration timeout) {
        return Waiting.atLeast(count, timeout, "accepted uploads", store::files,
                () -> "rejections: " + rejections() + "; faults: " + injectedFaults() + "; seed " + seed);
    }

    /** Stops at once: open connections are closed, delayed answers cut short. Idempotent. */
    @Override
    public void close() {
        LoopbackServer s;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            s = server;
        }
        closing.countDown();
        if (s != null) {
            s.stop();
        }
    }

    /** The address, key status and seed. */
    @Override
    public String toString() {
        synchronized (lifecycle) {
            return "FakeRootkeyApi[" + (server == null ? (closed ? "closed" : "not started") : baseUrl()) + ", seed="
                    + seed + ", refusingCredentials=" + handler.refusingCredentials() + "]";
        }
    }

    // ------------------------------------------------------------------ main

    /**
     * Runs the fake until the process is stopped, printing
     * {@code FakeRootkeyApi listening on http://127.0.0.1:PORT api-key=KEY seed=SEED} and then one line per
     * request; an accepted upload's line ends with {@code key-header-hex=...}, the raw bytes of its
     * {@code x-rootkey-source-key} in hex. Options (environment variable in brackets): {@code --port N}
     * ({@code FAKE_ROOTKEY_API_PORT}, default 0: any free port), {@code --api-key KEY} ({@code ROOTKEY_API_KEY},
     * default {@value #DEFAULT_API_KEY}), {@code --seed N} ({@code FAKE_ROOTKEY_API_SEED}), {@code --fault-rate R}
     * ({@code FAKE_ROOTKEY_API_FAULT_RATE}, default 0; 429, 503 and resets), {@code --max-retained-bytes N}. Turns
     * on {@code sun.net.httpserver.nodelay} unless it is set: the process is the fake's own.
     */
    public static void main(String[] args) throws InterruptedException {
        LoopbackServer.preferNoDelay();
        FakeRootkeyApi api;
        try {
            api = launch(args, System.getenv(), System.out);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(api::close, "fake-rootkey-api-shutdown"));
        api.closing.await();
    }

    /** Parses options and environment, starts the fake and prints its address line to {@code out}. */
    static FakeRootkeyApi launch(String[] args, Map<String, String> env, PrintStream out) {
        FakeApiMain.Options options = FakeApiMain.parse(args, env);
        Builder builder = builder().printTo(out);
        options.port().ifPresent(builder::port);
        options.apiKey().ifPresent(builder::apiKey);
        options.seed().ifPresent(builder::seed);
        options.maxRetainedBytes().ifPresent(builder::maxRetainedBytes);
        FakeRootkeyApi api = builder.build();
        api.faultRate(options.faultRate(), FakeApiMain.FAULT_MIX.toArray(new Fault[0]));
        api.start();
        out.println("FakeRootkeyApi listening on " + api.baseUrl() + " api-key=" + api.apiKey() + " seed="
                + api.seed() + (options.faultRate() > 0 ? " fault-rate=" + options.faultRate() : ""));
        out.flush();
        return api;
    }

    private static String requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return value;
    }

    // ------------------------------------------------------------------ types

    /**
     * Builds a {@link FakeRootkeyApi}. Not thread-safe.
     */
    public static final class Builder {
        private int port;
        private String apiKey = DEFAULT_API_KEY;
        private long seed = new Random().nextLong();
        private long maxRetainedBytes = DEFAULT_MAX_RETAINED_BYTES;
        private PrintStream printer;

        private Builder() {
        }

        /** The port on 127.0.0.1; default 0, any free port. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** The API key accepted in {@code x-api-key}; default {@link FakeRootkeyApi#DEFAULT_API_KEY}. */
        public Builder apiKey(String apiKey) {
            this.apiKey = requireText(apiKey, "apiKey");
            return this;
        }

        /** The seed of the random fault source; default random (see {@link FakeRootkeyApi#seed()}). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Keep the content of files up to this many bytes; default
         * {@link FakeRootkeyApi#DEFAULT_MAX_RETAINED_BYTES}; 0 keeps none (for big-file tests).
         */
        public Builder maxRetainedBytes(long maxRetainedBytes) {
            if (maxRetainedBytes < 0) {
                throw new IllegalArgumentException("maxRetainedBytes must be >= 0, was " + maxRetainedBytes);
            }
            this.maxRetainedBytes = maxRetainedBytes;
            return this;
        }

        /** Prints one line per request (for {@link FakeRootkeyApi#main}). */
        Builder printTo(PrintStream printer) {
            this.printer = Objects.requireNonNull(printer, "printer");
            return this;
        }

        /** The fake, not yet listening: call {@link FakeRootkeyApi#start()}. */
        public FakeRootkeyApi build() {
            return new FakeRootkeyApi(this);
        }
    }

    /**
     * A request the fake refused.
     *
     * @param at      when
     * @param method  the HTTP method
     * @param path    the raw request path
     * @param status  the status answered
     * @param error   a stable code, e.g. {@code part_name}, {@code truncated}, {@code unauthorized}
     * @param message what was wrong, as sent in the JSON reply
     */
    public record Rejection(Instant at, String method, String path, int status, String error, String message) {
    }
}
