package ai.rootkey.connector.r2.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PrintableTest {

    @Test
    void plainText_isQuotedUnchanged() {
        assertThat(Printable.quote("docs/ünï 日本 😀.pdf")).isEqualTo("\"docs/ünï 日本 😀.pdf\"");
    }

    @Test
    void controlAndStructureCharacters_areEscaped() {
        assertThat(Printable.quote("a\r\nb\t\"c\"\\d\u0000e\u007f\u202e\u2028"))
                .isEqualTo("\"a\\r\\nb\\t\\\"c\\\"\\\\d\\u0000e\\u007f\\u202e\\u2028\"");
    }

    @Test
    void unpairedSurrogates_areEscaped() {
        assertThat(Printable.quote("x\ud83dy\ude00")).isEqualTo("\"x\\ud83dy\\ude00\"");
    }

    @Test
    void longValues_areCut() {
        String quoted = Printable.quote("k".repeat(1000));
        assertThat(quoted).startsWith("\"kkk").endsWith("\"...(1000 chars)");
        assertThat(quoted.length()).isLessThan(Printable.MAX_CHARS + 30);
    }

    @Test
    void null_isShownAsNull() {
        assertThat(Printable.quote(null)).isEqualTo("null");
    }
}
