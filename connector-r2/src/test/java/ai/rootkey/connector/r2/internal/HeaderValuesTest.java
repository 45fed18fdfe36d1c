package ai.rootkey.connector.r2.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** DESIGN 6.4: a value goes as its UTF-8 bytes unless the Worker cannot send it. */
class HeaderValuesTest {

    @ParameterizedTest
    @ValueSource(strings = {"docs/a.pdf", "quo\"te", "back\\slash", "100%", "a+b", "inner space", "~!#$&'()*,;=?@[]",
            "x", "caf\u00e9", "relat\u00f3rios/Q3 r\u00e9sum\u00e9.pdf", "\u202Eevil.pdf", "emoji-\uD83D\uDE00.txt",
            "\u65e5\u672c\u8a9e/\u30d5\u30a1\u30a4\u30eb.pdf", "nbsp\u00A0", "\u3000ideographic", "c1-\u0085-\u009F",
            "line\u2028separator", "\uFEFFbom"})
    void valueTheWorkerCanSend_goesUnchanged(String value) {
        assertThat(HeaderValues.encode(value)).isEqualTo(new HeaderValues.Encoded(value, false));
        assertThat(HeaderValues.encode(value).utf8()).isEqualTo(value.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\rb", "a\nb", "a\u0000b", "a\tb", "a\u007Fb", "a\u001Fb", "a\u0001b", " leading",
            "trailing ", " ", "  ", "caf\u00e9 ", "\ttab-first"})
    void valueTheWorkerCannotSend_isPercentEncoded_andFlagged(String value) {
        HeaderValues.Encoded encoded = HeaderValues.encode(value);
        assertThat(encoded.percentEncoded()).isTrue();
        assertThat(encoded.value()).matches("[A-Za-z0-9._~/%-]*");
    }

    @Test
    void everyUtf8ByteOfANonAsciiChar_isAbove0x7F_soNoneCanBreakTheHeaderLine() {
        for (int cp = 0x80; cp <= 0x10FFFF; cp++) {
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                continue;
            }
            for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                if ((b & 0xFF) < 0x80) {
                    throw new AssertionError(String.format("U+%04X has the byte 0x%02X", cp, b & 0xFF));
                }
            }
        }
    }

    @Test
    void unpairedSurrogate_goesAsTheReplacementCharacter_unflagged() {
        assertThat(HeaderValues.encode("a\uD800b")).isEqualTo(new HeaderValues.Encoded("a\uFFFDb", false));
        assertThat(HeaderValues.encode("\uDC00")).isEqualTo(new HeaderValues.Encoded("\uFFFD", false));
        assertThat(HeaderValues.encode("end\uD83D")).isEqualTo(new HeaderValues.Encoded("end\uFFFD", false));
        assertThat(HeaderValues.encode("pair\uD83D\uDE00\uDE00")).isEqualTo(
                new HeaderValues.Encoded("pair\uD83D\uDE00\uFFFD", false));
        assertThat(HeaderValues.encode("a\uD800b").utf8()).containsExactly('a', 0xEF, 0xBF, 0xBD, 'b');
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
    void isSentAsIs_boundaries() {
        assertThat(HeaderValues.isSentAsIs("")).isTrue();
        assertThat(HeaderValues.isSentAsIs("\u0020a")).isFalse();
        assertThat(HeaderValues.isSentAsIs("a\u0020")).isFalse();
        assertThat(HeaderValues.isSentAsIs("a\u0020b")).isTrue();
        assertThat(HeaderValues.isSentAsIs("\u0021\u007E")).isTrue();
        assertThat(HeaderValues.isSentAsIs("\u001F")).isFalse();
        assertThat(HeaderValues.isSentAsIs("\u007F")).isFalse();
        assertThat(HeaderValues.isSentAsIs("\u0080")).isTrue();
        assertThat(HeaderValues.isSentAsIs("\u00A0a\u00A0")).isTrue();
    }

    @Test
    void isPrintableAscii_forTheSdksOwnValues() {
        assertThat(HeaderValues.isPrintableAscii("rk_live_abc-123")).isTrue();
        assertThat(HeaderValues.isPrintableAscii("a b")).isTrue();
        assertThat(HeaderValues.isPrintableAscii("caf\u00e9")).isFalse();
        assertThat(HeaderValues.isPrintableAscii("key\n")).isFalse();
        assertThat(HeaderValues.isPrintableAscii(" key")).isFalse();
    }
}
