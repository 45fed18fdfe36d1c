package ai.rootkey.connector;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LogSafeTest {

    @Test
    void plainKeys_areUnchanged() {
        assertThat(LogSafe.escape("docs/2026/a b+c%20.pdf")).isEqualTo("docs/2026/a b+c%20.pdf");
        assertThat(LogSafe.escape("relatórios/日本/\uD83D\uDCC4.pdf")).isEqualTo("relatórios/日本/\uD83D\uDCC4.pdf");
    }

    @Test
    void lineBreaksAndControls_cannotForgeLogLines() {
        String hostile = "a\r\nrootkey.event.anchored key=\"fake\"\u0000\u001b[31m\t";
        String escaped = LogSafe.escape(hostile);
        assertThat(escaped).doesNotContain("\r").doesNotContain("\n").doesNotContain("\u0000").doesNotContain("\u001b");
        assertThat(escaped).isEqualTo("a\\r\\nrootkey.event.anchored key=\\\"fake\\\"\\u0000\\u001b[31m\\t");
    }

    @Test
    void formatCharacters_likeRightToLeftOverride_areVisible() {
        assertThat(LogSafe.escape("invoice\u202Efdp.exe")).isEqualTo("invoice\\u202efdp.exe");
        assertThat(LogSafe.escape("a\u2028b")).isEqualTo("a\\u2028b");
    }

    @Test
    void unpairedSurrogates_areEscaped() {
        assertThat(LogSafe.escape("x\uD800y")).isEqualTo("x\\ud800y");
        assertThat(LogSafe.escape("x\uDC00")).isEqualTo("x\\udc00");
    }

    @Test
    void longValues_areCut() {
        String longKey = "k".repeat(LogSafe.MAX_CHARS + 10);
        assertThat(LogSafe.escape(longKey)).endsWith("...(" + longKey.length() + " chars)")
                .hasSize(LogSafe.MAX_CHARS + ("...(" + longKey.length() + " chars)").length());
    }

    @Test
    void quoted_withLimit_cutsInsideTheQuotes_andNullStaysNull() {
        assertThat(LogSafe.quoted("k".repeat(1000), 256)).startsWith("\"kkk").endsWith("...(1000 chars)\"")
                .hasSize(256 + "\"\"...(1000 chars)".length());
        assertThat(LogSafe.quoted(null)).isEqualTo("null");
        assertThat(LogSafe.quoted("docs/ünï 日本 😀.pdf")).isEqualTo("\"docs/ünï 日本 😀.pdf\"");
        assertThat(LogSafe.quoted("a\u007f\u2028")).isEqualTo("\"a\\u007f\\u2028\"");
    }

    @Test
    void quoted_wrapsInQuotes() {
        assertThat(LogSafe.quoted("a\"b")).isEqualTo("\"a\\\"b\"");
    }
}
