package ai.rootkey.connector.spring.internal;

import ai.rootkey.connector.r2.R2ConnectorConfig;
import ai.rootkey.connector.spring.RootkeyConnectorProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ByteArrayResource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's complete application.yml binds, and with the variables set it passes validation: the docs stay true. */
class ReadmeApplicationYmlTest {

    private static String readmeYaml() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int section = readme.indexOf("## Spring Boot");
        int start = readme.indexOf("```yaml\n", section) + "```yaml\n".length();
        return readme.substring(start, readme.indexOf("```", start));
    }

    @Test
    void bindsAndValidates_withTheEnvironmentVariablesSet() throws IOException {
        StandardEnvironment environment = new StandardEnvironment();
        List<PropertySource<?>> yaml = new YamlPropertySourceLoader().load("README application.yml",
                new ByteArrayResource(readmeYaml().getBytes(StandardCharsets.UTF_8)));
        yaml.forEach(environment.getPropertySources()::addLast);
        environment.getPropertySources().addFirst(new MapPropertySource("deployment", Map.of(
                "CLOUDFLARE_ACCOUNT_ID", "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
                "CLOUDFLARE_API_TOKEN", "cf-token",
                "R2_QUEUE_ID", "0123456789abcdef0123456789abcdef",
                "R2_BUCKET", "acme-documents",
                "R2_ACCESS_KEY_ID", "AKIAEXAMPLE",
                "R2_SECRET_ACCESS_KEY", "r2-secret",
                "ROOTKEY_API_KEY", "rk-key")));

        RootkeyConnectorProperties properties = Binder.get(environment)
                .bind(RootkeyConnectorProperties.PREFIX, RootkeyConnectorProperties.class).get();
        R2ConnectorConfig config = ConnectorAssembly.validate(properties);

        assertThat(config.bucket()).isEqualTo("acme-documents");
        assertThat(config.prefix()).contains("invoices/");
        assertThat(config.maxFileSizeBytes()).isEqualTo(R2ConnectorConfig.DEFAULT_MAX_FILE_SIZE_BYTES);
        assertThat(config.rootkeyApiUrl()).isEqualTo(R2ConnectorConfig.DEFAULT_ROOTKEY_API_URL);
        assertThat(config.apiBaseUrl()).isEqualTo(R2ConnectorConfig.DEFAULT_API_BASE_URL);
        assertThat(config.jurisdiction()).isEmpty();
        assertThat(config.r2Endpoint()).isEmpty();
        assertThat(properties.getR2().getVisibilityTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(properties.getEngine().getRetry().getMaxRetries()).isEqualTo(5);
        assertThat(environment.getProperty("spring.lifecycle.timeout-per-shutdown-phase")).isEqualTo("45s");
    }
}
