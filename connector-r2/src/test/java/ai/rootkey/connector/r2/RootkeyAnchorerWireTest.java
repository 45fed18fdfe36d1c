package ai.rootkey.connector.r2;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.SourceRef;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What {@link RootkeyAnchorer} puts on the wire, read byte by byte by {@link RawHttpServer}: the source headers
 * carry what the public R2 Worker sends (DESIGN 6.4) on every transport the client may use, it speaks HTTP/1.1 even
 * to a TLS server that offers HTTP/2, and the connection-level behaviour (idle watchdog, early answers, interrupts,
 * close, pool size, logging) holds against real sockets.
 */
class RootkeyAnchorerWireTest {
    private static final String API_KEY = "rk_wire_5e6f7a8b9c0d";
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    private static TestTls tls;

    @BeforeAll
    static void certificate() throws Exception {
        tls = TestTls.create(dir);
    }

    /** One key and the header it must produce. */
    private record KeyCase(String key, String sentUtf8, boolean flagged) {
        static KeyCase raw(String key) {
            return new KeyCase(key, key, false);
        }

        static KeyCase percent(String key, String sent) {
            return new KeyCase(key, sent, true);
        }
    }

    /** The rule of DESIGN 6.4: raw UTF-8 unless the Worker cannot send it (control character, space at an end). */
    private static final List<KeyCase> KEYS = List.of(
            KeyCase.raw("docs/a.pdf"),
            KeyCase.raw("relat\u00f3rios/Q3 r\u00e9sum\u00e9.pdf"),
            KeyCase.raw("\u5831\u544a\u66f8/\u7b2c3\u56db\u534a\u671f.pdf"),
            KeyCase.raw("scans/\uD83D\uDCC4 \uD83D\uDE00.pdf"),
            KeyCase.raw("\u202Eevil.pdf"),
            KeyCase.raw("nbsp-at-the-end\u00A0"),
            KeyCase.raw("\u3000ideographic-space-first"),
            KeyCase.raw("c1-\u0085-next-line"),
            KeyCase.raw("with \"quotes\", back\\slash, 100% & a+b=c"),
            new KeyCase("lone-\uD800-surrogate", "lone-\uFFFD-surrogate", false),
            KeyCase.percent("tab\there", "tab%09here"),
            KeyCase.percent("crlf\r\nx-api-key: stolen", "crlf%0D%0Ax-api-key%3A%20stolen"),
            KeyCase.percent("nul\u0000", "nul%00"),
            KeyCase.percent("del\u007F", "del%7F"),
            KeyCase.percent(" leading space", "%20leading%20space"),
            KeyCase.percent("trailing space ", "trailing%20space%20"),
            KeyCase.percent("relat\u00f3rios/\u00e9 ", "relat%C3%B3rios/%C3%A9%20"));

