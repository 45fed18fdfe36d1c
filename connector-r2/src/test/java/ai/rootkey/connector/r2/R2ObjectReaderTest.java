package ai.rootkey.connector.r2;

import ai.rootkey.connector.ConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class R2ObjectReaderTest {
    static final String ACCOUNT = "0123456789abcdef0123456789abcdef";
    static final String SECRET = "SECRET-R2-KEY-123";

    private static R2ObjectReader.Builder withCredentials() {
        return R2ObjectReader.builder().accessKeyId("key-id").secretAccessKey(Secret.of(SECRET));
    }

    @Test
    void endpointFor_account_isTheDefaultR2Endpoint() {
        assertThat(R2ObjectReader.endpointFor(ACCOUNT))
                .isEqualTo(URI.create("https://" + ACCOUNT + ".r2.cloudflarestorage.com"));
    }

    @ParameterizedTest
    @EnumSource(Jurisdiction.class)
    void endpointFor_jurisdiction_insertsItsName(Jurisdiction jurisdiction) {
        assertThat(R2ObjectReader.endpointFor(ACCOUNT, jurisdiction))
                .isEqualTo(URI.create("https://" + ACCOUNT + "." + jurisdiction.wireName() + ".r2.cloudflarestorage.com"));
    }

    @Test
    void jurisdictions_areExactlyEuFedrampUs() {
        assertThat(Jurisdiction.values()).extracting(Jurisdiction::wireName).containsExactly("eu", "fedramp", "us");
        assertThat(Jurisdiction.fromWireName("EU")).isEqualTo(Jurisdiction.EU);
        assertThatThrownBy(() -> Jurisdiction.fromWireName("asia")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void build_withAccount_usesTheDerivedEndpoint() {
        try (R2ObjectReader reader = withCredentials().accountId(ACCOUNT).build()) {
            assertThat(reader.endpoint()).contains(URI.create("https://" + ACCOUNT + ".r2.cloudflarestorage.com"));
        }
        try (R2ObjectReader reader = withCredentials().accountId(ACCOUNT).jurisdiction(Jurisdiction.FEDRAMP).build()) {
            assertThat(reader.endpoint())
                    .contains(URI.create("https://" + ACCOUNT + ".fedramp.r2.cloudflarestorage.com"));
        }
    }

    @Test
    void build_withEndpoint_overridesTheAccount() {
        URI minio = URI.create("https://minio.internal:9000");
        try (R2ObjectReader reader = withCredentials().accountId(ACCOUNT).endpoint(minio).build()) {
            assertThat(reader.endpoint()).contains(minio);
        }
    }

    @Test
    void accountId_malformed_failsSayingWhy() {
        assertThatThrownBy(() -> R2ObjectReader.builder().accountId(ACCOUNT.substring(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("accountId must be 32 lowercase hex characters (got 31 characters)");
        assertThatThrownBy(() -> R2ObjectReader.endpointFor(ACCOUNT.toUpperCase()))
                .hasMessage("accountId must be 32 lowercase hex characters (got 32 characters, not all lowercase hex)");
    }

    @Test
    void build_withoutEndpoint_failsWithFix() {
        assertThatThrownBy(() -> withCredentials().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("no endpoint: call accountId(...) for R2, endpoint(...) for an S3-compatible server, "
                        + "or s3Client(...)");
    }

    @Test
    void build_withoutCredentials_failsWithFix() {
        assertThatThrownBy(() -> R2ObjectReader.builder().accountId(ACCOUNT).accessKeyId("id").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("no credentials: call accessKeyId(...) and secretAccessKey(...)");
    }

    @Test
    void build_withJurisdictionAndEndpoint_failsAsConflicting() {
        assertThatThrownBy(() -> withCredentials().accountId(ACCOUNT).jurisdiction(Jurisdiction.EU)
                .endpoint(URI.create("https://example.com")).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("jurisdiction(...) has no effect with endpoint(...): drop one of them");
        assertThatThrownBy(() -> withCredentials().jurisdiction(Jurisdiction.EU).build())
                .hasMessage("jurisdiction(...) needs accountId(...)");
    }

    @Test
    void build_withS3ClientAndClientOptions_failsNamingThem() {
        try (S3Client client = S3Client.builder().region(Region.of("auto")).build()) {
            assertThatThrownBy(() -> withCredentials().s3Client(client).maxConnections(8).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("s3Client(...) is used as given, so accessKeyId, secretAccessKey, maxConnections would "
                            + "be ignored: configure the S3Client itself, or drop s3Client(...)");
        }
    }

    @Test
    void build_withHttpEndpoint_needsLoopbackAndTheSwitch() {
        assertThatThrownBy(() -> withCredentials().endpoint(URI.create("http://minio:9000")).allowInsecureLoopbackForTesting(true)
                .build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("endpoint must be https (got http://minio:9000); plain http is only allowed");
        assertThatThrownBy(() -> withCredentials().endpoint(URI.create("http://127.0.0.1:9000")).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("set ROOTKEY_ALLOW_INSECURE_LOOPBACK=true (allowInsecureLoopbackForTesting(true) in code)");
        try (R2ObjectReader reader = withCredentials().endpoint(URI.create("http://127.0.0.1:9000"))
                .allowInsecureLoopbackForTesting(true).build()) {
            assertThat(reader.endpoint()).contains(URI.create("http://127.0.0.1:9000"));
        }
    }

    @Test
    void setters_rejectOutOfRangeValues() {
        R2ObjectReader.Builder builder = R2ObjectReader.builder();
        assertThatThrownBy(() -> builder.maxConnections(0))
                .hasMessage("maxConnections must be between 1 and 10000, was 0");
        assertThatThrownBy(() -> builder.maxAttempts(11)).hasMessage("maxAttempts must be between 1 and 10, was 11");
        assertThatThrownBy(() -> builder.readTimeout(Duration.ZERO)).hasMessage("readTimeout must be positive, was PT0S");
        assertThatThrownBy(() -> builder.connectTimeout(Duration.ofSeconds(-1)))
                .hasMessage("connectTimeout must be positive, was PT-1S");
        assertThatThrownBy(() -> builder.attemptTimeout(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder.accessKeyId(" ")).hasMessage("accessKeyId must not be blank");
    }

    @Test
    void toString_showsTheEndpointButNeverTheSecret() {
        try (R2ObjectReader reader = withCredentials().accountId(ACCOUNT).jurisdiction(Jurisdiction.EU).build()) {
            assertThat(reader.toString())
                    .contains("https://" + ACCOUNT + ".eu.r2.cloudflarestorage.com")
                    .contains("accessKeyId=key-id")
                    .contains("secretAccessKey=redacted")
                    .doesNotContain(SECRET);
        }
    }

    @Test
    void awsBasicCredentials_toString_isRedactedBySdk() {
        // The reader hands the revealed secret to this SDK type only; it must not print it either.
        assertThat(AwsBasicCredentials.create("key-id", SECRET).toString()).doesNotContain(SECRET);
    }

    @Test
    void open_whenTheSecretSupplierYieldsNothing_isAConfigurationProblem() throws IOException {
        try (R2ObjectReader reader = R2ObjectReader.builder().endpoint(closedPortEndpoint()).allowInsecureLoopbackForTesting(true)
                .accessKeyId("key-id").secretAccessKey(Secret.fromSupplier(() -> null)).maxAttempts(1).build()) {
            assertThatThrownBy(() -> reader.open("bucket", "key"))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("the secret supplier (supplier) returned no value");
        }
    }

    @Test
    void open_validatesItsArguments() {
        try (R2ObjectReader reader = withCredentials().accountId(ACCOUNT).build()) {
            assertThatThrownBy(() -> reader.open("", "key")).hasMessage("bucket must not be empty");
            assertThatThrownBy(() -> reader.open("bucket", "")).hasMessage("key must not be empty");
            assertThatThrownBy(() -> reader.open(null, "key")).isInstanceOf(NullPointerException.class);
        }
    }

    @Test
    void open_afterClose_failsAndCloseIsIdempotent() {
        R2ObjectReader reader = withCredentials().accountId(ACCOUNT).build();
        reader.close();
        reader.close();
        assertThatThrownBy(() -> reader.open("bucket", "key"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("this R2ObjectReader is closed");
        assertThat(reader.toString()).endsWith(", closed]");
    }

    /** An endpoint nothing listens on. */
    static URI closedPortEndpoint() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
    }
}
