package ai.rootkey.connector.spring.internal;

import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.core.env.MapPropertySource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SecretSanitizingFunctionTest {
    private final SecretSanitizingFunction function = new SecretSanitizingFunction();
    private final MapPropertySource source = new MapPropertySource("application.yml", Map.of());

    private Object apply(String key, Object value) {
        return function.apply(new SanitizableData(source, key, value)).getValue();
    }

    @Test
    void masksTheConnectorsSecrets_inAnyForm() {
        assertThat(apply("rootkey.connector.api-key", "rk-live-1")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(apply("rootkey.connector.cloudflare.apiToken", "t")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(apply("ROOTKEY_CONNECTOR_R2_SECRETACCESSKEY", "s")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(apply("R2_SECRET_ACCESS_KEY", "s")).isEqualTo(SanitizableData.SANITIZED_VALUE);
    }

    @Test
    void leavesEverythingElse() {
        assertThat(apply("rootkey.connector.r2.bucket", "acme-documents")).isEqualTo("acme-documents");
        assertThat(apply("server.port", 8080)).isEqualTo(8080);
    }
}
