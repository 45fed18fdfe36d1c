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
    void hostileKeys_arriveDecoded_andLegalKeysArriveRaw() throws Exception {
        List<String> hostile = List.of("a\r\nx-api-key: stolen", "nul\u0000", "tab\t", " lead", "trail ",
                "\u202Eexe.pdf", "emoji/\uD83D\uDE00", "caf\u00e9", "\u00e9".repeat(512));
        List<String> legal = List.of("plain/key.txt", "quote\"s", "back\\slash", "100%", "a+b", "in ner");
        for (String key : hostile) {
            anchorer.anchor(request(new SourceRef("b", key, Optional.empty()), new byte[] {1}));
        }
        for (String key : legal) {
            anchorer.anchor(request(new SourceRef("b", key, Optional.empty()), new byte[] {1}));
        }
        List<ReceivedFile> files = api.awaitFiles(hostile.size() + legal.size(), Duration.ofSeconds(10));
        assertThat(files.subList(0, hostile.size())).extracting(ReceivedFile::key).containsExactlyElementsOf(hostile);
        assertThat(files.subList(0, hostile.size())).allMatch(ReceivedFile::keyWasPercentEncoded);
        assertThat(files.subList(hostile.size(), files.size())).extracting(ReceivedFile::key)
                .containsExactlyElementsOf(legal);
        assertThat(files.subList(hostile.size(), files.size())).noneMatch(ReceivedFile::keyWasPercentEncoded);
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
