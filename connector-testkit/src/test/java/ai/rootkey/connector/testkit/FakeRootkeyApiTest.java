package ai.rootkey.connector.testkit;

import ai.rootkey.connector.testkit.FakeRootkeyApi.Rejection;
import ai.rootkey.connector.testkit.Fault;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** FakeRootkeyApi driven by a plain HttpClient and raw sockets, with hand-written requests. */
class FakeRootkeyApiTest {
    private static final String KEY = "test-key-123";
    private static final String BOUNDARY = "b0undary-XYZ";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private FakeRootkeyApi api;

    @BeforeEach
    void start() {
        api = FakeRootkeyApi.builder().apiKey(KEY).seed(42).build().start();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    // ------------------------------------------------------------------ accepted uploads

    @Test
    void validUpload_isAcceptedAndRecorded() throws Exception {
        byte[] content = "%PDF-1.7 hello".getBytes(StandardCharsets.US_ASCII);

        HttpResponse<String> response = post(body("file", "a.pdf", content), headers("my-bucket", "docs/a.pdf"),
                "x-rootkey-source-etag", "abc123");

        assertThat(response.statusCode()).isEqualTo(201);
        JsonNode reply = JSON.readTree(response.body());
        assertThat(reply.get("status").asText()).isEqualTo("created");
        assertThat(reply.get("sha256").asText()).isEqualTo(sha256(content));
        ReceivedFile file = api.awaitFiles(1, Duration.ofSeconds(5)).get(0);
        assertThat(file.id()).isEqualTo(reply.get("id").asText());
        assertThat(file.bucket()).isEqualTo("my-bucket");
        assertThat(file.key()).isEqualTo("docs/a.pdf");
        assertThat(file.eTag()).contains("abc123");
        assertThat(file.fileName()).isEqualTo("a.pdf");
        assertThat(file.size()).isEqualTo(content.length);
        assertThat(file.sha256()).isEqualTo(sha256(content));
        assertThat(file.content()).hasValueSatisfying(c -> assertThat(c).isEqualTo(content));
        assertThat(file.duplicate()).isFalse();
        assertThat(file.keyWasPercentEncoded()).isFalse();
        assertThat(file.headers()).doesNotContainKey("x-api-key").containsKey("x-rootkey-source-key");
        assertThat(api.requestCount()).isEqualTo(1);
        assertThat(api.rejections()).isEmpty();
    }

    @Test
    void closingBoundaryWithoutFinalCrlf_andEmptyFile_areAccepted() throws Exception {
        byte[] body = ("--" + BOUNDARY + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"empty\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n"
                + "\r\n--" + BOUNDARY + "--").getBytes(StandardCharsets.US_ASCII);
        assertThat(post(body, headers("b", "empty")).statusCode()).isEqualTo(201);
        ReceivedFile file = api.files().get(0);
        assertThat(file.size()).isZero();
        assertThat(file.sha256()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void contentThatLooksLikeABoundary_isKept() throws Exception {
        byte[] content = ("--" + BOUNDARY + "\r\n\r\n--" + BOUNDARY.substring(0, 5) + "\r\n-- " + BOUNDARY)
                .getBytes(StandardCharsets.US_ASCII);
        assertThat(post(body("file", "x", content), headers("b", "x")).statusCode()).isEqualTo(201);
        assertThat(api.files().get(0).content()).hasValueSatisfying(c -> assertThat(c).isEqualTo(content));
    }

    @Test
    void utf8FileName_isDecoded() throws Exception {
        assertThat(post(body("file", "r\u00e9sum\u00e9 \uD83D\uDE00.pdf", new byte[] {1}), headers("b", "k"))
                .statusCode()).isEqualTo(201);
        assertThat(api.files().get(0).fileName()).isEqualTo("r\u00e9sum\u00e9 \uD83D\uDE00.pdf");
    }

    @Test
    void percentEncodedKey_isDecoded() throws Exception {
        HttpResponse<String> response = post(body("file", "x", new byte[] {1}),
                headers("b", "dir/caf%C3%A9%0D%0A%F0%9F%98%80"), "x-rootkey-source-key-encoding", "percent");
        assertThat(response.statusCode()).isEqualTo(201);
        ReceivedFile file = api.files().get(0);
        assertThat(file.key()).isEqualTo("dir/caf\u00e9\r\n\uD83D\uDE00");
        assertThat(file.keyWasPercentEncoded()).isTrue();
    }

    // ------------------------------------------------------------------ dedupe

    @Test
    void repeatedUpload_isADuplicate_answered200() throws Exception {
        byte[] body = body("file", "a", new byte[] {1, 2});
        assertThat(post(body, headers("b", "k"), "x-rootkey-source-etag", "e1").statusCode()).isEqualTo(201);
        assertThat(post(body, headers("b", "k"), "x-rootkey-source-etag", "e1").statusCode()).isEqualTo(200);
        assertThat(post(body, headers("b", "k"), "x-rootkey-source-etag", "e2").statusCode()).isEqualTo(201);
        assertThat(post(body, headers("b", "k")).statusCode()).isEqualTo(201);
        assertThat(post(body, headers("b", "k")).statusCode()).isEqualTo(200);

        assertThat(api.files()).hasSize(5);
        assertThat(api.uniqueFiles()).extracting(f -> f.eTag().orElse("-")).containsExactly("e1", "e2", "-");
        assertThat(api.duplicates()).hasSize(2);
        assertThat(api.duplicates().get(0).id()).isEqualTo(api.files().get(0).id());
    }

    // ------------------------------------------------------------------ the API key

    @Test
    void wrongOrMissingApiKey_is401_andRecorded() throws Exception {
        HttpResponse<String> wrong = send(request(body("file", "a", new byte[1]), "x-api-key", "nope",
                "x-rootkey-source-bucket", "b", "x-rootkey-source-key", "k"));
        HttpResponse<String> missing = send(request(body("file", "a", new byte[1]),
                "x-rootkey-source-bucket", "b", "x-rootkey-source-key", "k"));

        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(wrong.body()).get("error").asText()).isEqualTo("unauthorized");
        assertThat(api.rejections()).extracting(Rejection::status).containsExactly(401, 401);
        assertThat(api.files()).isEmpty();
    }

    @Test
    void get_is405WithGoodKey_and401WithBadKey() throws Exception {
        HttpResponse<String> good = send(HttpRequest.newBuilder(api.uploadUrl()).header("x-api-key", KEY).build());
        HttpResponse<String> bad = send(HttpRequest.newBuilder(api.uploadUrl()).header("x-api-key", "x").build());
        assertThat(good.statusCode()).isEqualTo(405);
        assertThat(good.headers().firstValue("Allow")).contains("POST");
        assertThat(bad.statusCode()).isEqualTo(401);
    }

    @Test
    void refuseCredentials_simulatesRevocation_untilAccepted() throws Exception {
        api.refuseCredentials();
        assertThat(post(body("file", "a", new byte[1]), headers("b", "k")).statusCode()).isEqualTo(401);
        api.acceptCredentials();
        assertThat(post(body("file", "a", new byte[1]), headers("b", "k")).statusCode()).isEqualTo(201);
    }

    @Test
    void apiKeyRotation_acceptsOnlyTheNewKey() throws Exception {
        api.rotateCredentials("rotated");
        assertThat(post(body("file", "a", new byte[1]), headers("b", "k")).statusCode()).isEqualTo(401);
        HttpResponse<String> response = send(request(body("file", "a", new byte[1]), "x-api-key", "rotated",
                "x-rootkey-source-bucket", "b", "x-rootkey-source-key", "k"));
        assertThat(response.statusCode()).isEqualTo(201);
    }

    // ------------------------------------------------------------------ strict parsing

    @Test
    void missingBoundary_is400() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(api.uploadUrl())
                .header("x-api-key", KEY).header("x-rootkey-source-bucket", "b").header("x-rootkey-source-key", "k")
                .header("Content-Type", "multipart/form-data")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body("file", "a", new byte[1]))).build());
        assertRejected(response, 400, "content_type", "no boundary");
    }

    @Test
    void notMultipart_is400() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(api.uploadUrl())
                .header("x-api-key", KEY).header("x-rootkey-source-bucket", "b").header("x-rootkey-source-key", "k")
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[10])).build());
        assertRejected(response, 400, "content_type", "multipart/form-data");
    }

    @Test
    void wrongPartName_is400() throws Exception {
        assertRejected(post(body("upload", "a", new byte[1]), headers("b", "k")), 400, "part_name",
                "must be named \"file\", was \"upload\"");
    }

    @Test
    void twoParts_is400() throws Exception {
        byte[] body = ("--" + BOUNDARY + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n"
                + "one\r\n--" + BOUNDARY + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"b\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n"
                + "two\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        assertRejected(post(body, headers("b", "k")), 400, "multiple_parts", "exactly one part");
    }

    @Test
    void missingClosingBoundary_is400() throws Exception {
        byte[] body = ("--" + BOUNDARY + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n"
                + "content without an end").getBytes(StandardCharsets.US_ASCII);
        assertRejected(post(body, headers("b", "k")), 400, "closing_boundary", "without the closing boundary");
    }

    @Test
    void trailingGarbage_is400() throws Exception {
        byte[] body = concat(body("file", "a", new byte[] {1}), "garbage".getBytes(StandardCharsets.US_ASCII));
        assertRejected(post(body, headers("b", "k")), 400, "trailing_data", "9 bytes follow");
    }

    @Test
    void bareLfInPartHeaders_is400() throws Exception {
        byte[] body = ("--" + BOUNDARY + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"a\"\n"
                + "Content-Type: application/octet-stream\r\n\r\n"
                + "x\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        assertRejected(post(body, headers("b", "k")), 400, "part_headers", "bare LF");
    }

    @Test
    void missingFilename_is400() throws Exception {
        byte[] body = ("--" + BOUNDARY + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n"
                + "x\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        assertRejected(post(body, headers("b", "k")), 400, "filename", "no filename");
    }

    @Test
    void partContentTypeOtherThanOctetStream_is400() throws Exception {
        byte[] body = ("--" + BOUNDARY + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n"
                + "Content-Type: text/plain\r\n\r\n"
                + "x\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        assertRejected(post(body, headers("b", "k")), 400, "part_content_type", "text/plain");
    }

    @Test
    void preambleBeforeFirstBoundary_is400() throws Exception {
        byte[] body = concat("preamble\r\n".getBytes(StandardCharsets.US_ASCII), body("file", "a", new byte[1]));
        assertRejected(post(body, headers("b", "k")), 400, "framing", "must start with the boundary");
    }

    @Test
    void missingSourceHeaders_is400() throws Exception {
        HttpResponse<String> response = send(request(body("file", "a", new byte[1]), "x-api-key", KEY,
                "x-rootkey-source-bucket", "b"));
        assertRejected(response, 400, "missing_header", "x-rootkey-source-key is required");
    }

    @Test
    void badPercentEncoding_is400() throws Exception {
        assertRejected(post(body("file", "a", new byte[1]), headers("b", "bad%ZZ"),
                "x-rootkey-source-key-encoding", "percent"), 400, "bad_encoding", "two hex digits");
        assertRejected(post(body("file", "a", new byte[1]), headers("b", "%C3"),
                "x-rootkey-source-key-encoding", "percent"), 400, "bad_encoding", "UTF-8");
        assertRejected(post(body("file", "a", new byte[1]), headers("b", "k"),
                "x-rootkey-source-key-encoding", "base64"), 400, "bad_encoding", "must be \"percent\"");
    }

    @Test
    void rawUtf8SourceHeaders_areTheKey_asTheWorkerSendsThem() throws Exception {
        String key = "relat\u00f3rios/Q3 r\u00e9sum\u00e9 \u5831\u544a \uD83D\uDE00.pdf";
        byte[] body = body("file", "a", new byte[1]);
        String response = raw(concat(rawHead("b\u00fccket", key, body.length).getBytes(StandardCharsets.UTF_8), body),
                false);
        assertThat(response).startsWith("HTTP/1.1 201");
        ReceivedFile file = api.files().get(0);
        assertThat(file.key()).isEqualTo(key);
        assertThat(file.bucket()).isEqualTo("b\u00fccket");
        assertThat(file.keyWasPercentEncoded()).isFalse();
        assertThat(file.headerBytes("X-Rootkey-Source-Key")).hasValueSatisfying(bytes ->
                assertThat(bytes).isEqualTo(key.getBytes(StandardCharsets.UTF_8)));
        assertThat(file.header("x-rootkey-source-key")).as("one char per byte")
                .contains(new String(key.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
    }

    @Test
    void sourceHeaderThatIsNotUtf8_is400() throws Exception {
        byte[] body = body("file", "a", new byte[1]);
        String response = raw(concat(rawHead("b", "caf\u00e9", body.length).getBytes(StandardCharsets.ISO_8859_1),
                body), false);
        assertThat(response).startsWith("HTTP/1.1 400");
        assertThat(api.rejections()).singleElement().satisfies(r -> {
            assertThat(r.error()).isEqualTo("bad_header");
            assertThat(r.message()).contains("x-rootkey-source-key is not UTF-8");
        });
        assertThat(api.files()).isEmpty();
    }

    @Test
    void sourceHeaderWithARawControlByte_is400() throws Exception {
        byte[] body = body("file", "a", new byte[1]);
        // Not TAB: HTTP allows it inside a value, and the JDK server hands it over as a space.
        for (String key : List.of("a\u0001b", "del\u007F", "esc\u001Bx")) {
            String response = raw(concat(rawHead("b", key, body.length).getBytes(StandardCharsets.UTF_8), body),
                    false);
            assertThat(response).as(key).startsWith("HTTP/1.1 400");
        }
        assertThat(api.rejections()).extracting(Rejection::error).containsOnly("bad_header");
        assertThat(api.rejections()).allSatisfy(r -> assertThat(r.message()).contains("control byte"));
        assertThat(api.files()).isEmpty();
    }

    @Test
    void bodyShorterThanContentLength_is400() throws Exception {
        byte[] body = body("file", "a", new byte[100]);
        byte[] head = ("POST /api-v1/connectors/files/ HTTP/1.1\r\nHost: 127.0.0.1\r\n" + rawHeaders()
                + "Content-Length: " + (body.length + 50) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        String response = raw(concat(head, body), true);
        assertThat(response).startsWith("HTTP/1.1 400");
        assertThat(api.rejections()).singleElement().satisfies(r -> {
            assertThat(r.error()).isEqualTo("truncated");
            assertThat(r.message()).contains("after " + body.length + " of the " + (body.length + 50) + " bytes");
        });
    }

    @Test
    void missingContentLength_is411() throws Exception {
        byte[] head = ("POST /api-v1/connectors/files/ HTTP/1.1\r\nHost: 127.0.0.1\r\n" + rawHeaders() + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        String response = raw(concat(head, body("file", "a", new byte[1])), true);
        assertThat(response).startsWith("HTTP/1.1 411");
        assertThat(api.rejections()).extracting(Rejection::error).containsExactly("length_required");
    }

    @Test
    void chunkedUpload_is411() throws Exception {
        byte[] body = body("file", "a", new byte[1000]);
        HttpResponse<String> response = send(HttpRequest.newBuilder(api.uploadUrl())
                .header("x-api-key", KEY).header("x-rootkey-source-bucket", "b").header("x-rootkey-source-key", "k")
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build());
        assertRejected(response, 411, "chunked", "send a Content-Length");
    }

    @Test
    void unknownPath_is404() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(api.baseUrl().resolve("/api-v1/other"))
                .header("x-api-key", KEY).build());
        assertRejected(response, 404, "not_found", "upload path");
    }

    // ------------------------------------------------------------------ faults

    @Test
    void failNext_appliesScriptedFaultsInOrder_thenServesNormally() throws Exception {
        api.failNext(2, Fault.status(503));
        api.failNext(1, Fault.status(429, Duration.ofMillis(1500)));
        byte[] body = body("file", "a", new byte[1]);

        List<HttpResponse<String>> responses = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            responses.add(post(body, headers("b", "k")));
        }

        assertThat(responses).extracting(HttpResponse::statusCode).containsExactly(503, 503, 429, 201);
        assertThat(responses.get(2).headers().firstValue("Retry-After")).contains("2");
        assertThat(api.injectedFaults()).containsExactly(Fault.status(503), Fault.status(503),
                Fault.status(429, Duration.ofMillis(1500)));
        assertThat(api.files()).hasSize(1);
    }

    @Test
    void unauthorizedAndBadRequestFaults() throws Exception {
        api.failNext(1, Fault.status(401));
        api.failNext(1, Fault.status(400));
        assertThat(post(body("file", "a", new byte[1]), headers("b", "k")).statusCode()).isEqualTo(401);
        assertThat(post(body("file", "a", new byte[1]), headers("b", "k")).statusCode()).isEqualTo(400);
    }

    @Test
    void resetFault_dropsTheConnection_clientSeesIOException() {
        api.failNext(1, Fault.resetMidBody());
        byte[] body = body("file", "a", new byte[1024 * 1024]);
        assertThatThrownBy(() -> post(body, headers("b", "k"))).isInstanceOf(IOException.class);
        assertThat(api.files()).isEmpty();
        assertThat(api.injectedFaults()).containsExactly(Fault.resetMidBody());
    }

    @Test
    void resetFault_onASmallBody_alsoSurfacesAsIOException() {
        api.failNext(1, Fault.resetMidBody());
        assertThatThrownBy(() -> post(body("file", "a", new byte[10]), headers("b", "k")))
                .isInstanceOf(IOException.class);
    }

    @Test
    void latencyFault_recordsTheFileButAnswersLate() {
        api.failNext(1, Fault.latency(Duration.ofSeconds(5)));
        HttpRequest request = HttpRequest.newBuilder(request(body("file", "a", new byte[1]), "x-api-key", KEY,
                "x-rootkey-source-bucket", "b", "x-rootkey-source-key", "k"), (n, v) -> true)
                .timeout(Duration.ofMillis(1500)).build(); // room to send the body on a loaded machine
        assertThatThrownBy(() -> send(request)).isInstanceOf(HttpTimeoutException.class);
        assertThat(api.awaitFiles(1, Duration.ofSeconds(5))).hasSize(1);
    }

    @Test
    void dropBeforeApply_closesTheConnection_andRecordsNothing() {
        api.failNext(1, Fault.dropBeforeApply());
        assertThatThrownBy(() -> post(body("file", "a", new byte[10]), headers("b", "k")))
                .isInstanceOf(IOException.class);
        assertThat(api.files()).isEmpty();
        assertThat(api.injectedFaults()).containsExactly(Fault.dropBeforeApply());
    }

    @Test
    void dropAfterApply_recordsTheUpload_losesTheReply_andTheRetryIsADuplicate() throws Exception {
        api.failNext(1, Fault.dropAfterApply());
        byte[] body = body("file", "a", new byte[10]);
        assertThatThrownBy(() -> post(body, headers("b", "k"))).isInstanceOf(IOException.class);
        assertThat(api.files()).hasSize(1);
        assertThat(post(body, headers("b", "k")).statusCode()).isEqualTo(200);
        assertThat(api.duplicates()).hasSize(1);
    }

    @Test
    void faultsAServerCannotShow_areRefused_namingTheFake() {
        assertThatThrownBy(() -> api.failNext(1, Fault.exception(() -> new IOException("x"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("FakeRootkeyApi cannot inject exception: a server cannot throw");
        assertThatThrownBy(() -> api.faultRate(0.5, Fault.dropAfterApply(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("FakeRootkeyApi cannot inject dropAfterApply(1 chunks)");
        assertThat(api.injectedFaults()).isEmpty();
    }

    @Test
    void scriptingReturnsTheFake_forChaining() throws Exception {
        assertThat(api.failNext(1, Fault.status(503)).failNext(1, Fault.status(502))).isSameAs(api);
        assertThat(post(body("file", "a", new byte[1]), headers("b", "k")).statusCode()).isEqualTo(503);
        assertThat(post(body("file", "a", new byte[1]), headers("b", "k")).statusCode()).isEqualTo(502);
    }

    @Test
    void starting_setsNoSystemProperty() {
        String before = System.getProperties().getProperty("sun.net.httpserver.nodelay");
        System.getProperties().remove("sun.net.httpserver.nodelay");
        try (FakeRootkeyApi other = FakeRootkeyApi.builder().build().start()) {
            assertThat(other.port()).isPositive();
            assertThat(System.getProperties()).doesNotContainKey("sun.net.httpserver.nodelay");
        } finally {
            if (before != null) {
                System.setProperty("sun.net.httpserver.nodelay", before);
            }
        }
    }

    @Test
    void stallBodyFault_pausesReading_thenAccepts() throws Exception {
        api.failNext(1, Fault.stallBody(Duration.ofMillis(200)));
        byte[] content = new byte[512 * 1024];
        new Random(5).nextBytes(content);
        assertThat(post(body("file", "a", content), headers("b", "k")).statusCode()).isEqualTo(201);
        assertThat(api.files().get(0).sha256()).isEqualTo(sha256(content));
    }

    @Test
    void faultRate_followsTheSeed() throws Exception {
        List<Fault> first = randomFaultRun(7);
        List<Fault> second = randomFaultRun(7);
        assertThat(first).isNotEmpty().isEqualTo(second);
    }

    private List<Fault> randomFaultRun(long seed) throws Exception {
        try (FakeRootkeyApi fake = FakeRootkeyApi.builder().apiKey(KEY).seed(seed).build().start()) {
            fake.faultRate(0.5, Fault.status(503), Fault.status(502), Fault.status(429, Duration.ZERO));
            for (int i = 0; i < 30; i++) {
                send(HttpRequest.newBuilder(fake.uploadUrl()).header("x-api-key", KEY).build());
            }
            assertThat(fake.seed()).isEqualTo(seed);
            assertThat(fake.requestCount()).isEqualTo(30);
            return fake.injectedFaults();
        }
    }

    // ------------------------------------------------------------------ retention, concurrency, lifecycle

    @Test
    void contentOverTheRetentionLimit_isHashedButNotKept() throws Exception {
        try (FakeRootkeyApi fake = FakeRootkeyApi.builder().apiKey(KEY).maxRetainedBytes(1000).build().start()) {
            byte[] small = new byte[1000];
            byte[] large = new byte[1001];
            new Random(1).nextBytes(large);
            postTo(fake, body("file", "s", small), headers("b", "s"));
            postTo(fake, body("file", "l", large), headers("b", "l"));
            List<ReceivedFile> files = fake.awaitFiles(2, Duration.ofSeconds(5));
            assertThat(files.get(0).content()).isPresent();
            assertThat(files.get(1).content()).isEmpty();
            assertThat(files.get(1).size()).isEqualTo(1001);
            assertThat(files.get(1).sha256()).isEqualTo(sha256(large));
        }
    }

    @Test
    void concurrentUploads_areAllServed() {
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            HttpRequest request = request(body("file", "f" + i, new byte[64 * 1024 + i]), "x-api-key", KEY,
                    "x-rootkey-source-bucket", "b", "x-rootkey-source-key", "k" + i);
            responses.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        assertThat(api.awaitFiles(16, Duration.ofSeconds(10))).extracting(ReceivedFile::size)
                .allMatch(size -> size >= 64 * 1024);
        assertThat(responses).allSatisfy(r -> assertThat(r.join().statusCode()).isEqualTo(201));
    }

    @Test
    void awaitFiles_failsAfterTheDeadline_namingTheSeed() {
        assertThatThrownBy(() -> api.awaitFiles(1, Duration.ofMillis(50)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("expected at least 1 accepted uploads")
                .hasMessageContaining("seed 42");
    }

    @Test
    void clear_forgetsRecordingsAndDedupe() throws Exception {
        post(body("file", "a", new byte[1]), headers("b", "k"));
        api.clear();
        assertThat(api.files()).isEmpty();
        assertThat(api.requestCount()).isZero();
        assertThat(post(body("file", "a", new byte[1]), headers("b", "k")).statusCode()).isEqualTo(201);
    }

    @Test
    void lifecycle_isExplicit() {
        FakeRootkeyApi fake = FakeRootkeyApi.builder().build();
        assertThatThrownBy(fake::baseUrl).isInstanceOf(IllegalStateException.class).hasMessageContaining("start()");
        fake.start();
        assertThat(fake.baseUrl().toString()).matches("http://127\\.0\\.0\\.1:\\d+");
        assertThatThrownBy(fake::start).isInstanceOf(IllegalStateException.class);
        fake.close();
        fake.close();
        assertThatThrownBy(fake::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void launch_printsItsAddress_andUsesArgsOverEnvironment() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FakeRootkeyApi fake = FakeRootkeyApi.launch(new String[] {"--seed", "9", "--port=0"},
                Map.of("ROOTKEY_API_KEY", "from-env"), new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            String printed = out.toString(StandardCharsets.UTF_8);
            assertThat(printed).startsWith("FakeRootkeyApi listening on http://127.0.0.1:" + fake.port()
                    + " api-key=from-env seed=9");
            HttpResponse<String> probe = send(HttpRequest.newBuilder(fake.uploadUrl())
                    .header("x-api-key", "from-env").build());
            assertThat(probe.statusCode()).isEqualTo(405);
        } finally {
            fake.close();
        }
        assertThatThrownBy(() -> FakeRootkeyApi.launch(new String[] {"--bogus", "1"}, Map.of(), System.out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("usage");
    }

    // ------------------------------------------------------------------ helpers

    /** A well-formed one-part body, written by hand (independent of the anchorer and the fake). */
    static byte[] body(String partName, String fileName, byte[] content) {
        byte[] head = ("--" + BOUNDARY + "\r\n"
                + "Content-Disposition: form-data; name=\"" + partName + "\"; filename=\"" + fileName + "\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        return concat(concat(head, content), tail);
    }

    private static String[] headers(String bucket, String key) {
        return new String[] {"x-api-key", KEY, "x-rootkey-source-bucket", bucket, "x-rootkey-source-key", key};
    }

    /** A request head with the source headers as given, to be encoded by the caller. */
    private static String rawHead(String bucket, String key, int contentLength) {
        return "POST /api-v1/connectors/files/ HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: " + KEY + "\r\n"
                + "x-rootkey-source-bucket: " + bucket + "\r\nx-rootkey-source-key: " + key + "\r\n"
                + "Content-Type: multipart/form-data; boundary=" + BOUNDARY + "\r\n"
                + "Content-Length: " + contentLength + "\r\nConnection: close\r\n\r\n";
    }

    private static String rawHeaders() {
        return "x-api-key: " + KEY + "\r\nx-rootkey-source-bucket: b\r\nx-rootkey-source-key: k\r\n"
                + "Content-Type: multipart/form-data; boundary=" + BOUNDARY + "\r\n";
    }

    private HttpResponse<String> post(byte[] body, String[] headers, String... more) throws Exception {
        return postTo(api, body, headers, more);
    }

    private HttpResponse<String> postTo(FakeRootkeyApi target, byte[] body, String[] headers, String... more)
            throws Exception {
        String[] all = new String[headers.length + more.length];
        System.arraycopy(headers, 0, all, 0, headers.length);
        System.arraycopy(more, 0, all, headers.length, more.length);
        return send(request(target.uploadUrl(), body, all));
    }

    private HttpRequest request(byte[] body, String... headers) {
        return request(api.uploadUrl(), body, headers);
    }

    private static HttpRequest request(URI url, byte[] body, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(url)
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return builder.build();
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private void assertRejected(HttpResponse<String> response, int status, String error, String messagePart)
            throws IOException {
        assertThat(response.statusCode()).isEqualTo(status);
        JsonNode reply = JSON.readTree(response.body());
        assertThat(reply.get("error").asText()).isEqualTo(error);
        assertThat(reply.get("message").asText()).contains(messagePart);
        assertThat(api.rejections()).last().satisfies(r -> {
            assertThat(r.status()).isEqualTo(status);
            assertThat(r.error()).isEqualTo(error);
            assertThat(r.message()).contains(messagePart);
        });
        assertThat(api.files()).isEmpty();
    }

    /** Writes raw bytes, optionally half-closes, and returns everything the server sends until it closes. */
    private String raw(byte[] request, boolean halfClose) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", api.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            if (halfClose) {
                socket.shutdownOutput();
            }
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
