package ai.rootkey.connector.r2.internal;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The header-value rule for any string: what goes on the wire never holds a byte that breaks a header line, a value
 * the Worker can send goes as its exact UTF-8 bytes, and the percent form decodes to the original.
 */
class HeaderValuesProperties {

    @Property(tries = 2000, seed = "2026112931")
    void anyString_goesOutWithoutControlBytesOrSurroundingSpaces(@ForAll("anyStrings") String value) {
        byte[] sent = HeaderValues.encode(value).utf8();
        for (byte b : sent) {
            assertThat(b & 0xFF).isNotEqualTo(0x7F).isGreaterThanOrEqualTo(0x20);
        }
        if (sent.length > 0) {
            assertThat(sent[0]).isNotEqualTo((byte) ' ');
            assertThat(sent[sent.length - 1]).isNotEqualTo((byte) ' ');
        }
    }

    @Property(tries = 2000, seed = "2026112932")
    void wellFormedValueTheWorkerCanSend_goesAsItsExactUtf8Bytes(@ForAll("unicodeStrings") String value) {
        HeaderValues.Encoded encoded = HeaderValues.encode(value);
        boolean control = value.chars().anyMatch(c -> c < 0x20 || c == 0x7F);
        boolean space = value.startsWith(" ") || value.endsWith(" ");
        assertThat(encoded.percentEncoded()).isEqualTo(control || space);
        if (!encoded.percentEncoded()) {
            assertThat(encoded.value()).isSameAs(value);
            assertThat(encoded.utf8()).isEqualTo(value.getBytes(StandardCharsets.UTF_8));
            assertThat(new String(encoded.utf8(), StandardCharsets.UTF_8)).isEqualTo(value);
        }
    }

    @Property(tries = 2000, seed = "2026112933")
    void percentForm_decodesToTheOriginal(@ForAll("unicodeStrings") String value) {
        String encoded = HeaderValues.percentEncode(value);
        assertThat(encoded).matches("[A-Za-z0-9._~/%-]*");
        // URLDecoder turns '+' into a space, but the percent form never contains a raw '+'.
        assertThat(URLDecoder.decode(encoded, StandardCharsets.UTF_8)).isEqualTo(value);
    }

    @Property(tries = 1000, seed = "2026112934")
    void encodingIsFlaggedExactlyWhenTheWorkerCannotSendTheValue(@ForAll("anyStrings") String value) {
        HeaderValues.Encoded encoded = HeaderValues.encode(value);
        assertThat(encoded.percentEncoded()).isEqualTo(!HeaderValues.isSentAsIs(value));
        if (encoded.percentEncoded()) {
            assertThat(URLDecoder.decode(encoded.value(), StandardCharsets.UTF_8))
                    .isEqualTo(HeaderValues.wellFormed(value));
        } else {
            assertThat(encoded.value()).isEqualTo(HeaderValues.wellFormed(value));
        }
    }

    @Provide
    Arbitrary<String> anyStrings() {
        // Every BMP char, lone surrogates included, mixed with plenty of ASCII so unchanged values occur too.
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(64),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(64),
                Arbitraries.strings().withCharRange('\u0000', '\u00FF').ofMaxLength(64));
    }

    @Provide
    Arbitrary<String> unicodeStrings() {
        Arbitrary<Integer> codePoint = Arbitraries.oneOf(
                Arbitraries.integers().between(0, 0x7F),
                Arbitraries.integers().between(0x80, 0xD7FF),
                Arbitraries.integers().between(0xE000, 0x10FFFF));
        return codePoint.list().ofMaxSize(40).map(cps -> {
            StringBuilder s = new StringBuilder();
            cps.forEach(s::appendCodePoint);
            return s.toString();
        });
    }

    @Property(tries = 200, seed = "2026112935")
    void longValues_stayWithinTheRule(@ForAll @StringLength(min = 1000, max = 1100) String value) {
        byte[] sent = HeaderValues.encode(value).utf8();
        for (byte b : sent) {
            assertThat(b & 0xFF).isNotEqualTo(0x7F).isGreaterThanOrEqualTo(0x20);
        }
    }
}
