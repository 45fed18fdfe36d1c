package ai.rootkey.connector.r2;

import ai.rootkey.connector.ConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class R2ConnectorConfigTest {
    static final String ACCOUNT = "0123456789abcdef0123456789abcdef";
    static final String QUEUE = "fedcba9876543210fedcba9876543210";
    static final String DLQ = "00112233445566778899aabbccddeeff";
    static final String API_TOKEN = "SECRET-CF-TOKEN-123";
    static final String R2_SECRET = "SECRET-R2-KEY-123";
    static final String API_KEY = "SECRET-ROOTKEY-KEY-123";
    static final List<String> SECRETS = List.of(API_TOKEN, R2_SECRET, API_KEY);

    /** The required variables, valid. */
    static Map<String, String> minimal() {
        Map<String, String> env = new HashMap<>();
        env.put("CLOUDFLARE_ACCOUNT_ID", ACCOUNT);
        env.put("CLOUDFLARE_API_TOKEN", API_TOKEN);
        env.put("R2_QUEUE_ID", QUEUE);
        env.put("R2_BUCKET", "acme-documents");
        env.put("R2_ACCESS_KEY_ID", "r2-access-key-id");
        env.put("R2_SECRET_ACCESS_KEY", R2_SECRET);
        env.put("ROOTKEY_API_KEY", API_KEY);
        return env;
    }

    static Map<String, String> with(String... keyValues) {
        Map<String, String> env = minimal();
        for (int i = 0; i < keyValues.length; i += 2) {
            if (keyValues[i + 1] == null) {
                env.remove(keyValues[i]);
            } else {
                env.put(keyValues[i], keyValues[i + 1]);
            }
        }
        return env;
    }

    /** The problem lines of a failed configuration. */
    static List<String> problems(Map<String, String> env) {
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
                () -> R2ConnectorConfig.fromEnvironment(env));
        assertThat(e).as("a ConfigurationException for %s", env.keySet()).isNotNull();
        for (String secret : SECRETS) {
            assertThat(e.getMessage()).doesNotContain(secret);
        }
        List<String> lines = Arrays.asList(e.getMessage().split(System.lineSeparator()));
        int count = lines.size() - 1;
        assertThat(lines.get(0)).isEqualTo("the connector configuration has " + count
                + (count == 1 ? " problem:" : " problems:"));
        return lines.subList(1, lines.size()).stream().map(String::trim).toList();
    }

    static void assertOnlyProblem(Map<String, String> env, String message) {
        assertThat(problems(env)).containsExactly(message);
    }

    @Test
    void minimal_usesTheDefaults() {
        R2ConnectorConfig config = R2ConnectorConfig.fromEnvironment(minimal());

        assertThat(config.accountId()).isEqualTo(ACCOUNT);
        assertThat(config.apiToken().reveal()).isEqualTo(API_TOKEN);
        assertThat(config.apiBaseUrl()).isEqualTo(URI.create("https://api.cloudflare.com/client/v4"));
        assertThat(config.queueId()).isEqualTo(QUEUE);
        assertThat(config.dlqId()).isEmpty();
        assertThat(config.bucket()).isEqualTo("acme-documents");
        assertThat(config.accessKeyId()).isEqualTo("r2-access-key-id");
        assertThat(config.secretAccessKey().reveal()).isEqualTo(R2_SECRET);
        assertThat(config.jurisdiction()).isEmpty();
        assertThat(config.r2Endpoint()).isEmpty();
        assertThat(config.objectStoreEndpoint()).isEqualTo(URI.create("https://" + ACCOUNT + ".r2.cloudflarestorage.com"));
        assertThat(config.prefix()).isEmpty();
        assertThat(config.rootkeyApiUrl()).isEqualTo(URI.create("https://api.rootkey.ai"));
        assertThat(config.rootkeyApiKey().reveal()).isEqualTo(API_KEY);
        assertThat(config.maxFileSizeBytes()).isEqualTo(524_288_000L);
        assertThat(config.allowInsecureLoopback()).isFalse();
    }

    @Test
    void everyOptionalVariable_isRead() {
        R2ConnectorConfig config = R2ConnectorConfig.fromEnvironment(with(
                "CLOUDFLARE_API_BASE_URL", "https://cf-proxy.internal/client/v4",
                "R2_DLQ_ID", DLQ,
                "R2_JURISDICTION", "eu",
                "R2_PREFIX", "contracts/",
                "ROOTKEY_API_URL", "https://staging.rootkey.ai/",
                "ROOTKEY_MAX_FILE_SIZE_BYTES", "5497558138880",
                "ROOTKEY_ALLOW_INSECURE_LOOPBACK", "false"));

        assertThat(config.apiBaseUrl()).isEqualTo(URI.create("https://cf-proxy.internal/client/v4"));
        assertThat(config.dlqId()).contains(DLQ);
        assertThat(config.jurisdiction()).contains(Jurisdiction.EU);
        assertThat(config.objectStoreEndpoint())
                .isEqualTo(URI.create("https://" + ACCOUNT + ".eu.r2.cloudflarestorage.com"));
        assertThat(config.prefix()).contains("contracts/");
        assertThat(config.rootkeyApiUrl()).isEqualTo(URI.create("https://staging.rootkey.ai/"));
        assertThat(config.maxFileSizeBytes()).isEqualTo(5_497_558_138_880L);
    }

    @Test
    void sessionToken_isASecret_readFromTheEnvironment_andNeverShown() {
        R2ConnectorConfig config = R2ConnectorConfig.fromEnvironment(with("R2_SESSION_TOKEN", "SESSION-TOKEN-4c1f"));

        assertThat(config.sessionToken()).map(Secret::reveal).contains("SESSION-TOKEN-4c1f");
        assertThat(config.toString()).doesNotContain("SESSION-TOKEN-4c1f");
        assertThat(R2ConnectorConfig.fromEnvironment(minimal()).sessionToken()).isEmpty();
    }

    @Test
    void r2Endpoint_replacesTheDerivedEndpoint() {
        R2ConnectorConfig config = R2ConnectorConfig.fromEnvironment(with("R2_ENDPOINT", "https://minio.internal:9000"));
        assertThat(config.r2Endpoint()).contains(URI.create("https://minio.internal:9000"));
        assertThat(config.objectStoreEndpoint()).isEqualTo(URI.create("https://minio.internal:9000"));
    }

    @Test
    void accountId_mustBe32LowercaseHex() {
        assertOnlyProblem(with("CLOUDFLARE_ACCOUNT_ID", ACCOUNT.substring(1)),
                "CLOUDFLARE_ACCOUNT_ID must be 32 lowercase hex characters (got 31 characters)");
        assertOnlyProblem(with("CLOUDFLARE_ACCOUNT_ID", ACCOUNT.toUpperCase()),
                "CLOUDFLARE_ACCOUNT_ID must be 32 lowercase hex characters (got 32 characters, not all lowercase hex)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"My_Bucket", "ab", "-abc", "abc-", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bucket.with.dots", "ümlaut"})
    void bucket_mustBeAnR2BucketName(String bucket) {
        assertOnlyProblem(with("R2_BUCKET", bucket), "R2_BUCKET must match ^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$ "
                + "(3-63 chars, lowercase letters, digits, hyphens): got \"" + bucket + "\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "a-b", "0aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void bucket_validNames_areAccepted(String bucket) {
        assertThat(R2ConnectorConfig.fromEnvironment(with("R2_BUCKET", bucket)).bucket()).isEqualTo(bucket);
    }

    @Test
    void bucket_controlCharacters_areShownEscaped() {
        assertThat(problems(with("R2_BUCKET", "bad\nbucket")))
                .containsExactly("R2_BUCKET must match ^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$ (3-63 chars, lowercase "
                        + "letters, digits, hyphens): got \"bad\\nbucket\"");
    }

    @Test
    void queueIds_mustBeIdsNotNames() {
        assertOnlyProblem(with("R2_QUEUE_ID", "rootkey-events"), "R2_QUEUE_ID must be a queue id, 32 lowercase hex "
                + "characters, not a queue name (got \"rootkey-events\")");
        assertOnlyProblem(with("R2_DLQ_ID", "rootkey-dlq"), "R2_DLQ_ID must be a queue id, 32 lowercase hex "
                + "characters, not a queue name (got \"rootkey-dlq\")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_TOKEN", "R2_QUEUE_ID", "R2_BUCKET",
            "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY", "ROOTKEY_API_KEY"})
    void requiredVariable_unsetOrBlank_isNotSet(String variable) {
        assertOnlyProblem(with(variable, null), variable + " is not set");
        assertOnlyProblem(with(variable, " \t "), variable + " is not set");
        assertOnlyProblem(with(variable, ""), variable + " is not set");
    }

    @Test
    void blankOptionalVariables_countAsUnset() {
        R2ConnectorConfig config = R2ConnectorConfig.fromEnvironment(with("CLOUDFLARE_API_BASE_URL", " ",
                "R2_DLQ_ID", "", "R2_JURISDICTION", "  ", "R2_ENDPOINT", "", "R2_PREFIX", " ", "ROOTKEY_API_URL", "",
                "ROOTKEY_MAX_FILE_SIZE_BYTES", " ", "ROOTKEY_ALLOW_INSECURE_LOOPBACK", ""));
        assertThat(config.apiBaseUrl()).isEqualTo(R2ConnectorConfig.DEFAULT_API_BASE_URL);
        assertThat(config.dlqId()).isEmpty();
        assertThat(config.jurisdiction()).isEmpty();
        assertThat(config.r2Endpoint()).isEmpty();
        assertThat(config.prefix()).isEmpty();
        assertThat(config.maxFileSizeBytes()).isEqualTo(R2ConnectorConfig.DEFAULT_MAX_FILE_SIZE_BYTES);
        assertThat(config.allowInsecureLoopback()).isFalse();
    }

    @Test
    void rootkeyApiUrl_mustBeHttps() {
        assertOnlyProblem(with("ROOTKEY_API_URL", "http://api.example.com"), "ROOTKEY_API_URL must be https (got "
                + "http://api.example.com); plain http is only allowed to a loopback host (localhost, 127.0.0.1, ::1) "
                + "with ROOTKEY_ALLOW_INSECURE_LOOPBACK=true");
        assertOnlyProblem(with("ROOTKEY_API_URL", "http://127.0.0.1:8080"), "ROOTKEY_API_URL must be https (got "
                + "http://127.0.0.1:8080); set ROOTKEY_ALLOW_INSECURE_LOOPBACK=true (allowInsecureLoopbackForTesting(true) in "
                + "code) only for a local stand-in on 127.0.0.1");
    }

    @Test
    void httpRule_holdsForEveryEndpoint() {
        assertThat(problems(with("CLOUDFLARE_API_BASE_URL", "http://localhost:8787/client/v4",
                "R2_ENDPOINT", "http://127.0.0.1:9000", "ROOTKEY_API_URL", "http://[::1]:8080")))
                .hasSize(3)
                .anySatisfy(p -> assertThat(p).startsWith("CLOUDFLARE_API_BASE_URL must be https (got http://localhost:8787"))
                .anySatisfy(p -> assertThat(p).startsWith("R2_ENDPOINT must be https (got http://127.0.0.1:9000)"))
                .anySatisfy(p -> assertThat(p).startsWith("ROOTKEY_API_URL must be https (got http://[::1]:8080)"));
    }

    @Test
    void insecureLoopbackSwitch_letsHttpThroughToLoopbackOnly() {
        R2ConnectorConfig config = R2ConnectorConfig.fromEnvironment(with("ROOTKEY_ALLOW_INSECURE_LOOPBACK", "true",
                "CLOUDFLARE_API_BASE_URL", "http://localhost:8787/client/v4",
                "R2_ENDPOINT", "http://127.0.0.1:9000", "ROOTKEY_API_URL", "http://[::1]:8080"));
        assertThat(config.allowInsecureLoopback()).isTrue();
        assertThat(config.r2Endpoint()).contains(URI.create("http://127.0.0.1:9000"));

        assertOnlyProblem(with("ROOTKEY_ALLOW_INSECURE_LOOPBACK", "true", "R2_ENDPOINT", "http://minio:9000"),
                "R2_ENDPOINT must be https (got http://minio:9000); plain http is only allowed to a loopback host "
                        + "(localhost, 127.0.0.1, ::1) with ROOTKEY_ALLOW_INSECURE_LOOPBACK=true");
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "1", "on", "true ", "enabled"})
    void insecureLoopbackSwitch_acceptsOnlyTrueOrFalse(String value) {
        assertOnlyProblem(with("ROOTKEY_ALLOW_INSECURE_LOOPBACK", value),
                "ROOTKEY_ALLOW_INSECURE_LOOPBACK must be true or false (got \"" + value + "\")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"12MB", "0", "-1", "1.5", "5497558138881", "9999999999999999999", "99999999999999999999", "1e6", " 100", "0x10"})
    void maxFileSize_mustBeWholeBytesUpTo5TiB(String value) {
        assertOnlyProblem(with("ROOTKEY_MAX_FILE_SIZE_BYTES", value), "ROOTKEY_MAX_FILE_SIZE_BYTES must be a whole "
                + "number of bytes between 1 and 5497558138880 (got \"" + value + "\")");
    }

    @Test
    void workersMaxFileSizeBytes_isAcceptedAsAnAlias() {
        assertThat(R2ConnectorConfig.fromEnvironment(with("MAX_FILE_SIZE_BYTES", "104857600")).maxFileSizeBytes())
                .isEqualTo(104_857_600);
        assertThat(R2ConnectorConfig.fromEnvironment(with("MAX_FILE_SIZE_BYTES", "104857600",
                "ROOTKEY_MAX_FILE_SIZE_BYTES", "104857600")).maxFileSizeBytes()).as("both, equal").isEqualTo(104_857_600);
        assertOnlyProblem(with("MAX_FILE_SIZE_BYTES", "12MB"), "MAX_FILE_SIZE_BYTES must be a whole number of bytes "
                + "between 1 and 5497558138880 (got \"12MB\")");
    }

    @Test
    void workersAndOurMaxFileSize_withDifferentValues_isOneProblemNamingBoth() {
        assertOnlyProblem(with("MAX_FILE_SIZE_BYTES", "104857600", "ROOTKEY_MAX_FILE_SIZE_BYTES", "524288000"),
                "ROOTKEY_MAX_FILE_SIZE_BYTES (524288000) and MAX_FILE_SIZE_BYTES (104857600, the R2 Worker's name for "
                        + "it) are both set, to different values: unset one");
    }

    @Test
    void maxFileSize_boundsAreAccepted() {
        assertThat(R2ConnectorConfig.fromEnvironment(with("ROOTKEY_MAX_FILE_SIZE_BYTES", "1")).maxFileSizeBytes())
                .isEqualTo(1);
        assertThat(R2ConnectorConfig.fromEnvironment(with("ROOTKEY_MAX_FILE_SIZE_BYTES", "5368709120"))
                .maxFileSizeBytes()).isEqualTo(5L * 1024 * 1024 * 1024);
    }

    @Test
    void jurisdiction_mustBeKnown() {
        assertOnlyProblem(with("R2_JURISDICTION", "asia"), "R2_JURISDICTION must be one of eu, fedramp, us (got \"asia\")");
        assertThat(R2ConnectorConfig.fromEnvironment(with("R2_JURISDICTION", "fedramp")).jurisdiction())
                .contains(Jurisdiction.FEDRAMP);
        assertThat(R2ConnectorConfig.fromEnvironment(with("R2_JURISDICTION", "US")).jurisdiction())
                .contains(Jurisdiction.US);
    }

    @Test
    void jurisdictionAndEndpoint_conflict() {
        assertOnlyProblem(with("R2_JURISDICTION", "eu", "R2_ENDPOINT", "https://minio.internal"), "R2_JURISDICTION and "
                + "R2_ENDPOINT are both set: R2_ENDPOINT replaces the endpoint the jurisdiction selects; unset one of them");
    }

    @Test
    void urls_mustBeAbsoluteHttpUrls() {
        assertOnlyProblem(with("R2_ENDPOINT", "minio.internal:9000"),
                "R2_ENDPOINT must be an absolute https URL with a host (got minio.internal:9000)");
        assertOnlyProblem(with("CLOUDFLARE_API_BASE_URL", "ftp://example.com"),
                "CLOUDFLARE_API_BASE_URL must be an absolute https URL with a host (got ftp://example.com)");
        assertOnlyProblem(with("ROOTKEY_API_URL", "https://exa mple.com"),
                "ROOTKEY_API_URL is not a valid URL (got \"https://exa mple.com\")");
    }

    @Test
    void urls_withCredentials_areRejectedWithoutShowingThem() {
        List<String> problems = problems(with("ROOTKEY_API_URL", "https://user:hunter2@api.rootkey.ai",
                "R2_ENDPOINT", "https://minio.internal/?X-Amz-Signature=abc"));
        assertThat(problems).containsExactlyInAnyOrder(
                "ROOTKEY_API_URL must not carry credentials (user info) in the URL",
                "R2_ENDPOINT must not have a query or fragment (value not shown: it may carry a credential)");
        assertThat(String.join("\n", problems)).doesNotContain("hunter2").doesNotContain("abc");
    }

    @Test
    void prefix_isLimitedToAKeyLength() {
        assertOnlyProblem(with("R2_PREFIX", "é".repeat(513)),
                "R2_PREFIX must be at most 1024 bytes in UTF-8, the longest R2 key (got 1026 bytes)");
    }

    @Test
    void secrets_withControlCharactersOrSurroundingSpace_areRejectedWithoutShowingThem() {
        List<String> problems = problems(with("ROOTKEY_API_KEY", API_KEY + "\n", "CLOUDFLARE_API_TOKEN", " " + API_TOKEN,
                "R2_SECRET_ACCESS_KEY", R2_SECRET.replace('-', '\u0007')));
        assertThat(problems).containsExactlyInAnyOrder(
                "CLOUDFLARE_API_TOKEN must not contain control characters or surrounding whitespace (value not shown)",
                "R2_SECRET_ACCESS_KEY must not contain control characters or surrounding whitespace (value not shown)",
                "ROOTKEY_API_KEY must not contain control characters or surrounding whitespace (value not shown)");
    }

    @Test
    void allProblems_areReportedAtOnce_eachOnItsOwnLine() {
        Map<String, String> env = with("CLOUDFLARE_ACCOUNT_ID", "abc", "R2_BUCKET", "My_Bucket", "ROOTKEY_API_KEY", null,
                "ROOTKEY_MAX_FILE_SIZE_BYTES", "12MB", "R2_JURISDICTION", "asia", "ROOTKEY_API_URL", "http://example.com",
                "R2_QUEUE_ID", null);

        assertThat(problems(env)).containsExactly(
                "CLOUDFLARE_ACCOUNT_ID must be 32 lowercase hex characters (got 3 characters)",
                "R2_BUCKET must match ^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$ (3-63 chars, lowercase letters, digits, "
                        + "hyphens): got \"My_Bucket\"",
                "R2_JURISDICTION must be one of eu, fedramp, us (got \"asia\")",
                "ROOTKEY_MAX_FILE_SIZE_BYTES must be a whole number of bytes between 1 and 5497558138880 (got \"12MB\")",
                "R2_QUEUE_ID is not set",
                "ROOTKEY_API_KEY is not set",
                "ROOTKEY_API_URL must be https (got http://example.com); plain http is only allowed to a loopback host "
                        + "(localhost, 127.0.0.1, ::1) with ROOTKEY_ALLOW_INSECURE_LOOPBACK=true");
    }

    @Test
    void emptyEnvironment_listsEveryRequiredVariable() {
        assertThat(problems(Map.of())).containsExactly("CLOUDFLARE_ACCOUNT_ID is not set",
                "CLOUDFLARE_API_TOKEN is not set", "R2_QUEUE_ID is not set", "R2_BUCKET is not set",
                "R2_ACCESS_KEY_ID is not set", "R2_SECRET_ACCESS_KEY is not set", "ROOTKEY_API_KEY is not set");
    }

    @Test
    void toString_listsSettingsButNoSecret() {
        String text = R2ConnectorConfig.fromEnvironment(with("R2_PREFIX", "contracts/", "R2_DLQ_ID", DLQ)).toString();
        assertThat(text).contains("accountId=" + ACCOUNT, "bucket=acme-documents", "queueId=" + QUEUE, "dlqId=" + DLQ,
                "prefix=\"contracts/\"", "apiToken=redacted", "secretAccessKey=redacted", "rootkeyApiKey=redacted",
                "maxFileSizeBytes=524288000");
        for (String secret : SECRETS) {
            assertThat(text).doesNotContain(secret);
        }
    }

    @Test
    void isConfigured_whenAnyCloudflareOrR2VariableIsSet() {
        assertThat(R2ConnectorConfig.isConfigured(Map.of())).isFalse();
        assertThat(R2ConnectorConfig.isConfigured(Map.of("ROOTKEY_API_KEY", "k", "PATH", "/bin"))).isFalse();
        assertThat(R2ConnectorConfig.isConfigured(Map.of("R2_BUCKET", "  "))).isFalse();
        assertThat(R2ConnectorConfig.isConfigured(Map.of("R2_BUCKET", "b"))).isTrue();
        assertThat(R2ConnectorConfig.isConfigured(Map.of("CLOUDFLARE_ACCOUNT_ID", "x"))).isTrue();
        assertThat(R2ConnectorConfig.isConfigured(Map.of("R2_ENDPOINT", "x"))).isTrue();
    }

    @Test
    void builder_buildsTheSameConfigurationAsTheEnvironment() {
        R2ConnectorConfig built = R2ConnectorConfig.builder()
                .accountId(ACCOUNT).apiToken(Secret.of(API_TOKEN)).queueId(QUEUE).bucket("acme-documents")
                .accessKeyId("r2-access-key-id").secretAccessKey(Secret.of(R2_SECRET))
                .rootkeyApiKey(Secret.of(API_KEY))
                .build();
        assertThat(built.toString()).isEqualTo(R2ConnectorConfig.fromEnvironment(minimal()).toString());
    }

    @Test
    void builder_build_listsMissingSettingsAndConflicts() {
        assertThatThrownBy(() -> R2ConnectorConfig.builder().accountId(ACCOUNT).bucket("acme-documents")
                .rootkeyApiUrl(URI.create("http://localhost:8080")).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(String.join(System.lineSeparator(),
                        "no apiToken: call apiToken(...)", "no queueId: call queueId(...)",
                        "no accessKeyId: call accessKeyId(...)", "no secretAccessKey: call secretAccessKey(...)",
                        "no rootkeyApiKey: call rootkeyApiKey(...)",
                        "rootkeyApiUrl must be https (got http://localhost:8080); set ROOTKEY_ALLOW_INSECURE_LOOPBACK=true "
                                + "(allowInsecureLoopbackForTesting(true) in code) only for a local stand-in on 127.0.0.1"));
    }

    @Test
    void builder_setters_rejectBadValuesAtOnce() {
        R2ConnectorConfig.Builder builder = R2ConnectorConfig.builder();
        assertThatThrownBy(() -> builder.bucket("My_Bucket")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("bucket must match ");
        assertThatThrownBy(() -> builder.maxFileSizeBytes(0)).hasMessage("maxFileSizeBytes must be a whole number of "
                + "bytes between 1 and 5497558138880 (got \"0\")");
        assertThatThrownBy(() -> builder.accountId("x")).hasMessage("accountId must be 32 lowercase hex characters "
                + "(got 1 characters)");
        assertThatThrownBy(() -> builder.queueId("q")).hasMessageStartingWith("queueId must be a queue id");
        assertThatThrownBy(() -> builder.prefix("")).hasMessage("prefix must not be empty (leave it unset for all keys)");
        assertThatThrownBy(() -> builder.r2Endpoint(URI.create("https://u:p@host")))
                .hasMessage("r2Endpoint must not carry credentials (user info) in the URL");
        assertThatThrownBy(() -> builder.apiToken(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void readerBuilder_takesEndpointAndCredentialsFromTheConfiguration() {
        R2ConnectorConfig config = R2ConnectorConfig.fromEnvironment(with("R2_JURISDICTION", "eu"));
        try (R2ObjectReader reader = R2ObjectReader.builder().config(config).build()) {
            assertThat(reader.endpoint()).contains(config.objectStoreEndpoint());
            assertThat(reader.toString()).contains("accessKeyId=r2-access-key-id").doesNotContain(R2_SECRET);
        }
        R2ConnectorConfig local = R2ConnectorConfig.fromEnvironment(with("R2_ENDPOINT", "http://127.0.0.1:9000",
                "ROOTKEY_ALLOW_INSECURE_LOOPBACK", "true"));
        try (R2ObjectReader reader = R2ObjectReader.builder().config(local).build()) {
            assertThat(reader.endpoint()).contains(URI.create("http://127.0.0.1:9000"));
        }
    }
}
