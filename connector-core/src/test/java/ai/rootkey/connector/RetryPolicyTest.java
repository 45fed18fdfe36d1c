package ai.rootkey.connector;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetryPolicyTest {
    private final RetryPolicy policy = RetryPolicy.defaults();

    @Test
    void defaults_matchTheQueueConsumerSettings() {
        assertThat(policy.maxRetries()).isEqualTo(5);
        assertThat(policy.maxAttempts()).as("max_retries counts retries: one more delivery").isEqualTo(6);
        assertThat(policy.initialDelay()).isEqualTo(Duration.ofSeconds(10));
        assertThat(policy.maxDelay()).isEqualTo(Duration.ofMinutes(15));
        assertThat(policy.maxRetryAfter()).isEqualTo(Duration.ofHours(12));
    }

    @Test
    void ceiling_doublesFromTenSecondsAndCapsAtFifteenMinutes() {
        assertThat(policy.ceiling(1)).isEqualTo(Duration.ofSeconds(10));
        assertThat(policy.ceiling(2)).isEqualTo(Duration.ofSeconds(20));
        assertThat(policy.ceiling(3)).isEqualTo(Duration.ofSeconds(40));
        assertThat(policy.ceiling(7)).isEqualTo(Duration.ofSeconds(640));
        assertThat(policy.ceiling(8)).isEqualTo(Duration.ofMinutes(15));
        assertThat(policy.ceiling(1000)).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void delayAfter_isFullJitterWithinTheCeiling() {
        Random random = new Random(7);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 2000; i++) {
            long ms = policy.delayAfter(2, random).toMillis();
            assertThat(ms).isBetween(0L, 20_000L);
            min = Math.min(min, ms);
            max = Math.max(max, ms);
        }
        // full jitter spreads over the whole range, not a narrow band around the ceiling
        assertThat(min).isLessThan(2_000L);
        assertThat(max).isGreaterThan(18_000L);
    }

    @Test
    void delayAfter_sameSeed_sameDelays() {
        assertThat(policy.delayAfter(3, new Random(99)))
                .isEqualTo(policy.delayAfter(3, new Random(99)));
    }

    @Test
    void retryAfter_isHonouredUpToTwelveHours() {
        assertThat(policy.honoured(Duration.ofSeconds(90))).isEqualTo(Duration.ofSeconds(90));
        assertThat(policy.honoured(Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.honoured(Duration.ofDays(3))).isEqualTo(Duration.ofHours(12));
        assertThat(policy.honoured(Duration.ofSeconds(-5))).isEqualTo(Duration.ZERO);
    }

    @Test
    void isLastAttempt_isDeliveryMaxRetriesPlusOne() {
        assertThat(policy.isLastAttempt(5)).isFalse();
        assertThat(policy.isLastAttempt(6)).isTrue();
        assertThat(policy.isLastAttempt(7)).isTrue();
        assertThat(policy.withMaxRetries(0).isLastAttempt(1)).as("max_retries 0: one delivery").isTrue();
    }

    @Test
    void invalidSettings_failWithTheFix() {
        assertThatThrownBy(() -> policy.withMaxRetries(-1))
                .hasMessage("maxRetries must be between 0 and 100 (Cloudflare's limits), was -1");
        assertThatThrownBy(() -> policy.withMaxRetries(101)).hasMessageContaining("was 101");
        assertThatThrownBy(() -> policy.withDelays(Duration.ofSeconds(10), Duration.ofSeconds(1)))
                .hasMessageContaining("maxDelay (PT1S) must be >= initialDelay (PT10S)");
        assertThatThrownBy(() -> policy.withDelays(Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("initialDelay must be positive");
    }
}
