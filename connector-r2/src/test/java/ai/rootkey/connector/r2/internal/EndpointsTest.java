package ai.rootkey.connector.r2.internal;

import ai.rootkey.connector.ConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EndpointsTest {

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "127.255.255.255", "[::1]",
            "[0:0:0:0:0:0:0:1]", "::1"})
    void loopbackHosts_areRecognised(String host) {
        assertThat(Endpoints.isLoopback(host)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "example.com", "localhost.example.com", "127.0.0.1.nip.io", "128.0.0.1",
            "127.0.0.256", "127.1", "0.0.0.0", "10.0.0.1", "[::2]", "[::]", "[fe80::1]", "my-localhost"})
    void otherHosts_areNotLoopback(String host) {
        assertThat(Endpoints.isLoopback(host)).isFalse();
    }

    @Test
    void https_isAccepted_andTrailingSlashesTrimmed() {
        assertThat(Endpoints.requireHttpsOrLoopback(URI.create("https://api.cloudflare.com/client/v4/"), false, "x"))
                .isEqualTo(URI.create("https://api.cloudflare.com/client/v4"));
        assertThat(Endpoints.requireHttpsOrLoopback(URI.create("HTTPS://proxy.example.com"), false, "x"))
                .isEqualTo(URI.create("HTTPS://proxy.example.com"));
    }

    @Test
    void plainHttpToLoopback_needsTheSwitch() {
        URI local = URI.create("http://127.0.0.1:8787/client/v4");

        assertThatThrownBy(() -> Endpoints.requireHttpsOrLoopback(local, false, "CLOUDFLARE_API_BASE_URL"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CLOUDFLARE_API_BASE_URL")
                .hasMessageContaining("ROOTKEY_ALLOW_INSECURE_LOOPBACK=true");
        assertThat(Endpoints.requireHttpsOrLoopback(local, true, "CLOUDFLARE_API_BASE_URL")).isEqualTo(local);
    }

    @Test
    void plainHttpToAnyOtherHost_isRefusedEvenWithTheSwitch() {
        assertThatThrownBy(() -> Endpoints.requireHttpsOrLoopback(URI.create("http://10.0.0.5/x"), true, "baseUrl"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("baseUrl must use https");
    }

    @Test
    void otherSchemesRelativeUrlsQueriesAndUserInfo_areRefused() {
        assertThatThrownBy(() -> Endpoints.requireHttpsOrLoopback(URI.create("ftp://example.com"), true, "u"))
                .isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> Endpoints.requireHttpsOrLoopback(URI.create("/client/v4"), true, "u"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("absolute");
        assertThatThrownBy(() -> Endpoints.requireHttpsOrLoopback(URI.create("https://example.com/?a=b"), true, "u"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("query");
        assertThatThrownBy(() -> Endpoints.requireHttpsOrLoopback(URI.create("https://user:hunter2@example.com/"), true, "u"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("user info")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void pathSegment_encodesEverythingButUnreserved() {
        assertThat(Endpoints.pathSegment("0a1B-._~")).isEqualTo("0a1B-._~");
        assertThat(Endpoints.pathSegment("a b/c?d#e%")).isEqualTo("a%20b%2Fc%3Fd%23e%25");
        assertThat(Endpoints.pathSegment("ü")).isEqualTo("%C3%BC");
    }
}
