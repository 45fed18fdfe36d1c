package ai.rootkey.connector.r2.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CloudflareIdsTest {
    private static final String ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";

    @Test
    void thirtyTwoLowercaseHex_isAnAccountIdAndAQueueId() {
        assertThat(CloudflareIds.requireAccountId(ID, "accountId")).isEqualTo(ID);
        assertThat(CloudflareIds.requireQueueId(ID, "R2_QUEUE_ID")).isEqualTo(ID);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "rootkey-events", "0A1B2C3D4E5F60718293A4B5C6D7E8F9", "0a1b2c3d4e5f60718293a4b5c6d7e8f",
            "0a1b2c3d4e5f60718293a4b5c6d7e8f90", " 0a1b2c3d4e5f60718293a4b5c6d7e8f9", "0a1b2c3d/e5f60718293a4b5c6d7e8f9"})
    void anythingElse_isRefused_namingTheSettingAndTheFix(String value) {
        assertThatThrownBy(() -> CloudflareIds.requireQueueId(value, "R2_DLQ_ID"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("R2_DLQ_ID must be a queue id, 32 lowercase hex characters, not a queue name");
        assertThatThrownBy(() -> CloudflareIds.requireAccountId(value, "CLOUDFLARE_ACCOUNT_ID"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("CLOUDFLARE_ACCOUNT_ID must be 32 lowercase hex characters (got "
                        + value.length() + " characters");
    }

    @Test
    void aQueueName_isQuotedEscaped_soTheUserSeesWhatTheyGave() {
        assertThatThrownBy(() -> CloudflareIds.requireQueueId("events\n", "queueId"))
                .hasMessage("queueId must be a queue id, 32 lowercase hex characters, not a queue name (got "
                        + "\"events\\n\")");
    }

    @Test
    void null_isANullPointerExceptionNamingTheSetting() {
        assertThatThrownBy(() -> CloudflareIds.requireQueueId(null, "dlqId")).isInstanceOf(NullPointerException.class)
                .hasMessage("dlqId");
        assertThatThrownBy(() -> CloudflareIds.requireAccountId(null, "accountId"))
                .isInstanceOf(NullPointerException.class).hasMessage("accountId");
    }
}
