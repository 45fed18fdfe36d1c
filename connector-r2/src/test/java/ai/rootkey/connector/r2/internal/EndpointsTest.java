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
    @ValueSource(strings = {"localhost", "LOCALHOST", "localhost.", "127.0.0.1", "127.1.2.3", "127.255.255.255",
            "[::1]", "[0:0:0:0:0:0:0:1]", "::1"})
    void loopbackHosts_areRecognised(String host) {
        assertThat(Endpoints.isLoopback(host)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "example.com", "localhost.example.com", "127.0.0.1.nip.io", "128.0.0.1",
            "127.0.0.256", "127.1", "0x7f000001", "0.0.0.0", "10.0.0.1", "[::2]", "[::]", "[fe80::1]", "[zz::1]",
            "[::ffff:10.0.0.1]", "my-localhost"})
    void otherHosts_areNotLoopback_andNeverResolved(String host) {
        assertThat(Endpoints.isLoopback(host)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:8080", "http://127.0.0.1:9000/x", "http://[::1]:8080", "https://localhost."})
    void isLoopback_ofUris(String uri) {
        assertThat(Endpoints.isLoopback(URI.create(uri))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://example.com", "file:/tmp/x", "mailto:a@b"})
    void isLoopback_falseForOtherUris(String uri) {
        assertThat(Endpoints.isLoopback(URI.create(uri))).isFalse();
    }

    @Test
    void https_isAccepted_andTrailingSlashesTrimmed() {
        URI plain = URI.create("https://api.example.com/v1");
        assertThat(Endpoints.requireHttpsOrLoopback(plain, false, "X_URL")).isSameAs(plain);
        assertThat(Endpoints.requireHttpsOrLoopback(URI.create("https://api.cloudflare.com/client/v4/"), false, "x"))
                .isEqualTo(URI.create("https://api.cloudflare.com/client/v4"));
        assertThat(Endpoints.requireHttpsOrLoopback(URI.create("HTTPS://proxy.example.com"), false, "x"))
                .isEqualTo(URI.create("HTTPS://proxy.example.com"));
    }

    @Test
    void httpToLoopback_needsTheSwitch() {
        URI uri = URI.create("http://127.0.0.1:8080");
        assertThat(Endpoints.requireHttpsOrLoopback(uri, true, "X_URL")).isSameAs(uri);
        assertThatThrownBy(() -> Endpoints.requireHttpsOrLoopback(uri, false, "X_URL"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("X_URL must be https (got http://127.0.0.1:8080); set ROOTKEY_ALLOW_INSECURE_LOOPBACK=true "
                        + "(allowInsecureLoopbackForTesting(true) in code) only for a local stand-in on 127.0.0.1");
    }

    @Test
    void httpElsewhere_isRejectedEvenWithTheSwitch() {
        assertThatThrownBy(() -> Endpoints.requireHttpsOrLoopback(URI.create("http://example.com"), true, "X_URL"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("X_URL must be https (got http://example.com); plain http is only allowed to a loopback "
                        + "host (localhost, 127.0.0.1, ::1) with ROOTKEY_ALLOW_INSECURE_LOOPBACK=true");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://example.com", "example.com", "/relative", "https:opaque", "https:///nohost"})
    void nonHttpOrRelative_isRejected(String uri) {
        assertThatThrownBy(() -> Endpoints.requireHttpsOrLoopback(URI.create(uri), true, "X_URL"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("X_URL must be an absolute https URL with a host (got ");
    }

    @Test
    void queriesAndUserInfo_areRefused_withoutShowingThem() {
        assertThatThrownBy(() -> Endpoints.requireHttpsOrLoopback(URI.create("https://example.com/p?token=abc"), true, "u"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("query")
                .hasMessageNotContaining("token=abc").hasMessageContaining("https://example.com/p");
        assertThatThrownBy(() -> Endpoints.requireHttpsOrLoopback(
                URI.create("http://user:hunter2@example.com/p?token=abc"), true, "u"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("user info")
                .hasMessageNotContaining("hunter2").hasMessageNotContaining("token=abc");
    }

    @Test
    void pathSegment_encodesEverythingButUnreserved() {
        assertThat(Endpoints.pathSegment("0a1B-._~")).isEqualTo("0a1B-._~");
        assertThat(Endpoints.pathSegment("a b/c?d#e%")).isEqualTo("a%20b%2Fc%3Fd%23e%25");
        assertThat(Endpoints.pathSegment("ü")).isEqualTo("%C3%BC");
    }
}
