package ai.rootkey.connector.testkit;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.SourceRef;
import ai.rootkey.connector.r2.RootkeyAnchorer;
import ai.rootkey.connector.r2.Secret;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.BeforeTry;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real anchorer against the fake's strict parser, for any key, bucket, ETag and body: every upload is accepted
 * and arrives exactly as sent, the key as its raw UTF-8 bytes unless the Worker could not send it (DESIGN 6.4). Keeps the fake honest (it accepts what the spec allows) and the anchorer honest
 * (it sends nothing the spec forbids).
 */
class RootkeyAnchorerRoundTripProperties {
    private static final String KEY = "prop-key";
    private static FakeRootkeyApi api;
    private static RootkeyAnchorer anchorer;

    @BeforeContainer
    static void start() {
        api = FakeRootkeyApi.builder().apiKey(KEY).build().start();
        anchorer = RootkeyAnchorer.builder().apiKey(Secret.of(KEY)).apiUrl(api.baseUrl())
                .allowInsecureLoopbackForTesting(true).build();
    }

    @AfterContainer
    static void stop() {
        anchorer.close();
        api.close();
    }

    @BeforeTry
    void clear() {
        api.clear();
    }

    @Property(tries = 150, seed = "2026112922")
    void anyUpload_arrivesExactlyAsSent(@ForAll("names") String bucket, @ForAll("names") String key,
                                        @ForAll("eTags") Optional<String> eTag, @ForAll("bodies") byte[] body)
            throws Exception {
        SourceRef source = new SourceRef(bucket, key, eTag);

        Receipt receipt = anchorer.anchor(new AnchorRequest(source, body.length, Optional.empty(),
                new ByteArrayInputStream(body)));

        assertThat(receipt.status()).as("rejections %s", api.rejections()).isEqualTo(201);
        List<ReceivedFile> files = api.files();
        assertThat(files).hasSize(1);
        ReceivedFile file = files.get(0);
        assertThat(file.bucket()).isEqualTo(bucket);
        assertThat(file.key()).isEqualTo(key);
        boolean workerCannotSend = key.chars().anyMatch(c -> c < 0x20 || c == 0x7F) || key.startsWith(" ")
                || key.endsWith(" ");
        assertThat(file.keyWasPercentEncoded()).isEqualTo(workerCannotSend);
        if (!workerCannotSend) {
            assertThat(file.headerBytes("x-rootkey-source-key")).hasValueSatisfying(bytes ->
                    assertThat(bytes).isEqualTo(key.getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(file.eTag()).isEqualTo(source.eTag());
        assertThat(file.fileName()).isEqualTo(expectedFileName(key));
        assertThat(file.content()).hasValueSatisfying(c -> assertThat(c).isEqualTo(body));
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        assertThat(file.sha256()).isEqualTo(sha256).isEqualTo(receipt.sha256());
        assertThat(receipt.bytesSent()).isEqualTo(body.length);
    }

    /** DESIGN 6.4, restated: last path segment or "file"; CR, LF, '"', '\' to '_'; at most 255 chars. */
    private static String expectedFileName(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        if (name.isEmpty()) {
            return "file";
        }
        name = name.replaceAll("[\r\n\"\\\\]", "_");
        if (name.length() > 255) {
            int end = Character.isHighSurrogate(name.charAt(254)) ? 254 : 255;
            name = name.substring(0, end);
        }
        return name;
    }

    /** Well-formed Unicode, 1 to 300 code points, biased towards separators, controls and header-hostile chars. */
    @Provide
    Arbitrary<String> names() {
        Arbitrary<Integer> codePoint = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.integers().between(0x21, 0x7E)),
                Tuple.of(2, Arbitraries.of((int) '/', (int) ' ', (int) '%', (int) '"', (int) '\\',
                        (int) '\r', (int) '\n', (int) '\t', 0, 0x7F, 0x202E, 0xFEFF)),
                Tuple.of(1, Arbitraries.integers().between(0x80, 0xD7FF)),
                Tuple.of(1, Arbitraries.integers().between(0x10000, 0x10FFFF)));
        return codePoint.list().ofMinSize(1).ofMaxSize(300).map(cps -> {
            StringBuilder s = new StringBuilder();
            cps.forEach(s::appendCodePoint);
            return s.toString();
        });
    }

    @Provide
    Arbitrary<Optional<String>> eTags() {
        return Arbitraries.oneOf(
                Arbitraries.just(Optional.empty()),
                Arbitraries.strings().withCharRange('0', '9').withCharRange('a', 'f').ofMinLength(1).ofMaxLength(34)
                        .map(s -> Optional.of("\"" + s + "\"")),
                names().map(Optional::of));
    }

    @Provide
    Arbitrary<byte[]> bodies() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
                // Large bodies from a seed: generating them byte by byte through jqwik would be slow.
                Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(60_000, 140_000))
                        .as((seed, size) -> {
                            byte[] bytes = new byte[size];
                            new Random(seed).nextBytes(bytes);
                            return bytes;
                        }),
                Arbitraries.of("\r\n--rootkey-", "--\r\n", "\r\n\r\n").map(s -> s.getBytes(
                        StandardCharsets.US_ASCII)));
    }
}
