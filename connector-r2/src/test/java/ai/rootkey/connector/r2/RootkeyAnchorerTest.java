package ai.rootkey.connector.r2;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.SourceRef;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RootkeyAnchorerTest {
    private static final String API_KEY = "rk_test_9f8e7d6c5b4a";
    private static final String PATH = "/api-v1/connectors/files/";
    private static final Pattern BOUNDARY = Pattern.compile("multipart/form-data; boundary=(rootkey-[0-9a-f]{32})");

    @RegisterExtension
    static WireMockExtension api = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"))
            .build();

    // ------------------------------------------------------------------ the request on the wire

    @Test
    void anchor_sendsExactRequest() throws Exception {
        created();
        byte[] content = "hello, rootkey".getBytes(StandardCharsets.US_ASCII);

        Receipt receipt = anchor(new SourceRef("my-bucket", "docs/a.pdf", Optional.of("\"c846ff7a\"")), content);

        assertThat(receipt.status()).isEqualTo(201);
        LoggedRequest request = onlyRequest();
        assertThat(request.getMethod().getName()).isEqualTo("POST");
        assertThat(request.getUrl()).isEqualTo(PATH);
        assertThat(request.getHeader("x-api-key")).isEqualTo(API_KEY);
        assertThat(request.getHeader("x-rootkey-source-bucket")).isEqualTo("my-bucket");
        assertThat(request.getHeader("x-rootkey-source-key")).isEqualTo("docs/a.pdf");
        assertThat(request.getHeader("x-rootkey-source-etag")).isEqualTo("c846ff7a");
        assertThat(request.getHeader("User-Agent")).isEqualTo(RootkeyAnchorer.DEFAULT_USER_AGENT);
        assertThat(request.containsHeader("x-rootkey-source-key-encoding")).isFalse();
        assertThat(request.containsHeader("x-rootkey-source-bucket-encoding")).isFalse();
        assertThat(request.containsHeader("Transfer-Encoding")).isFalse();
        assertThat(request.containsHeader("Authorization")).isFalse();
        String boundary = boundaryOf(request);
        byte[] expected = ("--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
                + "Content-Type: application/octet-stream\r\n"
                + "\r\n"
                + "hello, rootkey\r\n"
                + "--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        assertThat(request.getBody()).isEqualTo(expected);
        assertThat(request.getHeader("Content-Length")).isEqualTo(Integer.toString(expected.length));
    }

    @Test
    void anchor_zeroByteObject_sendsFramingOnly() throws Exception {
        created();

        Receipt receipt = anchor(ref("empty.txt"), new byte[0]);

        LoggedRequest request = onlyRequest();
        String boundary = boundaryOf(request);
        String body = new String(request.getBody(), StandardCharsets.US_ASCII);
        assertThat(body).isEqualTo("--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"empty.txt\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n"
                + "\r\n--" + boundary + "--\r\n");
        assertThat(request.getHeader("Content-Length")).isEqualTo(Integer.toString(body.length()));
        assertThat(receipt.bytesSent()).isZero();
        assertThat(receipt.sha256()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void anchor_multiMiBObject_arrivesWhole_withMatchingSha256() throws Exception {
        created();
        byte[] content = randomBytes(5 * 1024 * 1024 + 17, 42);

        Receipt receipt = anchor(ref("big/blob.bin"), content);

        LoggedRequest request = onlyRequest();
        assertThat(contentOf(request)).isEqualTo(content);
        assertThat(Long.parseLong(request.getHeader("Content-Length"))).isEqualTo(request.getBody().length);
        assertThat(request.containsHeader("Transfer-Encoding")).isFalse();
        assertThat(receipt.bytesSent()).isEqualTo(content.length);
        assertThat(receipt.sha256()).isEqualTo(sha256(content));
    }

    @Test
    void eachUpload_hasAFreshBoundary() throws Exception {
        created();
        anchor(ref("a"), new byte[1]);
        anchor(ref("b"), new byte[1]);
        List<LoggedRequest> requests = api.findAll(postRequestedFor(urlEqualTo(PATH)));
        assertThat(boundaryOf(requests.get(0))).isNotEqualTo(boundaryOf(requests.get(1)));
    }

    static Stream<String[]> fileNames() {
        return Stream.of(
                new String[] {"docs/report.pdf", "report.pdf"},
                new String[] {"no-slash.txt", "no-slash.txt"},
                new String[] {"dir/", "file"},
                new String[] {"dir/a\"b\\c\rd\ne.txt", "a_b_c_d_e.txt"},
                new String[] {"r\u00e9sum\u00e9/\u00e0 \u2713 \uD83D\uDE00.pdf", "\u00e0 \u2713 \uD83D\uDE00.pdf"},
                new String[] {"d/" + "n".repeat(300), "n".repeat(255)});
    }

    @ParameterizedTest
    @MethodSource("fileNames")
    void fileName_isSanitisedLastSegment_inUtf8(String key, String expectedFileName) throws Exception {
        created();
        anchor(ref(key), new byte[] {1});
        String headers = partHeaders(onlyRequest());
        assertThat(headers).contains("Content-Disposition: form-data; name=\"file\"; filename=\""
                + expectedFileName + "\"\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\rb", "a\nb", "a\r\nx-api-key: stolen", "nul\u0000", "tab\there", "del\u007F",
            " leading-space", "trailing-space ", "caf\u00e9 "})
    void keyTheWorkerCannotSend_isPercentEncoded_andFlagged(String key) throws Exception {
        created();
        anchor(ref(key), new byte[] {1});
        LoggedRequest request = onlyRequest();
        String sent = request.getHeader("x-rootkey-source-key");
        assertThat(sent).matches("[A-Za-z0-9._~/%-]+");
        assertThat(URLDecoder.decode(sent, StandardCharsets.UTF_8)).isEqualTo(key);
        assertThat(request.getHeader("x-rootkey-source-key-encoding")).isEqualTo("percent");
        assertThat(request.containsHeader("x-rootkey-source-bucket-encoding")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"caf\u00e9.txt", "relat\u00f3rios/Q3 r\u00e9sum\u00e9.pdf", "\u202Eevil.exe",
            "emoji-\uD83D\uDE00.txt", "\u65e5\u672c\u8a9e/\u30d5\u30a1\u30a4\u30eb.pdf", "nbsp\u00A0"})
    void nonAsciiKey_goesAsItsUtf8Bytes_withoutFlag(String key) throws Exception {
        created();
        anchor(ref(key), new byte[] {1});
        LoggedRequest request = onlyRequest();
        assertThat(utf8Header(request, "x-rootkey-source-key")).isEqualTo(key);
        assertThat(request.containsHeader("x-rootkey-source-key-encoding")).isFalse();
    }

    @Test
    void longNonAsciiKey_goesAsItsUtf8Bytes() throws Exception {
        created();
        // 1,024 UTF-8 bytes. The last segment is short: WireMock's multipart parser refuses part headers over 512 bytes.
        String key = "\u00e9".repeat(509) + "/a.txt";
        Receipt receipt = anchor(ref(key), new byte[] {1});
        assertThat(receipt.status()).as("%s", receipt).isEqualTo(201);
        LoggedRequest request = onlyRequest();
        assertThat(utf8Header(request, "x-rootkey-source-key")).isEqualTo(key);
        assertThat(request.containsHeader("x-rootkey-source-key-encoding")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"docs/a.pdf", "with \"quotes\"", "back\\slash", "100%25 done", "a+b=c", "inner space",
            "~!@#$&*()[]{};:',<>?|`"})
    void legalKey_isSentUnchanged_withoutFlag(String key) throws Exception {
        created();
        anchor(ref(key), new byte[] {1});
        LoggedRequest request = onlyRequest();
        assertThat(request.getHeader("x-rootkey-source-key")).isEqualTo(key);
        assertThat(request.containsHeader("x-rootkey-source-key-encoding")).isFalse();
    }

    @Test
    void bucketAndETag_followTheSameRule() throws Exception {
        created();
        anchor(new SourceRef("b\u00fccket ", "k", Optional.of("\"\u00e9tag\"")), new byte[] {1});
        LoggedRequest request = onlyRequest();
        assertThat(request.getHeader("x-rootkey-source-bucket")).isEqualTo("b%C3%BCcket%20");
        assertThat(request.getHeader("x-rootkey-source-bucket-encoding")).isEqualTo("percent");
        assertThat(utf8Header(request, "x-rootkey-source-etag")).isEqualTo("\u00e9tag");
        assertThat(request.containsHeader("x-rootkey-source-etag-encoding")).isFalse();
        assertThat(request.containsHeader("x-rootkey-source-key-encoding")).isFalse();
    }

    @Test
    void longAsciiKey_isSentUnchanged() throws Exception {
        created();
        String key = "k".repeat(1024);
        anchor(ref(key), new byte[] {1});
        assertThat(onlyRequest().getHeader("x-rootkey-source-key")).isEqualTo(key);
    }

    @Test
    void unknownETag_sendsNoETagHeader() throws Exception {
        created();
        anchor(new SourceRef("my-bucket", "a.txt", Optional.empty()), new byte[] {1});
        assertThat(onlyRequest().containsHeader("x-rootkey-source-etag")).isFalse();
    }

    // ------------------------------------------------------------------ answers

    @ParameterizedTest
    @ValueSource(ints = {200, 400, 401, 403, 404, 409, 413, 429, 500, 502, 503})
    void anyStatus_isAReceipt_notAnException(int status) throws Exception {
        api.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(status).withBody("{\"error\":\"x\"}")));
        Receipt receipt = anchor(ref("a.txt"), new byte[] {7});
        assertThat(receipt.status()).isEqualTo(status);
        assertThat(receipt.serverReply()).isEqualTo("{\"error\":\"x\"}");
        assertThat(receipt.retryAfter()).isEmpty();
    }

    @Test
    void serverReply_isCutTo4KiB() throws Exception {
        api.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(500).withBody("y".repeat(100_000))));
        Receipt receipt = anchor(ref("a.txt"), new byte[] {7});
        assertThat(receipt.serverReply()).isEqualTo("y".repeat(Receipt.MAX_REPLY_CHARS));
    }

    @Test
    void retryAfterSeconds_isInTheReceipt() throws Exception {
        api.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(429).withHeader("Retry-After", "17")));
        assertThat(anchor(ref("a.txt"), new byte[] {1}).retryAfter()).contains(Duration.ofSeconds(17));
    }

    @Test
    void retryAfterHttpDate_isMeasuredFromTheClock() throws Exception {
        Instant now = Instant.parse("2025-06-01T08:00:00Z");
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(now.plusSeconds(120).atOffset(ZoneOffset.UTC));
        api.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(503).withHeader("Retry-After", date)));
        try (RootkeyAnchorer anchorer = anchorer(b -> b.clock(Clock.fixed(now, ZoneOffset.UTC)))) {
            Receipt receipt = anchorer.anchor(request(ref("a.txt"), new byte[] {1}));
            assertThat(receipt.retryAfter()).contains(Duration.ofSeconds(120));
        }
    }

    @Test
    void retryAfterGarbage_isIgnored() throws Exception {
        api.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(503).withHeader("Retry-After", "soon")));
        assertThat(anchor(ref("a.txt"), new byte[] {1}).retryAfter()).isEmpty();
    }

    // ------------------------------------------------------------------ no answer

    @Test
    void connectionRefused_throwsIOException() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        try (RootkeyAnchorer anchorer = anchorer(b -> b.apiUrl("http://127.0.0.1:" + port))) {
            assertThatThrownBy(() -> anchorer.anchor(request(ref("a.txt"), new byte[] {1})))
                    .isInstanceOf(ConnectException.class);
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX) // Linux drops SYNs to a full accept queue; other systems may refuse instead
    void connectTimeout_boundsAConnectionThatIsNeverAccepted() throws Exception {
        // A listener whose accept queue is full: the kernel drops further SYNs, so connecting hangs.
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            List<Socket> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    Socket socket = new Socket();
                    try {
                        socket.connect(full.getLocalSocketAddress(), 200);
                        fillers.add(socket);
                    } catch (SocketTimeoutException queueIsFull) {
                        socket.close();
                        break;
                    }
                }
                try (RootkeyAnchorer anchorer = anchorer(b -> b.apiUrl("http://127.0.0.1:" + full.getLocalPort())
                        .connectTimeout(Duration.ofMillis(300)))) {
                    long started = System.nanoTime();
                    assertThatThrownBy(() -> anchorer.anchor(request(ref("a.txt"), new byte[1])))
                            .isInstanceOf(SocketTimeoutException.class)
                            .hasMessage("could not connect to the ROOTKey API within PT0.3S (connect timeout)");
                    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
                }
            } finally {
                for (Socket socket : fillers) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void connectionResetByPeer_throwsIOException() {
        api.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        assertThatThrownBy(() -> anchor(ref("a.txt"), new byte[1000])).isInstanceOf(IOException.class);
    }

    @Test
    void emptyResponseFault_throwsIOException() {
        api.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withFault(Fault.EMPTY_RESPONSE)));
        assertThatThrownBy(() -> anchor(ref("a.txt"), new byte[1000])).isInstanceOf(IOException.class);
    }

    @Test
    void responseSlowerThanIdleTimeout_throwsSocketTimeoutException_promptly() {
        api.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(201).withFixedDelay(5_000)));
        try (RootkeyAnchorer anchorer = anchorer(b -> b.idleTimeout(Duration.ofMillis(300)))) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> anchorer.anchor(request(ref("a.txt"), new byte[100])))
                    .isInstanceOf(SocketTimeoutException.class)
                    .hasMessage("no response to the upload from the ROOTKey API within PT0.3S (idle timeout)");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(4_000));
        }
    }

    @Test
    void replyThatStallsPartway_isAnIdleTimeout_andTheConnectionIsDroppedNotDrained() throws Exception {
        try (ScriptedHttpServer server = new ScriptedHttpServer(out -> {
            out.write("HTTP/1.1 201 Created\r\nContent-Length: 100000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[10]);
            out.flush();
        });
             RootkeyAnchorer anchorer = anchorer(b -> b.apiUrl(server.endpoint().toString())
                     .idleTimeout(Duration.ofSeconds(1)))) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> anchorer.anchor(request(ref("a.txt"), new byte[10])))
                    .isInstanceOf(SocketTimeoutException.class)
                    .hasMessage("no response to the upload from the ROOTKey API within PT1S (idle timeout)");
            // One idle timeout, not two: the rest of the reply is not waited for again while closing.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(1800));
            server.peerClosed().get(5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void uploadLongerThanIdleTimeout_thatKeepsMoving_isNotCutOff() throws Exception {
        // Each wait (next chunk, then the response) is shorter than the idle timeout; the whole exchange is longer.
        api.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(201).withFixedDelay(500)));
        byte[] content = randomBytes(10 * 1024, 3);
        try (RootkeyAnchorer anchorer = anchorer(b -> b.idleTimeout(Duration.ofMillis(900)))) {
            long started = System.nanoTime();
            Receipt receipt = anchorer.anchor(new AnchorRequest(ref("slow.bin"), content.length, Optional.empty(),
                    new TricklingStream(content, 1024, Duration.ofMillis(100))));
            assertThat(receipt.status()).isEqualTo(201);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(Duration.ofMillis(900));
        }
        assertThat(contentOf(onlyRequest())).isEqualTo(content);
    }

    @Test
    void streamShorterThanSize_throwsIOException() {
        created();
        assertThatThrownBy(() -> {
            try (RootkeyAnchorer anchorer = anchorer(b -> { })) {
                anchorer.anchor(new AnchorRequest(ref("a.txt"), 100, Optional.empty(),
                        new ByteArrayInputStream(new byte[50])));
            }
        }).isInstanceOf(IOException.class).hasMessage("the object stream ended after 50 of its 100 bytes");
    }

    @Test
    void streamLongerThanSize_throwsIOException() {
        created();
        assertThatThrownBy(() -> {
            try (RootkeyAnchorer anchorer = anchorer(b -> { })) {
                anchorer.anchor(new AnchorRequest(ref("a.txt"), 10, Optional.empty(),
                        new ByteArrayInputStream(new byte[11])));
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("more than its 10 bytes");
    }

    @Test
    void concurrentUploads_shareOneAnchorer() throws Exception {
        created();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (RootkeyAnchorer anchorer = anchorer(b -> { })) {
            List<Future<Receipt>> receipts = new ArrayList<>();
            List<byte[]> contents = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                byte[] content = randomBytes(100_000 + i, i);
                contents.add(content);
                String key = "c/" + i;
                receipts.add(pool.submit(() -> anchorer.anchor(request(ref(key), content))));
            }
            for (int i = 0; i < receipts.size(); i++) {
                Receipt receipt = receipts.get(i).get();
                assertThat(receipt.status()).isEqualTo(201);
                assertThat(receipt.sha256()).isEqualTo(sha256(contents.get(i)));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(api.getAllServeEvents()).hasSize(24);
    }

    // ------------------------------------------------------------------ probe

    @ParameterizedTest
    @ValueSource(ints = {401, 403})
    void probe_refusedKey_throwsConfigurationException(int status) {
        api.stubFor(get(urlEqualTo(PATH)).willReturn(aResponse().withStatus(status)));
        try (RootkeyAnchorer anchorer = anchorer(b -> { })) {
            assertThatThrownBy(anchorer::probe)
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessage("the ROOTKey API rejects the API key (" + status + "): check ROOTKEY_API_KEY");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 204, 404, 405})
    void probe_otherAnswers_meanTheKeyIsAccepted(int status) throws Exception {
        api.stubFor(get(urlEqualTo(PATH)).willReturn(aResponse().withStatus(status)));
        try (RootkeyAnchorer anchorer = anchorer(b -> { })) {
            anchorer.probe();
        }
        LoggedRequest request = onlyRequest();
        assertThat(request.getMethod().getName()).isEqualTo("GET");
        assertThat(request.getHeader("x-api-key")).isEqualTo(API_KEY);
    }

    @ParameterizedTest
    @ValueSource(ints = {429, 500, 503})
    void probe_unavailable_throwsDependencyException(int status) {
        api.stubFor(get(urlEqualTo(PATH)).willReturn(aResponse().withStatus(status).withHeader("Retry-After", "3")));
        try (RootkeyAnchorer anchorer = anchorer(b -> { })) {
            assertThatThrownBy(anchorer::probe)
                    .isInstanceOfSatisfying(DependencyException.class, e -> {
                        assertThat(e.status()).hasValue(status);
                        assertThat(e.retryAfter()).contains(Duration.ofSeconds(3));
                    });
        }
    }

    @Test
    void probe_noAnswer_throwsIOException() {
        api.stubFor(get(urlEqualTo(PATH)).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        try (RootkeyAnchorer anchorer = anchorer(b -> { })) {
            assertThatThrownBy(anchorer::probe).isInstanceOf(IOException.class);
        }
    }

    // ------------------------------------------------------------------ configuration

    @Test
    void build_withHttpUrl_failsWithFix() {
        assertThatThrownBy(() -> RootkeyAnchorer.builder().apiKey(Secret.of(API_KEY))
                .apiUrl("http://api.rootkey.ai").build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("must be https")
                .hasMessageContaining("ROOTKEY_ALLOW_INSECURE_LOOPBACK=true");
        assertThatThrownBy(() -> RootkeyAnchorer.builder().apiKey(Secret.of(API_KEY))
                .apiUrl("http://127.0.0.1:8080").build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("allowInsecureLoopbackForTesting(true)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:8080", "http://localhost:8080/", "http://[::1]:8080",
            "http://127.9.9.9"})
    void build_withHttpLoopbackAndSwitch_isAllowed(String url) {
        RootkeyAnchorer anchorer = RootkeyAnchorer.builder().apiKey(Secret.of(API_KEY)).apiUrl(url)
                .allowInsecureLoopbackForTesting(true).build();
        assertThat(anchorer.uploadUri().toString()).startsWith("http://").endsWith(PATH);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://example.com", "http://10.0.0.1:8080", "http://localhost.example.com",
            "http://127.0.0.1.nip.io", "ftp://127.0.0.1/"})
    void build_withHttpToNonLoopback_isRefusedEvenWithSwitch(String url) {
        assertThatThrownBy(() -> RootkeyAnchorer.builder().apiKey(Secret.of(API_KEY)).apiUrl(url)
                .allowInsecureLoopbackForTesting(true).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("https");
    }

    @Test
    void uploadUri_defaultAndTrimmedAndPrefixed() {
        assertThat(RootkeyAnchorer.builder().apiKey(Secret.of(API_KEY)).build().uploadUri())
                .isEqualTo(URI.create("https://api.rootkey.ai/api-v1/connectors/files/"));
        assertThat(RootkeyAnchorer.builder().apiKey(Secret.of(API_KEY)).apiUrl("https://staging.example.com/")
                .build().uploadUri()).isEqualTo(URI.create("https://staging.example.com/api-v1/connectors/files/"));
        assertThat(RootkeyAnchorer.builder().apiKey(Secret.of(API_KEY)).apiUrl("https://proxy.example.com/rootkey/")
                .build().uploadUri())
                .isEqualTo(URI.create("https://proxy.example.com/rootkey/api-v1/connectors/files/"));
    }

    @Test
    void apiUrl_withQueryOrNonsense_isRejected() {
        assertThatThrownBy(() -> RootkeyAnchorer.builder().apiUrl("https://a.example.com/?x=1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RootkeyAnchorer.builder().apiUrl("not a url"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RootkeyAnchorer.builder().apiKey(Secret.of(API_KEY))
                .apiUrl("https://user:pw@a.example.com").build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageNotContaining("pw");
    }

    @Test
    void build_withoutApiKey_failsWithFix() {
        assertThatThrownBy(() -> RootkeyAnchorer.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("apiKey(Secret.fromEnvironment(\"ROOTKEY_API_KEY\"))");
    }

    @Test
    void timeouts_outOfRange_areRejected() {
        assertThatThrownBy(() -> RootkeyAnchorer.builder().idleTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("idleTimeout must be between 1 ms and 24 h, was PT0S");
        assertThatThrownBy(() -> RootkeyAnchorer.builder().connectTimeout(Duration.ofDays(2)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toString_neverShowsTheKey() {
        RootkeyAnchorer.Builder builder = RootkeyAnchorer.builder().apiKey(Secret.of(API_KEY));
        assertThat(builder.toString()).doesNotContain(API_KEY).contains("redacted");
        RootkeyAnchorer anchorer = builder.build();
        assertThat(anchorer.toString()).doesNotContain(API_KEY).contains("redacted")
                .contains("https://api.rootkey.ai/api-v1/connectors/files/");
    }

    @Test
    void apiKeyThatCannotBeAHeader_failsWithoutEchoingIt() {
        created();
        try (RootkeyAnchorer anchorer = anchorer(b -> b.apiKey(Secret.of("secret-value\n")))) {
            assertThatThrownBy(() -> anchorer.anchor(request(ref("a"), new byte[1])))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("ROOTKEY_API_KEY")
                    .hasMessageNotContaining("secret-value");
        }
        assertThat(api.getAllServeEvents()).isEmpty();
    }

    @Test
    void secretFromSupplier_isReadPerRequest() throws Exception {
        created();
        String[] current = {"key-one"};
        try (RootkeyAnchorer anchorer = anchorer(b -> b.apiKey(Secret.fromSupplier(() -> current[0])))) {
            anchorer.anchor(request(ref("a"), new byte[1]));
            current[0] = "key-two";
            anchorer.anchor(request(ref("b"), new byte[1]));
        }
        assertThat(api.getAllServeEvents()).extracting(e -> e.getRequest().getHeader("x-api-key"))
                .containsExactlyInAnyOrder("key-one", "key-two");
    }

    @Test
    void redirect_isNeverFollowed_soTheApiKeyNeverReachesTheTarget() throws Exception {
        // The API (or a proxy in front of it) answers with a redirect to another host: "localhost" is not
        // "127.0.0.1". A client that follows it re-sends every header, x-api-key included, and the target's answer
        // would even pass for the API's.
        for (int status : new int[] {301, 302, 303, 307, 308}) {
            api.resetAll();
            api.stubFor(any(urlEqualTo(PATH)).willReturn(aResponse().withStatus(status)
                    .withHeader("Location", "http://localhost:" + api.getPort() + "/elsewhere")));
            api.stubFor(any(urlEqualTo("/elsewhere")).willReturn(aResponse().withStatus(201)));
            try (RootkeyAnchorer anchorer = anchorer(b -> { })) {
                assertThat(anchorer.anchor(request(ref("a.pdf"), new byte[3])).status()).isEqualTo(status);
                anchorer.probe();
            }
            assertThat(api.findAll(com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(
                    urlEqualTo("/elsewhere")))).as("requests that followed a %d", status).isEmpty();
        }
    }

    @Test
    void serverReplyThatEchoesTheKey_reachesTheReceiptRedacted() throws Exception {
        api.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(401)
                .withBody("{\"error\":\"invalid api key " + API_KEY + "\"}")));
        Receipt receipt = anchor(ref("a.pdf"), new byte[1]);
        assertThat(receipt.status()).isEqualTo(401);
        assertThat(receipt.serverReply()).isEqualTo("{\"error\":\"invalid api key [redacted]\"}");
    }

    @Test
    void close_isIdempotent_andRefusesLaterCalls() {
        RootkeyAnchorer anchorer = anchorer(b -> { });
        anchorer.close();
        anchorer.close();
        assertThatThrownBy(anchorer::probe).isInstanceOf(IllegalStateException.class)
                .hasMessage("the anchorer is closed");
        assertThatThrownBy(() -> anchorer.anchor(request(ref("a"), new byte[1])))
                .isInstanceOf(IllegalStateException.class).hasMessage("the anchorer is closed");
        assertThat(anchorer.toString()).contains("closed");
    }

    @Test
    void toString_namesSuppliedTlsAndProxy_neverTheirContents() throws Exception {
        RootkeyAnchorer anchorer = RootkeyAnchorer.builder().apiKey(Secret.of(API_KEY))
                .sslContext(javax.net.ssl.SSLContext.getDefault())
                .proxy(java.net.ProxySelector.of(new java.net.InetSocketAddress("127.0.0.1", 3128))).build();
        assertThat(anchorer.toString()).contains("sslContext=supplied").contains("proxy=supplied")
                .doesNotContain(API_KEY).doesNotContain("3128");
        anchorer.close();
    }

    // ------------------------------------------------------------------ helpers

    private static void created() {
        api.stubFor(any(urlEqualTo(PATH)).willReturn(aResponse().withStatus(201).withBody("{\"id\":\"f-1\"}")));
    }

    private static RootkeyAnchorer anchorer(Consumer<RootkeyAnchorer.Builder> customize) {
        RootkeyAnchorer.Builder builder = RootkeyAnchorer.builder()
                .apiKey(Secret.of(API_KEY))
                .apiUrl(api.baseUrl())
                .allowInsecureLoopbackForTesting(true)
                .idleTimeout(Duration.ofSeconds(10));
        customize.accept(builder);
        return builder.build();
    }

    private static Receipt anchor(SourceRef source, byte[] content) throws IOException {
        try (RootkeyAnchorer anchorer = anchorer(b -> { })) {
            return anchorer.anchor(request(source, content));
        }
    }

    private static AnchorRequest request(SourceRef source, byte[] content) {
        return new AnchorRequest(source, content.length, Optional.empty(), new ByteArrayInputStream(content));
    }

    private static SourceRef ref(String key) {
        return new SourceRef("my-bucket", key, Optional.of("etag-1"));
    }

    private static LoggedRequest onlyRequest() {
        assertThat(api.getAllServeEvents()).hasSize(1);
        return api.getAllServeEvents().get(0).getRequest();
    }

    private static String boundaryOf(LoggedRequest request) {
        Matcher m = BOUNDARY.matcher(request.getHeader("Content-Type"));
        assertThat(m.matches()).as("Content-Type %s", request.getHeader("Content-Type")).isTrue();
        return m.group(1);
    }

    /**
     * A header as the bytes that arrived decoded as UTF-8. Jetty (under WireMock) hands header bytes over one char
     * per byte, as ISO-8859-1; {@link RootkeyAnchorerWireTest} reads the raw bytes themselves.
     */
    private static String utf8Header(LoggedRequest request, String name) {
        return new String(request.getHeader(name).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    /** The part headers, decoded as UTF-8. */
    private static String partHeaders(LoggedRequest request) {
        String body = new String(request.getBody(), StandardCharsets.UTF_8);
        return body.substring(0, body.indexOf("\r\n\r\n") + 2);
    }

    /** The content bytes between the part headers and the closing delimiter, located from the wire format. */
    private static byte[] contentOf(LoggedRequest request) {
        byte[] body = request.getBody();
        byte[] closing = ("\r\n--" + boundaryOf(request) + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        int start = 0;
        while (!(body[start] == '\r' && body[start + 1] == '\n' && body[start + 2] == '\r' && body[start + 3] == '\n')) {
            start++;
        }
        start += 4;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(body, start, body.length - closing.length - start);
        byte[] tail = Arrays.copyOfRange(body, body.length - closing.length, body.length);
        assertThat(tail).isEqualTo(closing);
        return out.toByteArray();
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** A source that yields {@code step} bytes per read, pausing before each: a slow but steady object store. */
    private static final class TricklingStream extends InputStream {
        private final byte[] content;
        private final int step;
        private final Duration pause;
        private int position;

        TricklingStream(byte[] content, int step, Duration pause) {
            this.content = content;
            this.step = step;
            this.pause = pause;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (position == content.length) {
                return -1;
            }
            try {
                Thread.sleep(pause.toMillis()); // simulates a slow source; nothing waits on a result here
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException();
            }
            int n = Math.min(Math.min(len, step), content.length - position);
            System.arraycopy(content, position, b, off, n);
            position += n;
            return n;
        }
    }
}
