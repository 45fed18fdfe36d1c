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

/** The header-value rule for any string: always legal on the wire, reversible, and a no-op on legal values. */
class HeaderValuesProperties {

    @Property(tries = 2000, seed = "2026112910")
    void anyString_encodesToALegalHeaderValue(@ForAll("anyStrings") String value) {
        String sent = HeaderValues.encode(value).value();
        assertThat(sent).matches("[\\x20-\\x7E]*");
        assertThat(HeaderValues.isLegal(sent)).isTrue();
    }

    @Property(tries = 2000, seed = "2026112911")
    void percentForm_decodesToTheOriginal(@ForAll("unicodeStrings") String value) {
        String encoded = HeaderValues.percentEncode(value);
        assertThat(encoded).matches("[A-Za-z0-9._~/%-]*");
        // URLDecoder turns '+' into a space, but the percent form never contains a raw '+'.
        assertThat(URLDecoder.decode(encoded, StandardCharsets.UTF_8)).isEqualTo(value);
    }

    @Property(tries = 1000, seed = "2026112912")
    void legalValue_comesBackUnchanged(@ForAll("legalValues") String value) {
        assertThat(HeaderValues.encode(value)).isEqualTo(new HeaderValues.Encoded(value, false));
    }

    @Property(tries = 1000, seed = "2026112913")
    void encodingIsFlaggedExactlyWhenTheValueChanges(@ForAll("anyStrings") String value) {
        HeaderValues.Encoded encoded = HeaderValues.encode(value);
        assertThat(encoded.percentEncoded()).isEqualTo(!HeaderValues.isLegal(value));
        if (!encoded.percentEncoded()) {
            assertThat(encoded.value()).isSameAs(value);
        }
    }

    @Provide
    Arbitrary<String> anyStrings() {
        // Every BMP char, lone surrogates included, mixed with plenty of ASCII so legal values occur too.
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

    @Provide
    Arbitrary<String> legalValues() {
        return Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(300)
                .filter(s -> !s.startsWith(" ") && !s.endsWith(" "));
    }

    @Property(tries = 200, seed = "2026112914")
    void longKeys_stayLegal(@ForAll @StringLength(min = 1000, max = 1100) String value) {
        assertThat(HeaderValues.isLegal(HeaderValues.encode(value).value())).isTrue();
    }
}
