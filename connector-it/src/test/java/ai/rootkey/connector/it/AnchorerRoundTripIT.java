package ai.rootkey.connector.it;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.SourceRef;
import ai.rootkey.connector.r2.RootkeyAnchorer;
import ai.rootkey.connector.r2.Secret;
import ai.rootkey.connector.testkit.FakeRootkeyApi;
import ai.rootkey.connector.testkit.ReceivedFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** RootkeyAnchorer against FakeRootkeyApi's strict parser: what is sent is exactly what arrives. */
class AnchorerRoundTripIT {
    private static final long SEED = 20250601L;
    private static final String API_KEY = "it-key";

    private static FakeRootkeyApi api;
    private static RootkeyAnchorer anchorer;

    @BeforeAll
    static void startApi() {
        api = FakeRootkeyApi.builder().apiKey(API_KEY).seed(SEED).maxRetainedBytes(32L * 1024 * 1024).build().start();
        anchorer = RootkeyAnchorer.builder().apiKey(Secret.of(API_KEY)).apiUrl(api.baseUrl())
                .allowInsecureLoopbackForTesting(true).build();
    }

    @AfterAll
    static void stopApi() {
        anchorer.close();
        api.close();
    }

    @BeforeEach
    void clear() {
        api.clear();
    }

    @Test
    void randomKeysAndBodies_arriveByteExact() throws Exception {
        Random random = new Random(SEED);
        List<byte[]> bodies = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            int size = i == 0 ? 0 : i == 1 ? 1 : random.nextInt(i < 50 ? 4096 : 300_000);
            byte[] body = new byte[size];
            random.nextBytes(body);
            String key = randomKey(random) + "/" + i;
            bodies.add(body);
            keys.add(key);
            Receipt receipt = anchorer.anchor(request(new SourceRef("bucket-a", key, Optional.of("e" + i)), body));
            assertThat(receipt.status()).as("seed %d, key #%d", SEED, i).isEqualTo(201);
            assertThat(receipt.sha256()).isEqualTo(sha256(body));
        }
        List<ReceivedFile> files = api.awaitFiles(60, Duration.ofSeconds(10));
        for (int i = 0; i < 60; i++) {
            ReceivedFile file = files.get(i);
            byte[] body = bodies.get(i);
            assertThat(file.key()).as("seed %d, key #%d", SEED, i).isEqualTo(keys.get(i));
            assertThat(file.content()).as("seed %d, body #%d", SEED, i)
                    .hasValueSatisfying(c -> assertThat(c).isEqualTo(body));
            assertThat(file.sha256()).isEqualTo(sha256(bodies.get(i)));
            assertThat(file.eTag()).contains("e" + i);
        }
        assertThat(api.rejections()).isEmpty();
    }

    @Test
    void twentyMiBBody_arrivesByteExact() throws Exception {
        byte[] body = new byte[20 * 1024 * 1024 + 3];
        new Random(SEED).nextBytes(body);

        Receipt receipt = anchorer.anchor(request(new SourceRef("bucket-a", "big/twenty.bin", Optional.empty()), body));

        assertThat(receipt.status()).isEqualTo(201);
        assertThat(receipt.bytesSent()).isEqualTo(body.length);
        ReceivedFile file = api.awaitFiles(1, Duration.ofSeconds(10)).get(0);
        assertThat(file.fileName()).isEqualTo("twenty.bin");
        assertThat(file.eTag()).isEmpty();
        assertThat(file.content()).hasValueSatisfying(c -> assertThat(c).isEqualTo(body));
        assertThat(file.sha256()).isEqualTo(receipt.sha256()).isEqualTo(sha256(body));
    }

    @Test
    void keysTheWorkerCannotSend_arrivePercentEncoded_andEveryOtherKeyAsItsUtf8Bytes() throws Exception {
        List<String> flagged = List.of("a\r\nx-api-key: stolen", "nul\u0000", "tab\t", "in\tner", " lead",
                "trail ", "del\u007F", "\u00e9 ");
        List<String> raw = List.of("plain/key.txt", "quote\"s", "back\\slash", "100%", "a+b", "in ner",
                "\u202Eexe.pdf", "emoji/\uD83D\uDE00", "caf\u00e9", "\u00e9".repeat(512), "nbsp\u00A0",
                "relat\u00f3rios/Q3 r\u00e9sum\u00e9.pdf", "\u5831\u544a/\u56db\u534a\u671f.pdf");
        for (String key : flagged) {
            anchorer.anchor(request(new SourceRef("b", key, Optional.empty()), new byte[] {1}));
        }
        for (String key : raw) {
            anchorer.anchor(request(new SourceRef("b", key, Optional.empty()), new byte[] {1}));
        }
        List<ReceivedFile> files = api.awaitFiles(flagged.size() + raw.size(), Duration.ofSeconds(10));
        assertThat(files.subList(0, flagged.size())).extracting(ReceivedFile::key).containsExactlyElementsOf(flagged);
        assertThat(files.subList(0, flagged.size())).allMatch(ReceivedFile::keyWasPercentEncoded);
        List<ReceivedFile> rawFiles = files.subList(flagged.size(), files.size());
        assertThat(rawFiles).extracting(ReceivedFile::key).containsExactlyElementsOf(raw);
        assertThat(rawFiles).noneMatch(ReceivedFile::keyWasPercentEncoded);
        for (ReceivedFile file : rawFiles) {
            assertThat(file.headerBytes("x-rootkey-source-key")).hasValueSatisfying(bytes ->
                    assertThat(bytes).isEqualTo(file.key().getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(api.rejections()).isEmpty();
    }

    /**
     * The point of sending the Worker's bytes: an object the public R2 Worker anchored and this SDK anchors again
     * (a migration, a backfill) is the same idempotency key, so the API answers it as a duplicate. The Worker's
     * request is written here byte by byte as its code builds it (r2/worker/src/rootkey.ts in the public
     * ROOT-Key/rootkey-connectors repository: the raw key in {@code x-rootkey-source-key}, which workerd writes
     * as UTF-8, and a {@code ----ROOTKey} boundary).
     */
    @Test
    void objectTheWorkerAnchored_isADuplicate_whenThisSdkAnchorsItAgain() throws Exception {
        String key = "relat\u00f3rios/Q3 r\u00e9sum\u00e9 \u5831\u544a.pdf";
        byte[] content = "%PDF-1.7 quarterly".getBytes(StandardCharsets.US_ASCII);
        String boundary = "----ROOTKey0123456789abcdef0123456789abcdef";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                + key.substring(key.lastIndexOf('/') + 1) + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(("POST " + FakeRootkeyApi.UPLOAD_PATH + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "x-api-key: " + API_KEY + "\r\nContent-Type: multipart/form-data; boundary=" + boundary + "\r\n"
                + "Content-Length: " + body.size() + "\r\nx-rootkey-source-bucket: bucket-a\r\n"
                + "x-rootkey-source-key: " + key + "\r\nx-rootkey-source-etag: c846ff7a\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        request.writeBytes(body.toByteArray());
        try (Socket worker = new Socket(api.baseUrl().getHost(), api.port())) {
            worker.getOutputStream().write(request.toByteArray());
            String answer = new String(worker.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 201");
        }

        Receipt receipt = anchorer.anchor(request(new SourceRef("bucket-a", key, Optional.of("\"c846ff7a\"")),
                content));

        assertThat(receipt.status()).as("the API's answer to the same object").isEqualTo(200);
        assertThat(api.uniqueFiles()).singleElement().satisfies(f -> assertThat(f.key()).isEqualTo(key));
        assertThat(api.duplicates()).singleElement().satisfies(f -> {
            assertThat(f.key()).isEqualTo(key);
            assertThat(f.keyWasPercentEncoded()).isFalse();
            assertThat(f.headerBytes("x-rootkey-source-key")).hasValueSatisfying(bytes ->
                    assertThat(bytes).isEqualTo(key.getBytes(StandardCharsets.UTF_8)));
        });
    }

    @Test
    void sameObjectTwice_isADuplicate() throws Exception {
        SourceRef source = new SourceRef("b", "docs/a.pdf", Optional.of("\"etag-1\""));
        assertThat(anchorer.anchor(request(source, new byte[] {1, 2, 3})).status()).isEqualTo(201);
        assertThat(anchorer.anchor(request(source, new byte[] {1, 2, 3})).status()).isEqualTo(200);
        assertThat(api.uniqueFiles()).hasSize(1);
        assertThat(api.duplicates()).singleElement().satisfies(f -> assertThat(f.eTag()).contains("etag-1"));
    }

    @Test
    void concurrentUploads_throughOneAnchorer() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Receipt>> receipts = new ArrayList<>();
            List<byte[]> bodies = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                byte[] body = new byte[50_000 + i];
                new Random(SEED + i).nextBytes(body);
                bodies.add(body);
                SourceRef source = new SourceRef("b", "c/" + i, Optional.empty());
                receipts.add(pool.submit(() -> anchorer.anchor(request(source, body))));
            }
            for (int i = 0; i < 64; i++) {
                assertThat(receipts.get(i).get().sha256()).isEqualTo(sha256(bodies.get(i)));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(api.awaitFiles(64, Duration.ofSeconds(10))).hasSize(64);
        assertThat(api.uniqueFiles()).hasSize(64);
    }

    /** Keys of printable ASCII, spaces, controls, non-ASCII and emoji, 1 to 40 code points. */
    static String randomKey(Random random) {
        int[] pool = {'a', 'Z', '0', '/', '.', '-', '_', ' ', '%', '+', '"', '\\', '\r', '\n', '\t', 0, 0x7F,
                0xE9, 0x202E, 0x65E5, 0x1F600, 0xFEFF};
        StringBuilder key = new StringBuilder();
        int length = 1 + random.nextInt(40);
        for (int i = 0; i < length; i++) {
            key.appendCodePoint(random.nextInt(3) == 0 ? pool[random.nextInt(pool.length)] : 'a' + random.nextInt(26));
        }
        return key.toString();
    }

    static AnchorRequest request(SourceRef source, byte[] body) {
        return new AnchorRequest(source, body.length, Optional.empty(), new ByteArrayInputStream(body));
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