    enum Transport {
        /** Plain TCP. */
        HTTP_1_1,
        /** TLS to a server that offers h2 and http/1.1 by ALPN and prefers h2. */
        TLS_SERVER_OFFERING_H2,
        /** Plain http through an HTTP proxy (absolute-form request line). */
        HTTP_PROXY,
        /** https through a proxy's CONNECT tunnel, TLS inside it with the same ALPN preference. */
        CONNECT_TUNNEL
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void sourceHeaders_carryTheWorkersBytes_onEveryTransport_overHttp11(Transport transport) throws Exception {
        try (Setup setup = setup(transport, RawHttpServer.Behaviour.ANSWER, b -> { })) {
            for (KeyCase c : KEYS) {
                Receipt receipt = setup.anchorer.anchor(request(new SourceRef("acme-docs", c.key(),
                        Optional.of("\"c846ff7a\"")), new byte[] {1, 2, 3}));
                assertThat(receipt.status()).as("%s: %s", transport, c).isEqualTo(201);
                assertThat(receipt.serverReply()).isEqualTo(RawHttpServer.REPLY);
            }
            List<RawHttpServer.Request> requests = setup.server.awaitRequests(KEYS.size(), WAIT);
            for (int i = 0; i < KEYS.size(); i++) {
                KeyCase c = KEYS.get(i);
                RawHttpServer.Request request = requests.get(i);
                String what = transport + ", key #" + i;
                assertThat(request.requestLine()).as(what).isEqualTo("POST " + setup.target
                        + RootkeyAnchorer.UPLOAD_PATH + " HTTP/1.1");
                assertThat(request.header("x-rootkey-source-key")).as(what)
                        .hasValueSatisfying(v -> assertThat(v).isEqualTo(c.sentUtf8().getBytes(StandardCharsets.UTF_8)));
                assertThat(request.header("x-rootkey-source-key-encoding").map(RootkeyAnchorerWireTest::ascii))
                        .as(what).isEqualTo(c.flagged() ? Optional.of("percent") : Optional.empty());
                assertThat(request.header("x-api-key").map(RootkeyAnchorerWireTest::ascii)).contains(API_KEY);
                assertThat(request.header("x-rootkey-source-bucket").map(RootkeyAnchorerWireTest::ascii))
                        .contains("acme-docs");
                assertThat(request.header("x-rootkey-source-etag").map(RootkeyAnchorerWireTest::ascii))
                        .contains("c846ff7a");
                assertThat(request.headerBytes("Transfer-Encoding")).isEmpty();
                assertThat(request.header("Content-Length").map(RootkeyAnchorerWireTest::ascii))
                        .contains(Integer.toString(request.body().length));
                assertThat(new String(request.body(), StandardCharsets.UTF_8)).as(what)
                        .contains("filename=\"" + fileName(c.key()) + "\"\r\n");
            }
            for (RawHttpServer.Request request : requests) {
                if (transport == Transport.TLS_SERVER_OFFERING_H2 || transport == Transport.CONNECT_TUNNEL) {
                    // The client offers nothing or HTTP/1.1 only, so the server cannot pick HTTP/2.
                    assertThat(request.offeredAlpn().orElse(List.of())).as("ALPN offered").doesNotContain("h2");
                    assertThat(request.negotiated()).as("ALPN chosen").isNotEqualTo("h2");
                }
                if (transport == Transport.CONNECT_TUNNEL) {
                    assertThat(request.connectLine()).contains("CONNECT " + setup.apiUrl.getHost() + ":"
                            + setup.apiUrl.getPort() + " HTTP/1.1");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Transport.class, names = {"HTTP_1_1", "TLS_SERVER_OFFERING_H2"})
    void bucketAndETag_followTheSameRule(Transport transport) throws Exception {
        try (Setup setup = setup(transport, RawHttpServer.Behaviour.ANSWER, b -> { })) {
            setup.anchorer.anchor(request(new SourceRef("b\u00fccket-\u6771", "k", Optional.of("\"\u00e9tag\"")),
                    new byte[1]));
            setup.anchorer.anchor(request(new SourceRef("bucket\t", "k", Optional.of("e\u007Ftag")), new byte[1]));
            List<RawHttpServer.Request> requests = setup.server.awaitRequests(2, WAIT);

            RawHttpServer.Request raw = requests.get(0);
            assertThat(raw.header("x-rootkey-source-bucket")).hasValueSatisfying(v -> assertThat(v)
                    .isEqualTo("b\u00fccket-\u6771".getBytes(StandardCharsets.UTF_8)));
            assertThat(raw.header("x-rootkey-source-etag")).hasValueSatisfying(v -> assertThat(v)
                    .isEqualTo("\u00e9tag".getBytes(StandardCharsets.UTF_8)));
            assertThat(raw.headerBytes("x-rootkey-source-bucket-encoding")).isEmpty();
            assertThat(raw.headerBytes("x-rootkey-source-etag-encoding")).isEmpty();

            RawHttpServer.Request flagged = requests.get(1);
            assertThat(flagged.header("x-rootkey-source-bucket").map(RootkeyAnchorerWireTest::ascii))
                    .contains("bucket%09");
            assertThat(flagged.header("x-rootkey-source-bucket-encoding").map(RootkeyAnchorerWireTest::ascii))
                    .contains("percent");
            assertThat(flagged.header("x-rootkey-source-etag").map(RootkeyAnchorerWireTest::ascii)).contains("e%7Ftag");
            assertThat(flagged.header("x-rootkey-source-etag-encoding").map(RootkeyAnchorerWireTest::ascii))
                    .contains("percent");
            assertThat(flagged.headerBytes("x-rootkey-source-key-encoding")).isEmpty();
        }
    }

    @Test
    void probe_overTls_isAGetOverHttp11_withTheKey() throws Exception {
        try (Setup setup = setup(Transport.TLS_SERVER_OFFERING_H2, RawHttpServer.Behaviour.ANSWER, b -> { })) {
            setup.anchorer.probe();
            RawHttpServer.Request request = setup.server.awaitRequests(1, WAIT).get(0);
            assertThat(request.requestLine()).isEqualTo("GET " + RootkeyAnchorer.UPLOAD_PATH + " HTTP/1.1");
            assertThat(request.header("x-api-key").map(RootkeyAnchorerWireTest::ascii)).contains(API_KEY);
            assertThat(request.headerBytes("Upgrade")).as("no opportunistic TLS upgrade offer").isEmpty();
        }
    }

    @Test
    void untrustedCertificate_isRefused_beforeAnythingIsSent() throws Exception {
        try (RawHttpServer server = RawHttpServer.tls(tls.server(), RawHttpServer.Behaviour.ANSWER);
             RootkeyAnchorer anchorer = RootkeyAnchorer.builder().apiKey(Secret.of(API_KEY))
                     .apiUrl(server.uri()).idleTimeout(Duration.ofSeconds(10)).build()) {
            assertThatThrownBy(() -> anchorer.anchor(request(new SourceRef("b", "k", Optional.empty()), new byte[1])))
                    .isInstanceOf(IOException.class).hasMessageNotContaining(API_KEY);
            assertThat(server.requests()).isEmpty();
        }
    }

    // ------------------------------------------------------------------ the idle watchdog, interrupts, close

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Transport.class, names = {"HTTP_1_1", "TLS_SERVER_OFFERING_H2"})
    void serverThatNeverReads_isAnIdleTimeout_promptly(Transport transport) throws Exception {
        long size = 256L * 1024 * 1024; // far more than socket buffers hold
        try (Setup setup = setup(transport, RawHttpServer.Behaviour.NEVER_READ,
                b -> b.idleTimeout(Duration.ofMillis(500)))) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> setup.anchorer.anchor(new AnchorRequest(new SourceRef("b", "big.bin",
                    Optional.empty()), size, Optional.empty(), new PatternStream(size))))
                    .isInstanceOf(SocketTimeoutException.class)
                    .hasMessageStartingWith("the ROOTKey API took no upload bytes for PT0.5S (idle timeout) after ")
                    .hasMessageEndingWith(" of " + size + " content bytes");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void tlsServerThatNeverHandshakes_isNotReady_withinTheIdleTimeout() throws Exception {
        try (Setup setup = setup(Transport.TLS_SERVER_OFFERING_H2, RawHttpServer.Behaviour.SILENT,
                b -> b.idleTimeout(Duration.ofMillis(500)))) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> setup.anchorer.anchor(request(new SourceRef("b", "k", Optional.empty()),
                    new byte[10])))
                    .isInstanceOf(SocketTimeoutException.class)
                    .hasMessage("the connection to the ROOTKey API was not ready for the upload within PT0.5S "
                            + "(idle timeout)");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void interruptedUpload_isAbortedWithinASecond_evenWhenBlockedOnTheSocket() throws Exception {
        long size = 256L * 1024 * 1024;
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (Setup setup = setup(Transport.HTTP_1_1, RawHttpServer.Behaviour.NEVER_READ,
                b -> b.idleTimeout(Duration.ofMinutes(5)))) {
            PatternStream content = new PatternStream(size);
            Future<Receipt> upload = thread.submit(() -> setup.anchorer.anchor(new AnchorRequest(
                    new SourceRef("b", "big.bin", Optional.empty()), size, Optional.empty(), content)));
            awaitBlocked(content);
            long interrupted = System.nanoTime();
            upload.cancel(true);
            thread.shutdown();
            assertThat(thread.awaitTermination(5, TimeUnit.SECONDS)).as("the upload ended").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - interrupted)).isLessThan(Duration.ofMillis(2500));
        } finally {
            thread.shutdownNow();
        }
    }

