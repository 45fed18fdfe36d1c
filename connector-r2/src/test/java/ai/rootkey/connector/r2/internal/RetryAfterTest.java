package ai.rootkey.connector.r2.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import static org.assertj.core.api.Assertions.assertThat;

class RetryAfterTest {
    private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");

    @Test
    void deltaSeconds() {
        assertThat(RetryAfter.parse("120", NOW)).contains(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse(" 7 ", NOW)).contains(Duration.ofSeconds(7));
        assertThat(RetryAfter.parse("0", NOW)).contains(Duration.ZERO);
    }

    @Test
    void negativeSeconds_areZero() {
        assertThat(RetryAfter.parse("-5", NOW)).contains(Duration.ZERO);
    }

    @Test
    void httpDate_isMeasuredFromNow() {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(90).atOffset(ZoneOffset.UTC));
        assertThat(RetryAfter.parse(date, NOW)).contains(Duration.ofSeconds(90));
        assertThat(RetryAfter.parse("Sat, 01 Mar 2025 12:01:30 GMT", NOW)).contains(Duration.ofSeconds(90));
    }

    @Test
    void httpDateInThePast_isZero() {
        assertThat(RetryAfter.parse("Sat, 01 Mar 2025 11:00:00 GMT", NOW)).contains(Duration.ZERO);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "soon", "1.5", "12s", "-", "99999999999999999999999", "2025-03-01T12:00:00Z",
            "Sat, 01 Mar 2025 25:00:00 GMT"})
    void garbage_isIgnored(String value) {
        assertThat(RetryAfter.parse(value, NOW)).isEmpty();
    }

    @Test
    void null_isEmpty() {
        assertThat(RetryAfter.parse(null, NOW)).isEmpty();
    }
}
