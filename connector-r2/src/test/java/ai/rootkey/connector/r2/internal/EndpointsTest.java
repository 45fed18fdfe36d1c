package ai.rootkey.connector.r2.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EndpointsTest {

    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:8080", "http://LOCALHOST", "http://127.0.0.1:9000/x", "http://127.1.2.3",
            "http://127.255.255.255", "http://[::1]:8080", "http://[0:0:0:0:0:0:0:1]", "https://localhost."})
    void isLoopback_forLoopbackLiterals(String uri) {
        assertThat(Endpoints.isLoopback(URI.create(uri))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://example.com", "http://localhost.example.com", "http://127.0.0.1.nip.io",
            "http://128.0.0.1", "http://10.0.0.1", "http://127.0.0.256", "http://[::2]", "http://0.0.0.0", "http://[fe80::1]",
            "file:/tmp/x", "mailto:a@b"})
    void isLoopback_falseForEverythingElse(String uri) {
        assertThat(Endpoints.isLoopback(URI.create(uri))).isFalse();
    }

    @Test
    void https_isAlwaysAccepted() {
        URI uri = URI.create("https://api.example.com/v1");
        assertThat(Endpoints.requireHttpsOrLoopback(uri, false, "X_URL")).isSameAs(uri);
    }

    @Test
    void httpToLoopback_needsTheSwitch() {
        URI uri = URI.create("http://127.0.0.1:8080");
        assertThat(Endpoints.requireHttpsOrLoopback(uri, true, "X_URL")).isSameAs(uri);
        assertThatThrownBy(() -> Endpoints.requireHttpsOrLoopback(uri, false, "X_URL"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("X_URL must be https (got http://127.0.0.1:8080); set ROOTKEY_ALLOW_INSECURE_LOOPBACK=true "
                        + "(allowInsecureLoopback(true) in code) only for a local stand-in on 127.0.0.1");
    }

    @Test
    void httpElsewhere_isRejectedEvenWithTheSwitch() {
        assertThatThrownBy(() -> Endpoints.requireHttpsOrLoopback(URI.create("http://example.com"), true, "X_URL"))
                .hasMessage("X_URL must be https (got http://example.com); plain http is only allowed to a loopback "
                        + "host (localhost, 127.0.0.1, ::1) with ROOTKEY_ALLOW_INSECURE_LOOPBACK=true");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://example.com", "example.com", "/relative", "https:opaque", "https:///nohost"})
    void nonHttpOrRelative_isRejected(String uri) {
        assertThatThrownBy(() -> Endpoints.requireHttpsOrLoopback(URI.create(uri), true, "X_URL"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("X_URL must be an absolute http(s) URL with a host (got ");
    }

    @Test
    void message_neverShowsUserInfoOrQuery() {
        assertThatThrownBy(() -> Endpoints.requireHttpsOrLoopback(
                URI.create("http://user:hunter2@example.com/p?token=abc"), true, "X_URL"))
                .hasMessageNotContaining("hunter2")
                .hasMessageNotContaining("token=abc")
                .hasMessageContaining("http://example.com/p");
    }
}
