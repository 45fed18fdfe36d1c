package ai.rootkey.connector.r2.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedactionTest {
    private static final String KEY = "rk_live_0123456789";

    @Test
    void everyOccurrence_isReplaced() {
        assertThat(Redaction.redact("bad key " + KEY + " (" + KEY + ")", KEY))
                .isEqualTo("bad key [redacted] ([redacted])");
    }

    @Test
    void aReplyCutInsideTheSecret_losesTheCutOffStartToo() {
        assertThat(Redaction.redact("bad key " + KEY.substring(0, 9), KEY)).isEqualTo("bad key [redacted]");
        assertThat(Redaction.redact("ends in rk_", KEY)).isEqualTo("ends in rk_"); // too short to tell
    }

    @Test
    void textWithoutTheSecret_isUnchanged_andNullOrEmptyPassThrough() {
        assertThat(Redaction.redact("{\"error\":\"nope\"}", KEY)).isEqualTo("{\"error\":\"nope\"}");
        assertThat(Redaction.redact(null, KEY)).isNull();
        assertThat(Redaction.redact("", KEY)).isEmpty();
        assertThat(Redaction.redact("text", "")).isEqualTo("text");
    }
}
