package ai.rootkey.connector.testkit.internal;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/** Any content framed correctly comes back byte for byte, however the reads are split. */
class StrictMultipartParserProperties {

    @Property(tries = 300, seed = "2026112923")
    void framedContent_roundTrips(@ForAll("contents") byte[] content, @ForAll @IntRange(min = 1, max = 5000) int step)
            throws Exception {
        byte[] body = StrictMultipartParserTest.frame(content);
        StrictMultipartParser.Part part = StrictMultipartParser.parse(
                new StrictMultipartParserTest.TrickleStream(body, step), body.length,
                "rootkey-0123456789abcdef0123456789abcdef", Long.MAX_VALUE);
        assertThat(part.content()).isEqualTo(content);
        assertThat(part.size()).isEqualTo(content.length);
        assertThat(part.sha256()).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(content)));
    }

    /** Bytes biased towards the characters of a delimiter, so near-misses are common. */
    @Provide
    Arbitrary<byte[]> contents() {
        Arbitrary<byte[]> pieces = Arbitraries.oneOf(
                Arbitraries.of("\r", "\n", "\r\n", "-", "--", "\r\n--", "\r\n--rootkey-", "rootkey-0123")
                        .map(s -> s.getBytes(StandardCharsets.US_ASCII)),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300));
        return pieces.list().ofMaxSize(60).map(list -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            list.forEach(out::writeBytes);
            return out.toByteArray();
        });
    }
}
