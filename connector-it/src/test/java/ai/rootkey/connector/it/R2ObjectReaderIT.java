package ai.rootkey.connector.it;

import ai.rootkey.connector.local.EmbeddedS3;
import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.ConnectorException;
import ai.rootkey.connector.Failure;
import ai.rootkey.connector.FailureClassifier;
import ai.rootkey.connector.StoredObject;
import ai.rootkey.connector.Verdict;
import ai.rootkey.connector.r2.R2ObjectReader;
import ai.rootkey.connector.r2.Secret;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * {@link R2ObjectReader} against S3Proxy, a real S3 API server. S3Proxy differs from R2 here: it rejects keys with an
 * empty path segment ({@code a//b}, a leading {@code /}) with 403 because it canonicalizes the SDK's {@code %2F}
 * differently when checking the signature, and keys with NUL with 400; those keys are checked on the wire against
 * WireMock instead ({@link R2ObjectReaderWireMockIT}).
 */
class R2ObjectReaderIT {
    private static final String BUCKET = "docs";
    private static final int MIB = 1024 * 1024;
    private static final long SEED = 0x5EED_2024L;
    private static final Duration PROMPTLY = Duration.ofSeconds(5);

    private static EmbeddedS3 s3;
    private static R2ObjectReader reader;

    @BeforeAll
    static void start() throws Exception {
        s3 = EmbeddedS3.start();
        s3.createBucket(BUCKET);
        reader = s3.readerBuilder().build();
    }

    @AfterAll
    static void stop() {
        if (reader != null) {
            reader.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, MIB, 32 * MIB})
    void open_streamsTheContentByteExact_withItsMetadata(int size) throws Exception {
        byte[] content = content(size, SEED + size);
        String key = "sizes/" + size + ".pdf";
        Instant before = Instant.now().minusSeconds(5);
        s3.putObject(BUCKET, key, content, "application/pdf");

        try (StoredObject object = reader.open(BUCKET, key).orElseThrow()) {
            assertThat(object.metadata().size()).isEqualTo(size);
            assertThat(object.metadata().eTag()).contains(md5Hex(content));
            assertThat(object.metadata().contentType()).contains("application/pdf");
            assertThat(object.metadata().lastModified()).hasValueSatisfying(t -> assertThat(t).isAfter(before));
            assertSameBytes(object.body(), content);
        }
    }

    @Test
    void open_missingKey_isEmpty() throws IOException {
        assertThat(reader.open(BUCKET, "no/such/key.pdf")).isEmpty();
    }

    @Test
    void open_missingBucket_isAConfigurationProblem() {
        Throwable thrown = catchThrowable(() -> reader.open("no-such-bucket", "a.pdf"));

        assertThat(thrown).isInstanceOf(ConfigurationException.class).hasMessage("R2 answered NoSuchBucket for bucket "
                + "\"no-such-bucket\": check R2_BUCKET and the endpoint/jurisdiction (" + s3.endpoint() + ")");
        assertThat(classify(thrown).kind()).isEqualTo(Verdict.Kind.CONFIGURATION);
    }

    @Test
    void open_withAWrongSecret_isAConfigurationProblem() {
        s3.putObject(BUCKET, "secret-test.txt", new byte[1], "text/plain");
        String wrong = "WRONG-SECRET-0123456789";
        try (R2ObjectReader wrongSecret = s3.readerBuilder().secretAccessKey(Secret.of(wrong)).maxAttempts(1).build()) {
            Throwable thrown = catchThrowable(() -> wrongSecret.open(BUCKET, "secret-test.txt"));

            assertThat(thrown).isInstanceOf(ConfigurationException.class).hasMessage("R2 refused the credentials "
                    + "(SignatureDoesNotMatch, HTTP 403): check R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY");
            assertThat(stackTraceText(thrown)).doesNotContain(wrong);
            assertThat(classify(thrown).kind()).isEqualTo(Verdict.Kind.CONFIGURATION);
        }
    }

    @Test
    void open_withAnUnknownAccessKeyId_isAConfigurationProblem() {
        try (R2ObjectReader unknownKey = s3.readerBuilder().accessKeyId("nobody").maxAttempts(1).build()) {
            assertThatThrownBy(() -> unknownKey.open(BUCKET, "a.pdf"))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessage("R2 refused the credentials (InvalidAccessKeyId, HTTP 403): check R2_ACCESS_KEY_ID and "
                            + "R2_SECRET_ACCESS_KEY");
        }
    }

    @Test
    void open_whenTheStoreIsDown_isATransientIOException() throws Exception {
        EmbeddedS3 down = EmbeddedS3.start();
        down.createBucket(BUCKET);
        down.putObject(BUCKET, "a.pdf", new byte[10], "application/pdf");
        try (R2ObjectReader downReader = down.readerBuilder().build()) {
            downReader.open(BUCKET, "a.pdf").orElseThrow().close();
            down.close();

            Throwable thrown = catchThrowable(() -> downReader.open(BUCKET, "a.pdf"));

            assertThat(thrown).isInstanceOf(IOException.class)
                    .hasMessageStartingWith("no answer from the store at " + down.endpoint()
                            + " for GetObject on bucket \"docs\": ")
                    .hasRootCauseInstanceOf(ConnectException.class);
            assertThat(thrown).isNotInstanceOf(ConnectorException.class);
            assertThat(classify(thrown)).isEqualTo(Verdict.transientFailure("io_error"));
        } finally {
            down.close();
        }
    }

    static Stream<Named<String>> hostileKeys() {
        List<String> keys = List.of("with space.pdf", "plus+sign", "percent%20encoded%2F", "100%", "hash#tag",
                "question?mark=1&and=2", "semi;colon,comma", "quote\"s'and`ticks", "back\\slash", "tilde~star*(paren)",
                "brackets[]{}<>|^", "ünïcödé/日本語/файл.pdf", "emoji 😀🚀.png", "rtl\u202etxt.exe", "./dot", "../up",
                "x/./y/../z", "trailing/", "tab\there", "cr\rhere", "lf\nhere", "crlf\r\nInjected: header", "del\u007f",
                "k".repeat(1024), "é".repeat(512), "a".repeat(1020) + "😀");
        return keys.stream().map(k -> Named.of(printable(k), k));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileKeys")
    void hostileKeys_roundTrip(String key) throws IOException {
        byte[] content = ("content of " + key).getBytes(StandardCharsets.UTF_8);
        s3.putObject(BUCKET, key, content, "text/plain");

        try (StoredObject object = reader.open(BUCKET, key).orElseThrow()) {
            assertThat(object.body().readAllBytes()).isEqualTo(content);
            assertThat(object.metadata().eTag()).contains(md5Hex(content));
        }
    }

    @Test
    void close_ofAPartiallyReadLargeObject_isPrompt_andTheClientStaysUsable() throws Exception {
        byte[] large = content(64 * MIB, SEED);
        byte[] small = content(1000, SEED + 1);
        s3.putObject(BUCKET, "large/64mib.bin", large, "application/octet-stream");
        s3.putObject(BUCKET, "large/small.bin", small, "application/octet-stream");
        // One connection: a connection leaked by the early close would make the next open wait and time out.
        try (R2ObjectReader oneConnection = s3.readerBuilder().maxConnections(1).attemptTimeout(PROMPTLY).build()) {
            StoredObject object = oneConnection.open(BUCKET, "large/64mib.bin").orElseThrow();
            assertThat(object.body().readNBytes(MIB)).isEqualTo(java.util.Arrays.copyOf(large, MIB));

            assertTimeoutPreemptively(PROMPTLY, object::close);

            try (StoredObject next = oneConnection.open(BUCKET, "large/small.bin").orElseThrow()) {
                assertSameBytes(next.body(), small);
            }
            try (StoredObject again = oneConnection.open(BUCKET, "large/64mib.bin").orElseThrow()) {
                assertThat(again.body().readNBytes(10)).isEqualTo(java.util.Arrays.copyOf(large, 10));
            }
        }
    }

    @Test
    void open_isThreadSafe() throws Exception {
        byte[] content = content(256 * 1024, SEED + 7);
        s3.putObject(BUCKET, "parallel.bin", content, "application/octet-stream");
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<String>> digests = new ArrayList<>();
            for (int i = 0; i < 48; i++) {
                digests.add(pool.submit(() -> {
                    try (StoredObject object = reader.open(BUCKET, "parallel.bin").orElseThrow()) {
                        return md5Hex(object.body().readAllBytes());
                    }
                }));
            }
            for (Future<String> digest : digests) {
                assertThat(digest.get()).isEqualTo(md5Hex(content));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void close_withUserSuppliedS3Client_leavesItOpen() throws IOException {
        s3.putObject(BUCKET, "user-client.txt", "hello".getBytes(StandardCharsets.UTF_8), "text/plain");
        R2ObjectReader userClientReader = R2ObjectReader.builder().s3Client(s3.client()).build();
        assertThat(userClientReader.endpoint()).contains(s3.endpoint());
        try (StoredObject object = userClientReader.open(BUCKET, "user-client.txt").orElseThrow()) {
            assertThat(object.body().readAllBytes()).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
        }

        userClientReader.close();

        assertThat(s3.client().headObject(b -> b.bucket(BUCKET).key("user-client.txt")).contentLength()).isEqualTo(5);
        assertThatThrownBy(() -> userClientReader.open(BUCKET, "user-client.txt"))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void probe_existingBucket_passes() throws IOException {
        reader.probe(BUCKET);
    }

    @Test
    void probe_missingBucket_isAConfigurationProblem() {
        assertThatThrownBy(() -> reader.probe("no-such-bucket"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("R2 answered NoSuchBucket for bucket \"no-such-bucket\": check R2_BUCKET and the "
                        + "endpoint/jurisdiction (" + s3.endpoint() + ")");
    }

    @Test
    void probe_withAWrongSecret_isAConfigurationProblem() {
        try (R2ObjectReader wrongSecret = s3.readerBuilder().secretAccessKey(Secret.of("wrong")).maxAttempts(1).build()) {
            // HeadBucket answers have no body, so only the status tells: 403.
            assertThatThrownBy(() -> wrongSecret.probe(BUCKET))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessage("R2 denied access to bucket \"docs\" (HTTP 403): check that the token behind "
                            + "R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY may read R2_BUCKET, and the endpoint/jurisdiction ("
                            + s3.endpoint() + ")");
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    static Verdict classify(Throwable thrown) {
        return FailureClassifier.defaults().classify(Failure.of(Failure.Stage.READ, thrown));
    }

    /** Deterministic content; the seed is in the test's parameters, so a failure can be reproduced. */
    static byte[] content(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static String md5Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads {@code in} to its end in chunks and fails at the first differing offset. */
    static void assertSameBytes(InputStream in, byte[] expected) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long offset = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            for (int i = 0; i < n; i++) {
                if (offset + i >= expected.length || buffer[i] != expected[(int) (offset + i)]) {
                    throw new AssertionError("content differs at byte " + (offset + i) + " of " + expected.length);
                }
            }
            offset += n;
        }
        assertThat(offset).as("bytes read").isEqualTo(expected.length);
    }

    static String stackTraceText(Throwable t) {
        java.io.StringWriter out = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(out));
        return out.toString();
    }

    private static String printable(String key) {
        String shown = key.length() > 40 ? key.substring(0, 12) + "...(" + key.length() + " chars)" : key;
        StringBuilder out = new StringBuilder();
        shown.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
