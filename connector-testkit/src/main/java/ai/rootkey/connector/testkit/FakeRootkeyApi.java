package ai.rootkey.connector.testkit;

import ai.rootkey.connector.LogSafe;
import ai.rootkey.connector.testkit.internal.StrictMultipartParser;
import ai.rootkey.connector.testkit.internal.StrictPercentDecoder;
import ai.rootkey.connector.testkit.internal.Violation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
 * bad key and 405 otherwise, so an anchorer's probe works. Bodies stream: content is hashed and counted, and kept only up to
 * {@link Builder#maxRetainedBytes}.
 *
 * <p>Faults come scripted ({@link #failNext}) or at random ({@link #faultRate}) from a {@link Random} with a
 * known {@link #seed()}. Thread-safe; requests are served concurrently. Built on the JDK's
 * {@code com.sun.net.httpserver}; loading this class sets {@code sun.net.httpserver.nodelay=true} unless already
 * set, so that answers are not held back by Nagle's algorithm.
 *
 * <pre>{@code
 * try (FakeRootkeyApi api = FakeRootkeyApi.builder().apiKey("test-key").build().start()) {
 *     api.failNext(1, Fault.serviceUnavailable());
 *     // ... point RootkeyAnchorer at api.baseUrl() with allowInsecureLoopbackForTesting(true), run ...
 *     assertThat(api.awaitFiles(1, Duration.ofSeconds(5))).extracting(ReceivedFile::key).containsExactly("a.pdf");
 * }
 * }</pre>
 */
public final class FakeRootkeyApi implements AutoCloseable {
    /** The one path the fake serves. */
    public static final String UPLOAD_PATH = "/api-v1/connectors/files/";
    /** The API key accepted unless another is configured. */
    public static final String DEFAULT_API_KEY = "fake-rootkey-api-key";
    /** Content kept per file by default, in bytes; larger files are hashed and counted only. */
    public static final long DEFAULT_MAX_RETAINED_BYTES = 8L * 1024 * 1024;
    /** {@link Fault#reset()} reads at most this many body bytes before dropping the connection. */
    public static final int RESET_AFTER_MAX_BYTES = 64 * 1024;
    /** {@link Fault#stallBody(Duration)} stops reading after this many body bytes. */
    public static final int STALL_AFTER_BYTES = 64 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(FakeRootkeyApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Fault> DEFAULT_FAULT_MIX = List.of(
            Fault.tooManyRequests(Duration.ofSeconds(1)), Fault.serviceUnavailable(), Fault.reset());

    static {
        // The JDK server writes response headers and body separately; with Nagle's algorithm and delayed ACKs
        // each answer then takes ~40 ms on loopback. Turn Nagle off for the JDK server unless the user chose.
        System.getProperties().putIfAbsent("sun.net.httpserver.nodelay", "true");
    }

    private final int requestedPort;
    private final long seed;
    private final long maxRetainedBytes;
    private final PrintStream printer;
    private final Random random;

    private volatile String apiKey;
    private volatile boolean rejectingApiKey;

    private final Object faultLock = new Object();
    private final Deque<Fault> scripted = new ArrayDeque<>();
    private double faultRate;
    private List<Fault> faultMix = DEFAULT_FAULT_MIX;

    private final List<ReceivedFile> files = new ArrayList<>();
    private final Map<List<String>, String> accepted = new ConcurrentHashMap<>();
    private final List<Rejection> rejections = new CopyOnWriteArrayList<>();
    private final List<Fault> injected = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();

    private final Object lifecycle = new Object();
    private final CountDownLatch closing = new CountDownLatch(1);
    private HttpServer server;
    private ExecutorService executor;
    private boolean closed;

    private FakeRootkeyApi(Builder b) {
        this.requestedPort = b.port;
        this.apiKey = b.apiKey;
        this.seed = b.seed;
        this.random = new Random(b.seed);
        this.maxRetainedBytes = b.maxRetainedBytes;
        this.printer = b.printer;
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
            try {
                InetAddress loopback = InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
                server = HttpServer.create(new InetSocketAddress(loopback, requestedPort), 0);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot listen on 127.0.0.1:" + requestedPort, e);
            }
            AtomicInteger threads = new AtomicInteger();
            int port = server.getAddress().getPort();
            executor = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "fake-rootkey-api-" + port + "-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            server.setExecutor(executor);
            server.createContext("/", this::handle);
            server.start();
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
            return server.getAddress().getPort();
        }
    }

    /** The seed of the random fault source; print it with a failure to replay the run. */
    public long seed() {
        return seed;
    }

    /** The API key accepted now. */
    public String apiKey() {
        return apiKey;
    }

    /** Accepts {@code newKey} from now on instead of the current key (a rotation). */
    public void apiKey(String newKey) {
        this.apiKey = requireText(newKey, "apiKey");
    }

    /** Answers every request 401 from now on, as for a revoked key, until {@link #acceptApiKey()}. */
    public void rejectApiKey() {
        rejectingApiKey = true;
    }

    /** Accepts the configured key again after {@link #rejectApiKey()}. */
    public void acceptApiKey() {
        rejectingApiKey = false;
    }

    /** Applies {@code fault} to each of the next {@code times} requests, before any random fault. */
    public void failNext(int times, Fault fault) {
        Objects.requireNonNull(fault, "fault");
        if (times < 1) {
            throw new IllegalArgumentException("times must be >= 1, was " + times);
        }
        synchronized (faultLock) {
            for (int i = 0; i < times; i++) {
                scripted.add(fault);
            }
        }
    }

    /**
     * Applies a fault to each request with probability {@code rate}, chosen uniformly from {@code mix} (default:
     * 429 with {@code Retry-After: 1}, 503, reset), drawing from the seeded random source. 0 turns it off.
     */
    public void faultRate(double rate, Fault... mix) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("rate must be between 0 and 1, was " + rate);
        }
        List<Fault> faults = mix.length == 0 ? DEFAULT_FAULT_MIX : List.of(mix);
        synchronized (faultLock) {
            faultRate = rate;
            faultMix = faults;
        }
    }

    /** Drops scripted faults and turns random faults off. */
    public void clearFaults() {
        synchronized (faultLock) {
            scripted.clear();
            faultRate = 0;
        }
    }

    /** Forgets all recordings and deduplication state, and clears faults; the key settings stay. */
    public void clear() {
        clearFaults();
        synchronized (files) {
            files.clear();
            accepted.clear();
        }
        rejections.clear();
        injected.clear();
        requests.set(0);
    }

    /** Every accepted upload, duplicates included, in arrival order. */
    public List<ReceivedFile> files() {
        synchronized (files) {
            return List.copyOf(files);
        }
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
        return requests.get();
    }

    /** Requests refused because they were malformed or unauthorised, in arrival order. */
    public List<Rejection> rejections() {
        return List.copyOf(rejections);
    }

    /** Faults applied so far, scripted and random, in order. */
    public List<Fault> injectedFaults() {
        return List.copyOf(injected);
    }

    /**
     * Waits until at least {@code count} uploads were accepted and returns them all.
     *
     * @throws AssertionError when the deadline passes first, listing what was received, rejected, and the seed
     */
    public List<ReceivedFile> awaitFiles(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (files) {
            while (files.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected " + count + " accepted uploads within " + timeout + ", got "
                            + files.size() + ": " + files + "; rejections: " + rejections + "; faults: "
                            + injected + "; seed " + seed);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(files, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while waiting for uploads", e);
                }
            }
            return List.copyOf(files);
        }
    }

    /** Stops at once: open connections are closed, delayed answers cut short. Idempotent. */
    @Override
    public void close() {
        HttpServer s;
        ExecutorService e;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            s = server;
            e = executor;
        }
        closing.countDown();
        if (s != null) {
            s.stop(0);
        }
        if (e != null) {
            e.shutdownNow();
        }
    }

    /** The address, key status and seed. */
    @Override
    public String toString() {
        synchronized (lifecycle) {
            return "FakeRootkeyApi[" + (server == null ? (closed ? "closed" : "not started") : baseUrl()) + ", seed="
                    + seed + ", rejectingApiKey=" + rejectingApiKey + "]";
        }
    }

    // ------------------------------------------------------------------ serving

    private void handle(HttpExchange exchange) {
        requests.incrementAndGet();
        try {
            serve(exchange);
        } catch (IOException | RuntimeException e) {
            LOG.debug("FakeRootkeyApi: exchange failed: {}", e.toString());
        } finally {
            exchange.close();
        }
    }

    private void serve(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        if (!UPLOAD_PATH.equals(path)) {
            reject(exchange, new Violation(404, "not_found", "no such path; the upload path is " + UPLOAD_PATH));
            return;
        }
        Fault fault = nextFault();
        if (fault != null) {
            injected.add(fault);
            print("fault " + fault + " on " + method);
            if (fault.kind == Fault.Kind.STATUS) {
                drain(exchange);
                Map<String, String> headers = fault.duration == null ? Map.of()
                        : Map.of("Retry-After", Long.toString(ceilSeconds(fault.duration)));
                respond(exchange, fault.status, error("injected_fault", "fault injected by FakeRootkeyApi: " + fault),
                        headers);
                return;
            }
            if (fault.kind == Fault.Kind.RESET) {
                dropConnection(exchange);
                return;
            }
        }
        if (!apiKeyAccepted(exchange.getRequestHeaders())) {
            reject(exchange, new Violation(401, "unauthorized", rejectingApiKey
                    ? "the API key has been revoked" : "x-api-key is missing or wrong"));
            return;
        }
        switch (method) {
            case "POST":
                upload(exchange, fault);
                return;
            case "GET":
            case "HEAD":
                drain(exchange);
                if (fault != null && fault.kind == Fault.Kind.LATENCY) {
                    pause(fault.duration);
                }
                respond(exchange, 405, error("method_not_allowed", "upload files with POST"), Map.of("Allow", "POST"));
                return;
            default:
                reject(exchange, new Violation(405, "method_not_allowed", method + " is not supported; use POST"));
        }
    }

    private void upload(HttpExchange exchange, Fault fault) throws IOException {
        Headers headers = exchange.getRequestHeaders();
        if (headers.containsKey("Transfer-Encoding")) {
            reject(exchange, new Violation(411, "chunked", "chunked uploads are not accepted: send a Content-Length"));
            return;
        }
        String lengthHeader = headers.getFirst("Content-Length");
        if (lengthHeader == null) {
            reject(exchange, new Violation(411, "length_required", "Content-Length is required"));
            return;
        }
        long length = Long.parseLong(lengthHeader.trim());
        StrictMultipartParser.Part part;
        String bucket;
        String key;
        Optional<String> eTag;
        try {
            String boundary = StrictMultipartParser.boundary(headers.getFirst("Content-Type"));
            bucket = sourceHeader(headers, "x-rootkey-source-bucket")
                    .orElseThrow(() -> Violation.badRequest("missing_header", "x-rootkey-source-bucket is required"));
            key = sourceHeader(headers, "x-rootkey-source-key")
                    .orElseThrow(() -> Violation.badRequest("missing_header", "x-rootkey-source-key is required"));
            eTag = sourceHeader(headers, "x-rootkey-source-etag");
            InputStream body = exchange.getRequestBody();
            if (fault != null && fault.kind == Fault.Kind.STALL_BODY) {
                body = new StallingStream(body, fault.duration);
            }
            part = StrictMultipartParser.parse(body, length, boundary, maxRetainedBytes);
        } catch (Violation v) {
            reject(exchange, v);
            return;
        }
        ReceivedFile file;
        synchronized (files) {
            List<String> identity = List.of(bucket, key, eTag.orElse(""));
            String firstId = accepted.get(identity);
            String id = firstId != null ? firstId : "file-" + ids.incrementAndGet();
            if (firstId == null) {
                accepted.put(identity, id);
            }
            file = new ReceivedFile(id, bucket, key, eTag, part.fileName(), part.size(), part.sha256(),
                    snapshot(headers), Instant.now(), firstId != null, Optional.ofNullable(part.content()));
            files.add(file);
            files.notifyAll();
        }
        print((file.duplicate() ? "200 duplicate " : "201 created ") + file + " key-header-hex="
                + file.headerBytes("x-rootkey-source-key").map(HexFormat.of()::formatHex).orElse("-"));
        if (fault != null && fault.kind == Fault.Kind.LATENCY) {
            pause(fault.duration);
        }
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("id", file.id());
        reply.put("status", file.duplicate() ? "duplicate" : "created");
        reply.put("bucket", file.bucket());
        reply.put("key", file.key());
        reply.put("etag", file.eTag().orElse(null));
        reply.put("filename", file.fileName());
        reply.put("size", file.size());
        reply.put("sha256", file.sha256());
        respond(exchange, file.duplicate() ? 200 : 201, reply, Map.of());
    }

    /**
     * One source header as the API would store it, empty when absent. The JDK server hands each header byte over as
     * one char (ISO-8859-1), so the chars are the raw bytes: decoded as UTF-8, or percent-decoded when flagged.
     */
    private static Optional<String> sourceHeader(Headers headers, String name) throws Violation {
        List<String> values = headers.get(name);
        if (values == null || values.isEmpty()) {
            return Optional.empty();
        }
        if (values.size() > 1) {
            throw Violation.badRequest("bad_header", name + " is sent " + values.size() + " times");
        }
        String value = values.get(0);
        if (value.isEmpty()) {
            throw Violation.badRequest("bad_header", name + " is empty");
        }
        List<String> encoding = headers.get(name + "-encoding");
        if (encoding == null) {
            byte[] bytes = value.getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < bytes.length; i++) {
                int b = bytes[i] & 0xFF;
                if (b < 0x20 || b == 0x7F) {
                    throw Violation.badRequest("bad_header", name + " contains the control byte "
                            + String.format("0x%02X", b) + " at index " + i + "; percent-encode the value and send "
                            + name + "-encoding: percent");
                }
            }
            try {
                return Optional.of(StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)).toString());
            } catch (CharacterCodingException e) {
                throw Violation.badRequest("bad_header", name + " is not UTF-8: send the value's UTF-8 bytes");
            }
        }
        if (encoding.size() != 1 || !encoding.get(0).equals("percent")) {
            throw Violation.badRequest("bad_encoding", name + "-encoding must be \"percent\", was " + encoding);
        }
        return Optional.of(StrictPercentDecoder.decode(name, value));
    }

    private boolean apiKeyAccepted(Headers headers) {
        List<String> keys = headers.get("x-api-key");
        return !rejectingApiKey && keys != null && keys.size() == 1 && keys.get(0).equals(apiKey);
    }

    private Fault nextFault() {
        synchronized (faultLock) {
            if (!scripted.isEmpty()) {
                return scripted.poll();
            }
            if (faultRate > 0 && random.nextDouble() < faultRate) {
                return faultMix.get(random.nextInt(faultMix.size()));
            }
            return null;
        }
    }

    /**
     * Reads part of the body, then closes the connection without answering. The JDK server closes the socket
     * when an exchange is closed before its response headers were sent; with unread body bytes left in the
     * socket, the kernel answers with a TCP reset. The client sees a reset or an early end of stream.
     */
    private void dropConnection(HttpExchange exchange) {
        long length = contentLength(exchange.getRequestHeaders());
        long take = Math.min(RESET_AFTER_MAX_BYTES, length / 2);
        try {
            exchange.getRequestBody().readNBytes((int) take);
        } catch (IOException ignored) {
            // the client went first: the connection is gone either way
        }
        exchange.close();
    }

    private void reject(HttpExchange exchange, Violation violation) throws IOException {
        Rejection rejection = new Rejection(Instant.now(), exchange.getRequestMethod(),
                exchange.getRequestURI().getRawPath(), violation.status(), violation.code(), violation.getMessage());
        rejections.add(rejection);
        print(violation.status() + " " + violation.code() + ": " + violation.getMessage());
        boolean inSync = drain(exchange) && violation.status() != 411;
        respond(exchange, violation.status(), error(violation.code(), violation.getMessage()),
                inSync ? Map.of() : Map.of("Connection", "close"));
    }

    /** Reads the rest of the request body; false when it could not be read to its end. */
    private static boolean drain(HttpExchange exchange) {
        try {
            exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void respond(HttpExchange exchange, int status, Map<String, Object> body,
                                Map<String, String> extraHeaders) throws IOException {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a reply", e);
        }
        Headers headers = exchange.getResponseHeaders();
        headers.set("Content-Type", "application/json");
        extraHeaders.forEach(headers::set);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static Map<String, Object> error(String code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        return body;
    }

    private static Map<String, List<String>> snapshot(Headers headers) {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        headers.forEach((name, values) -> {
            if (!name.equalsIgnoreCase("x-api-key")) {
                copy.put(name, values);
            }
        });
        return copy;
    }

    private static long contentLength(Headers headers) {
        try {
            String value = headers.getFirst("Content-Length");
            return value == null ? 0 : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void pause(Duration duration) {
        try {
            closing.await(duration.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void print(String line) {
        LOG.debug("FakeRootkeyApi: {}", LogSafe.escape(line));
        if (printer != null) {
            printer.println(LogSafe.escape(line));
        }
    }

    private static long ceilSeconds(Duration d) {
        return d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
    }

    private static String requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return value;
    }

    /** Stops reading once, for a while, after the first {@link #STALL_AFTER_BYTES} body bytes. */
    private final class StallingStream extends FilterInputStream {
        private final Duration stall;
        private long read;
        private boolean stalled;

        StallingStream(InputStream in, Duration stall) {
            super(in);
            this.stall = stall;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (!stalled && read >= STALL_AFTER_BYTES) {
                stalled = true;
                pause(stall);
            }
            int allowed = stalled ? len : (int) Math.min(len, STALL_AFTER_BYTES - read);
            int n = super.read(b, off, allowed);
            if (n > 0) {
                read += n;
            }
            return n;
        }
    }

    // ------------------------------------------------------------------ main

    /**
     * Runs the fake until the process is stopped, printing
     * {@code FakeRootkeyApi listening on http://127.0.0.1:PORT api-key=KEY seed=SEED} and then one line per
     * request; an accepted upload's line ends with {@code key-header-hex=...}, the raw bytes of its
     * {@code x-rootkey-source-key} in hex. Options (environment variable in brackets): {@code --port N} ({@code FAKE_ROOTKEY_API_PORT},
     * default 0: any free port), {@code --api-key KEY} ({@code ROOTKEY_API_KEY}, default
     * {@value #DEFAULT_API_KEY}), {@code --seed N} ({@code FAKE_ROOTKEY_API_SEED}), {@code --fault-rate R}
     * ({@code FAKE_ROOTKEY_API_FAULT_RATE}, default 0), {@code --max-retained-bytes N}.
     */
    public static void main(String[] args) throws InterruptedException {
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
        Map<String, String> options = new LinkedHashMap<>();
        List<String> known = List.of("--port", "--api-key", "--seed", "--fault-rate", "--max-retained-bytes");
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            }
            if (!known.contains(arg) || value == null) {
                throw new IllegalArgumentException("usage: FakeRootkeyApi [--port N] [--api-key KEY] [--seed N] "
                        + "[--fault-rate 0..1] [--max-retained-bytes N]; unknown or incomplete option: " + args[i]);
            }
            options.put(arg, value);
        }
        Builder builder = builder().printTo(out);
        option(options, env, "--port", "FAKE_ROOTKEY_API_PORT").ifPresent(v -> builder.port(parseInt(v, "port")));
        option(options, env, "--api-key", "ROOTKEY_API_KEY").ifPresent(builder::apiKey);
        option(options, env, "--seed", "FAKE_ROOTKEY_API_SEED").ifPresent(v -> builder.seed(parseLong(v, "seed")));
        Optional.ofNullable(options.get("--max-retained-bytes"))
                .ifPresent(v -> builder.maxRetainedBytes(parseLong(v, "max-retained-bytes")));
        double rate = option(options, env, "--fault-rate", "FAKE_ROOTKEY_API_FAULT_RATE")
                .map(v -> parseDouble(v, "fault-rate")).orElse(0.0);
        FakeRootkeyApi api = builder.build();
        api.faultRate(rate);
        api.start();
        out.println("FakeRootkeyApi listening on " + api.baseUrl() + " api-key=" + api.apiKey() + " seed="
                + api.seed() + (rate > 0 ? " fault-rate=" + rate : ""));
        out.flush();
        return api;
    }

    private static Optional<String> option(Map<String, String> options, Map<String, String> env, String name,
                                           String variable) {
        String value = options.get(name);
        if (value == null) {
            value = env.get(variable);
        }
        return Optional.ofNullable(value).filter(v -> !v.isBlank());
    }

    private static int parseInt(String value, String name) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, was " + value);
        }
    }

    private static long parseLong(String value, String name) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, was " + value);
        }
    }

    private static double parseDouble(String value, String name) {
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, was " + value);
        }
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

    /** Something to go wrong with one request. Immutable; equal when of the same kind and parameters. */
    public static final class Fault {
        private enum Kind { STATUS, RESET, LATENCY, STALL_BODY }

        private final Kind kind;
        private final int status;
        private final Duration duration;

        private Fault(Kind kind, int status, Duration duration) {
            this.kind = kind;
            this.status = status;
            this.duration = duration;
        }

        /** Answers {@code status} (400-599) with a JSON error, after reading the body. */
        public static Fault status(int status) {
            if (status < 400 || status > 599) {
                throw new IllegalArgumentException("status must be 400-599, was " + status);
            }
            return new Fault(Kind.STATUS, status, null);
        }

        /** 429 with {@code Retry-After} in whole seconds (rounded up). */
        public static Fault tooManyRequests(Duration retryAfter) {
            Objects.requireNonNull(retryAfter, "retryAfter");
            if (retryAfter.isNegative()) {
                throw new IllegalArgumentException("retryAfter must not be negative");
            }
            return new Fault(Kind.STATUS, 429, retryAfter);
        }

        /** 503. */
        public static Fault serviceUnavailable() {
            return status(503);
        }

        /** 400. */
        public static Fault badRequest() {
            return status(400);
        }

        /** 401, whatever the key. */
        public static Fault unauthorized() {
            return status(401);
        }

        /**
         * Reads part of the body (half, at most {@link FakeRootkeyApi#RESET_AFTER_MAX_BYTES}), then drops the
         * connection without answering: the client sees a connection reset or an early end of stream.
         */
        public static Fault reset() {
            return new Fault(Kind.RESET, 0, null);
        }

        /** Handles the request normally (recording an upload) but answers only after {@code delay}. */
        public static Fault latency(Duration delay) {
            return new Fault(Kind.LATENCY, 0, requirePositive(delay, "delay"));
        }

        /**
         * Stops reading the body for {@code pause} after its first {@link FakeRootkeyApi#STALL_AFTER_BYTES} bytes,
         * then goes on normally: a server that stops taking the upload.
         */
        public static Fault stallBody(Duration pause) {
            return new Fault(Kind.STALL_BODY, 0, requirePositive(pause, "pause"));
        }

        private static Duration requirePositive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
            return d;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Fault && ((Fault) o).kind == kind && ((Fault) o).status == status
                    && Objects.equals(((Fault) o).duration, duration);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(new Object[] {kind, status, duration});
        }

        @Override
        public String toString() {
            switch (kind) {
                case STATUS:
                    return "status(" + status + (duration == null ? "" : ", Retry-After " + ceilSeconds(duration)
                            + " s") + ")";
                case RESET:
                    return "reset";
                case LATENCY:
                    return "latency(" + duration + ")";
                default:
                    return "stallBody(" + duration + ")";
            }
        }
    }
}
