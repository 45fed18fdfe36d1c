package ai.rootkey.connector.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LogValuesTest {

    @Test
    void plainKeys_areUnchanged() {
        assertThat(LogValues.escape("docs/2026/a b+c%20.pdf")).isEqualTo("docs/2026/a b+c%20.pdf");
        assertThat(LogValues.escape("relatórios/日本/\uD83D\uDCC4.pdf")).isEqualTo("relatórios/日本/\uD83D\uDCC4.pdf");
    }

    @Test
    void lineBreaksAndControls_cannotForgeLogLines() {
        String hostile = "a\r\nrootkey.event.anchored key=\"fake\"\u0000\u001b[31m\t";
        String escaped = LogValues.escape(hostile);
        assertThat(escaped).doesNotContain("\r").doesNotContain("\n").doesNotContain("\u0000").doesNotContain("\u001b");
        assertThat(escaped).isEqualTo("a\\r\\nrootkey.event.anchored key=\\\"fake\\\"\\u0000\\u001b[31m\\t");
    }

    @Test
    void formatCharacters_likeRightToLeftOverride_areVisible() {
        assertThat(LogValues.escape("invoice\u202Efdp.exe")).isEqualTo("invoice\\u202efdp.exe");
        assertThat(LogValues.escape("a\u2028b")).isEqualTo("a\\u2028b");
    }

    @Test
    void unpairedSurrogates_areEscaped() {
        assertThat(LogValues.escape("x\uD800y")).isEqualTo("x\\ud800y");
        assertThat(LogValues.escape("x\uDC00")).isEqualTo("x\\udc00");
    }

    @Test
    void longValues_areCut() {
        String longKey = "k".repeat(LogValues.MAX_CHARS + 10);
        assertThat(LogValues.escape(longKey)).endsWith("...(" + longKey.length() + " chars)")
                .hasSize(LogValues.MAX_CHARS + ("...(" + longKey.length() + " chars)").length());
    }

    @Test
    void quoted_wrapsInQuotes() {
        assertThat(LogValues.quoted("a\"b")).isEqualTo("\"a\\\"b\"");
    }
}