    @Test
    void interruptedUpload_throwsInterruptedIOException() throws Exception {
        long size = 256L * 1024 * 1024;
        try (Setup setup = setup(Transport.HTTP_1_1, RawHttpServer.Behaviour.NEVER_READ,
                b -> b.idleTimeout(Duration.ofMinutes(5)))) {
            PatternStream content = new PatternStream(size);
            CompletableFuture<Throwable> failure = new CompletableFuture<>();
            Thread uploader = new Thread(() -> {
                try {
                    setup.anchorer.anchor(new AnchorRequest(new SourceRef("b", "big.bin", Optional.empty()), size,
                            Optional.empty(), content));
                    failure.complete(null);
                } catch (Throwable t) {
                    failure.complete(t);
                }
            });
            uploader.start();
            awaitBlocked(content);
            uploader.interrupt();
            assertThat(failure.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedIOException.class)
                    .isNotInstanceOf(SocketTimeoutException.class)
                    .hasMessageContaining("interrupted while waiting for the upload");
        }
    }

    @Test
    void close_abortsUploadsInFlight_andRefusesNewOnes() throws Exception {
        long size = 256L * 1024 * 1024;
        try (Setup setup = setup(Transport.HTTP_1_1, RawHttpServer.Behaviour.NEVER_READ,
                b -> b.idleTimeout(Duration.ofMinutes(5)))) {
            PatternStream content = new PatternStream(size);
            CompletableFuture<Throwable> failure = new CompletableFuture<>();
            Thread uploader = new Thread(() -> {
                try {
                    setup.anchorer.anchor(new AnchorRequest(new SourceRef("b", "big.bin", Optional.empty()), size,
                            Optional.empty(), content));
                    failure.complete(null);
                } catch (Throwable t) {
                    failure.complete(t);
                }
            });
            uploader.start();
            awaitBlocked(content);
            setup.anchorer.close();
            assertThat(failure.get(5, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> setup.anchorer.anchor(request(new SourceRef("b", "k", Optional.empty()),
                    new byte[1]))).isInstanceOf(IllegalStateException.class).hasMessage("the anchorer is closed");
        }
    }

    // ------------------------------------------------------------------ early answers, pool

    @Test
    void answerBeforeTheBodyWasRead_isTheReceipt_andStopsTheUpload() throws Exception {
        long size = 256L * 1024 * 1024;
        try (Setup setup = setup(Transport.HTTP_1_1, RawHttpServer.Behaviour.ANSWER_WITHOUT_READING,
                b -> b.idleTimeout(Duration.ofSeconds(10)))) {
            long started = System.nanoTime();
            Receipt receipt = setup.anchorer.anchor(new AnchorRequest(new SourceRef("b", "big.bin", Optional.empty()),
                    size, Optional.empty(), new PatternStream(size)));
            assertThat(receipt.status()).isEqualTo(401);
            assertThat(receipt.serverReply()).isEqualTo(RawHttpServer.REFUSAL);
            assertThat(receipt.bytesSent()).isLessThan(size);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void earlyAnswerOverTls_whileTheServerStillReads_isTheReceipt_andStopsTheUpload() throws Exception {
        long size = 256L * 1024 * 1024;
        try (Setup setup = setup(Transport.TLS_SERVER_OFFERING_H2, RawHttpServer.Behaviour.ANSWER_EARLY_THEN_DRAIN,
                b -> b.idleTimeout(Duration.ofSeconds(10)))) {
            Receipt receipt = setup.anchorer.anchor(new AnchorRequest(new SourceRef("b", "big.bin", Optional.empty()),
                    size, Optional.empty(), new PatternStream(size)));
            assertThat(receipt.status()).isEqualTo(401);
            assertThat(receipt.serverReply()).isEqualTo(RawHttpServer.REFUSAL);
            assertThat(receipt.bytesSent()).as("stopped early").isLessThan(size);
        }
    }

    @Test
    void pool_neverThrottles_fiftyUploadsAreOnTheWireAtOnce() throws Exception {
        int n = 50; // ten times Apache HttpClient's default of five connections per route
        ExecutorService threads = Executors.newFixedThreadPool(n);
        try (Setup setup = setup(Transport.HTTP_1_1, RawHttpServer.Behaviour.ANSWER_WHEN_ALL_ARRIVED, b -> { })) {
            setup.server.holdUntil(n);
            List<Future<Receipt>> receipts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                SourceRef source = new SourceRef("b", "concurrent/" + i, Optional.empty());
                receipts.add(threads.submit(() -> setup.anchorer.anchor(request(source, new byte[100]))));
            }
            for (Future<Receipt> receipt : receipts) {
                assertThat(receipt.get(30, TimeUnit.SECONDS).status()).isEqualTo(201);
            }
            assertThat(setup.server.connections()).isEqualTo(n);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void keepAlive_reusesTheConnection() throws Exception {
        try (Setup setup = setup(Transport.HTTP_1_1, RawHttpServer.Behaviour.ANSWER, b -> { })) {
            for (int i = 0; i < 5; i++) {
                setup.anchorer.anchor(request(new SourceRef("b", "k" + i, Optional.empty()), new byte[10]));
            }
            assertThat(setup.server.awaitRequests(5, WAIT)).hasSize(5);
            assertThat(setup.server.connections()).isEqualTo(1);
        }
    }

    // ------------------------------------------------------------------ logs

    @Test
    void everyLoggerAtTrace_neverShowsTheApiKey_andApacheLogsNoHeaders() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger apache = (Logger) LoggerFactory.getLogger("org.apache.hc");
        Level rootLevel = root.getLevel();
        Level apacheLevel = apache.getLevel();
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        root.addAppender(events);
        root.setLevel(Level.TRACE);
        apache.setLevel(Level.TRACE);
        try (Setup setup = setup(Transport.TLS_SERVER_OFFERING_H2, RawHttpServer.Behaviour.ANSWER, b -> { })) {
            setup.anchorer.anchor(request(new SourceRef("b", "relat\u00f3rios/a.pdf", Optional.empty()),
                    new byte[10]));
            setup.anchorer.probe();
        } finally {
            root.detachAppender(events);
            root.setLevel(rootLevel);
            apache.setLevel(apacheLevel);
        }
        List<ILoggingEvent> logged = List.copyOf(events.list);
        assertThat(logged).as("Apache HttpClient logged at TRACE")
                .anyMatch(e -> e.getLoggerName().startsWith("org.apache.hc.client5"));
        assertThat(logged).as("header and wire loggers")
                .noneMatch(e -> e.getLoggerName().startsWith("org.apache.hc.client5.http.headers")
                        || e.getLoggerName().startsWith("org.apache.hc.client5.http.wire"));
        for (ILoggingEvent event : logged) {
            assertThat(event.getFormattedMessage()).as(event.getLoggerName()).doesNotContain(API_KEY)
                    .doesNotContain("x-api-key");
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * A server, an anchorer pointed at it, the request line's prefix before the path (the absolute form through a
     * plain proxy) and the API URL.
     */
    private record Setup(RawHttpServer server, RootkeyAnchorer anchorer, String target, URI apiUrl)
            implements AutoCloseable {
        @Override
        public void close() throws IOException {
            anchorer.close();
            server.close();
        }
    }

    private static Setup setup(Transport transport, RawHttpServer.Behaviour behaviour,
                               Consumer<RootkeyAnchorer.Builder> customize) throws IOException {
        RootkeyAnchorer.Builder builder = RootkeyAnchorer.builder().apiKey(Secret.of(API_KEY))
                .idleTimeout(Duration.ofSeconds(10)).sslContext(tls.client()).allowInsecureLoopbackForTesting(true);
        RawHttpServer server;
        URI apiUrl;
        switch (transport) {
            case HTTP_1_1:
                server = RawHttpServer.plain(behaviour);
                apiUrl = server.uri();
                break;
            case TLS_SERVER_OFFERING_H2:
                server = RawHttpServer.tls(tls.server(), behaviour);
                apiUrl = server.uri();
                break;
            case HTTP_PROXY:
                server = RawHttpServer.plain(behaviour);
                apiUrl = URI.create("http://127.0.0.1:" + unusedPort()); // never connected: the proxy answers
                builder.proxy(ProxySelector.of(server.address()));
                break;
            default:
                server = RawHttpServer.connectProxy(tls.server());
                apiUrl = URI.create("https://127.0.0.1:" + unusedPort()); // reached through the tunnel only
                builder.proxy(ProxySelector.of(server.address()));
                break;
        }
        customize.accept(builder.apiUrl(apiUrl));
        return new Setup(server, builder.build(), transport == Transport.HTTP_PROXY ? apiUrl.toString() : "", apiUrl);
    }

    private static int unusedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Waits until the upload has stopped moving: blocked on a full socket. */
    private static void awaitBlocked(PatternStream content) throws InterruptedException {
        long last = -1;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            long now = content.position();
            if (now > 0 && now == last) {
                return;
            }
            last = now;
            Thread.sleep(200); // sampling the position of a stream that must have stopped; no result to wait for
        }
        throw new AssertionError("the upload never blocked");
    }

    private static String fileName(String key) {
        String last = key.substring(key.lastIndexOf('/') + 1);
        return new String(last.replace('\r', '_').replace('\n', '_').replace('"', '_').replace('\\', '_')
                .getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }

    private static AnchorRequest request(SourceRef source, byte[] content) {
        return new AnchorRequest(source, content.length, Optional.empty(), new ByteArrayInputStream(content));
    }

    private static String ascii(byte[] bytes) {
        for (byte b : bytes) {
            assertThat(b & 0xFF).as("an ASCII header value").isBetween(0x20, 0x7E);
        }
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    /** {@code size} bytes of a repeating pattern, with the position readable from another thread. */
    private static final class PatternStream extends InputStream {
        private final long size;
        private volatile long position;

        PatternStream(long size) {
            this.size = size;
        }

        long position() {
            return position;
        }

        @Override
        public int read() {
            if (position >= size) {
                return -1;
            }
            return (int) (position++ % 251);
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= size) {
                return -1;
            }
            int n = (int) Math.min(len, size - position);
            long p = position;
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) ((p + i) % 251);
            }
            position = p + n;
            return n;
        }
    }
}
