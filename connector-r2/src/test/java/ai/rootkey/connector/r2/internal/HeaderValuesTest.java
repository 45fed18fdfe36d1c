package ai.rootkey.connector.r2.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class HeaderValuesTest {

    @ParameterizedTest
    @ValueSource(strings = {"docs/a.pdf", "quo\"te", "back\\slash", "100%", "a+b", "inner space", "~!#$&'()*,;=?@[]",
            "x"})
    void legalValue_isSentUnchanged(String value) {
        assertThat(HeaderValues.encode(value)).isEqualTo(new HeaderValues.Encoded(value, false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\rb", "a\nb", "a\u0000b", "a\tb", "a\u007Fb", " leading", "trailing ", "caf\u00e9",
            "\u202Eevil.pdf", "emoji-\uD83D\uDE00.txt"})
    void illegalValue_isPercentEncoded(String value) {
        HeaderValues.Encoded encoded = HeaderValues.encode(value);
        assertThat(encoded.percentEncoded()).isTrue();
        assertThat(encoded.value()).matches("[A-Za-z0-9._~/%-]*");
    }

    @Test
    void percentEncode_keepsUnreservedAndSlash_encodesTheRestUppercase() {
        assertThat(HeaderValues.percentEncode("dir/A-z_0.9~ x%+\"\u00e9\uD83D\uDE00\r\n"))
                .isEqualTo("dir/A-z_0.9~%20x%25%2B%22%C3%A9%F0%9F%98%80%0D%0A");
    }

    @Test
    void percentEncode_unpairedSurrogate_becomesReplacementCharacter() {
        assertThat(HeaderValues.percentEncode("a\uD800b")).isEqualTo("a%EF%BF%BDb");
    }

    @Test
    void isLegal_boundaries() {
        assertThat(HeaderValues.isLegal("")).isTrue();
        assertThat(HeaderValues.isLegal("\u0020a")).isFalse();
        assertThat(HeaderValues.isLegal("a\u0020")).isFalse();
        assertThat(HeaderValues.isLegal("\u0021\u007E")).isTrue();
        assertThat(HeaderValues.isLegal("\u001F")).isFalse();
        assertThat(HeaderValues.isLegal("\u0080")).isFalse();
    }
}
