package ai.rootkey.connector.r2.internal;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class SecureEndpointsTest {

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "LOCALHOST", "127.0.0.1", "127.255.0.9", "[::1]", "::1",
            "[0:0:0:0:0:0:0:1]"})
    void loopbackHosts(String host) {
        assertThat(SecureEndpoints.isLoopbackHost(host)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "localhost.example.com", "127.0.0.1.nip.io", "128.0.0.1", "10.0.0.1",
            "127.1", "127.0.0.256", "0x7f000001", "[::2]", "[zz::1]", "", "[::ffff:10.0.0.1]"})
    void otherHosts_areNotLoopback(String host) {
        assertThat(SecureEndpoints.isLoopbackHost(host)).isFalse();
    }
}
