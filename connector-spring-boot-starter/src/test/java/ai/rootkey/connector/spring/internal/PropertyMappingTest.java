package ai.rootkey.connector.spring.internal;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.RetryPolicy;
import ai.rootkey.connector.r2.R2ConnectorConfig;
import ai.rootkey.connector.spring.RootkeyConnectorProperties;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class PropertyMappingTest {

    /** The variables of the README's configuration table, the list users read. */
    private static Set<String> readmeVariables() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("## Configuration");
        int end = readme.indexOf("Engine options", start);
        Matcher m = Pattern.compile("(?m)^\\| `([A-Z0-9_]+)` \\|").matcher(readme.substring(start, end));
        Set<String> variables = new LinkedHashSet<>();
        while (m.find()) {
            variables.add(m.group(1));
        }
        return variables;
    }

    @Test
    void everyVariableOfTheReadmeTable_hasExactlyOneProperty() throws IOException {
        Set<String> readme = readmeVariables();
        assertThat(readme).hasSizeGreaterThanOrEqualTo(15);
        assertThat(PropertyMapping.SETTINGS).extracting(PropertyMapping.Setting::variable)
                .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(readme);
        assertThat(PropertyMapping.SETTINGS).extracting(PropertyMapping.Setting::property).doesNotHaveDuplicates();
    }

    @Test
    void theSecretsAreTheReadmesSecrets() throws IOException {
        assertThat(PropertyMapping.SETTINGS).filteredOn(PropertyMapping.Setting::secret)
                .extracting(PropertyMapping.Setting::variable)
                .containsExactlyInAnyOrder("CLOUDFLARE_API_TOKEN", "R2_SECRET_ACCESS_KEY", "R2_SESSION_TOKEN", "ROOTKEY_API_KEY");
    }

    @Test
    void messages_nameProperties_notVariables() {
        assertThat(PropertyMapping.toPropertyNames("R2_JURISDICTION and R2_ENDPOINT are both set: R2_ENDPOINT "
                + "replaces it; set ROOTKEY_ALLOW_INSECURE_LOOPBACK=true"))
                .isEqualTo("rootkey.connector.r2.jurisdiction and rootkey.connector.r2.endpoint are both set: "
                        + "rootkey.connector.r2.endpoint replaces it; set "
                        + "rootkey.connector.allow-insecure-loopback=true");
        assertThat(PropertyMapping.toPropertyNames("SOME_OTHER_NAME stays")).isEqualTo("SOME_OTHER_NAME stays");
    }

    @Test
    void secretKeys_inEveryRelaxedForm() {
        assertThat(List.of("rootkey.connector.api-key", "rootkey.connector.apiKey", "ROOTKEY_CONNECTOR_APIKEY",
                "rootkey.connector.cloudflare.api-token", "rootkey.connector.cloudflare.apiToken",
                "ROOTKEY_CONNECTOR_CLOUDFLARE_APITOKEN", "rootkey.connector.r2.secret-access-key",
                "rootkey.connector.r2.secretAccessKey", "ROOTKEY_CONNECTOR_R2_SECRETACCESSKEY",
                "ROOTKEY_API_KEY", "CLOUDFLARE_API_TOKEN", "R2_SECRET_ACCESS_KEY", "rootkey_api_key"))
                .allSatisfy(key -> assertThat(PropertyMapping.isSecretKey(key)).as(key).isTrue());
        assertThat(List.of("rootkey.connector.r2.bucket", "rootkey.connector.r2.access-key-id",
                "rootkey.connector.api-url", "R2_ACCESS_KEY_ID", "spring.application.name", "api.key.count"))
                .allSatisfy(key -> assertThat(PropertyMapping.isSecretKey(key)).as(key).isFalse());
        assertThat(PropertyMapping.isSecretKey(null)).isFalse();
    }

    @Test
    void propertyDefaults_areTheLibrarysDefaults() {
        RootkeyConnectorProperties p = new RootkeyConnectorProperties();
        RootkeyConnectorProperties.Engine e = p.getEngine();
        assertThat(p.isEnabled()).isTrue();
        assertThat(p.getMaxFileSize().toBytes()).isEqualTo(R2ConnectorConfig.DEFAULT_MAX_FILE_SIZE_BYTES);
        assertThat(p.isAllowInsecureLoopback()).isFalse();
        assertThat(p.getR2().getVisibilityTimeout()).as("unset: R2ConnectorConfig's default applies").isNull();
        assertThat(e.getConcurrency()).isEqualTo(Connector.DEFAULT_CONCURRENCY);
        assertThat(e.getBatchSize()).isEqualTo(Connector.DEFAULT_BATCH_SIZE);
        assertThat(e.getDrainTimeout()).isEqualTo(Connector.DEFAULT_DRAIN_TIMEOUT);
        assertThat(e.getProbeInterval()).isEqualTo(Connector.DEFAULT_PROBE_INTERVAL);
        assertThat(e.getIdleBackoff().getMin()).isEqualTo(Connector.DEFAULT_IDLE_BACKOFF_MIN);
        assertThat(e.getIdleBackoff().getMax()).isEqualTo(Connector.DEFAULT_IDLE_BACKOFF_MAX);
        assertThat(e.getSettle().getBatchSize()).isEqualTo(Connector.DEFAULT_SETTLE_BATCH_SIZE);
        assertThat(e.getSettle().getMaxDelay()).isEqualTo(Connector.DEFAULT_SETTLE_INTERVAL);
        assertThat(e.getRetry().getMaxRetries()).isEqualTo(RetryPolicy.DEFAULT_MAX_RETRIES);
        assertThat(e.getRetry().getInitialDelay()).isEqualTo(RetryPolicy.DEFAULT_INITIAL_DELAY);
        assertThat(e.getRetry().getMaxDelay()).isEqualTo(RetryPolicy.DEFAULT_MAX_DELAY);
        assertThat(e.getRetry().getMaxRetryAfter()).isEqualTo(RetryPolicy.DEFAULT_MAX_RETRY_AFTER);
        assertThat(e.isCheckBucket()).isTrue();
        assertThat(e.getRandomSeed()).isNull();
        assertThat(e.getName()).isNull();
    }

    @Test
    void asEnvironment_leavesUnsetPropertiesOut() {
        RootkeyConnectorProperties p = new RootkeyConnectorProperties();
        p.getR2().setBucket("acme-documents");
        assertThat(PropertyMapping.asEnvironment(p)).containsOnlyKeys("R2_BUCKET", "ROOTKEY_MAX_FILE_SIZE_BYTES",
                "ROOTKEY_ALLOW_INSECURE_LOOPBACK").containsEntry("ROOTKEY_MAX_FILE_SIZE_BYTES", "524288000");
    }
}
