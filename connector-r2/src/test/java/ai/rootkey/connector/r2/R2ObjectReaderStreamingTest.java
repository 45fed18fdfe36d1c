package ai.rootkey.connector.r2;

import ai.rootkey.connector.StoredObject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** How the reader's connections behave in time, against a raw loopback server that stalls or answers late. */
class R2ObjectReaderStreamingTest {
    private static final int MIB = 1024 * 1024;
    private static final Duration PROMPTLY = Duration.ofSeconds(5);

    private static R2ObjectReader.Builder readerFor(URI endpoint) {
        return R2ObjectReader.builder().endpoint(endpoint).allowInsecureLoopbackForTesting(true)
                .accessKeyId("key-id").secretAccessKey(Secret.of("secret")).maxAttempts(1);
    }

    /** Announces 64 MiB, sends 64 KiB, then sends nothing more. */
    private static void stallAfter64KiB(java.io.OutputStream out) throws IOException {
        out.write(ScriptedHttpServer.head(64L * MIB));
        out.write(new byte[64 * 1024]);
        out.flush();
    }

    @Test
    void close_beforeTheEnd_abortsTheConnectionInsteadOfDrainingIt() throws Exception {
        try (ScriptedHttpServer server = new ScriptedHttpServer(R2ObjectReaderStreamingTest::stallAfter64KiB);
             R2ObjectReader reader = readerFor(server.endpoint()).readTimeout(Duration.ofSeconds(60)).build()) {
            StoredObject object = reader.open("bucket", "big.bin").orElseThrow();
            assertThat(object.metadata().size()).isEqualTo(64L * MIB);
            assertThat(object.body().readNBytes(1024)).hasSize(1024);

            // Draining would wait for 64 MiB that never come, until the 60 s read timeout.
            assertTimeoutPreemptively(PROMPTLY, object::close);

            assertThat(server.peerClosed()).succeedsWithin(PROMPTLY);
        }
    }

    @Test
    void read_ofAStalledBody_failsAfterTheReadTimeout() throws Exception {
        try (ScriptedHttpServer server = new ScriptedHttpServer(R2ObjectReaderStreamingTest::stallAfter64KiB);
             R2ObjectReader reader = readerFor(server.endpoint()).readTimeout(Duration.ofMillis(300)).build()) {
            StoredObject object = reader.open("bucket", "big.bin").orElseThrow();
            try (InputStream body = object.body()) {
                assertTimeoutPreemptively(PROMPTLY, () ->
                        assertThatThrownBy(body::readAllBytes).isInstanceOf(SocketTimeoutException.class));
            }
        }
    }

    @Test
    void open_withoutAnAnswer_timesOutAsSocketTimeout() throws Exception {
        try (ScriptedHttpServer server = new ScriptedHttpServer(out -> { /* never answers */ });
             R2ObjectReader reader = readerFor(server.endpoint()).attemptTimeout(Duration.ofMillis(300)).build()) {
            assertTimeoutPreemptively(PROMPTLY, () ->
                    assertThatThrownBy(() -> reader.open("bucket", "key"))
                            .isInstanceOf(SocketTimeoutException.class)
                            .hasMessageContaining("no answer from the store at " + server.endpoint())
                            .hasCauseInstanceOf(ApiCallAttemptTimeoutException.class));
        }
    }

    @Test
    void attemptTimeout_doesNotLimitStreamingTheBody() throws Exception {
        byte[] content = new byte[256 * 1024];
        Arrays.fill(content, (byte) 7);
        Duration attemptTimeout = Duration.ofMillis(500);
        ScriptedHttpServer.Script lateSecondHalf = out -> {
            out.write(ScriptedHttpServer.head(content.length));
            out.write(content, 0, content.length / 2);
            out.flush();
            Thread.sleep(attemptTimeout.multipliedBy(4).toMillis()); // the server's latency, not a wait for a result
            out.write(content, content.length / 2, content.length / 2);
        };
        try (ScriptedHttpServer server = new ScriptedHttpServer(lateSecondHalf);
             R2ObjectReader reader = readerFor(server.endpoint()).attemptTimeout(attemptTimeout).build()) {
            warmUp(server.endpoint()); // the JVM's first request loads classes for longer than the attempt timeout
            try (StoredObject object = reader.open("bucket", "slow.bin").orElseThrow()) {
                assertThat(object.body().readAllBytes()).isEqualTo(content);
                assertThat(object.metadata().eTag()).contains("0123456789abcdef0123456789abcdef");
                assertThat(object.metadata().contentType()).contains("application/octet-stream");
                assertThat(object.metadata().lastModified()).isPresent();
            }
        }
    }

    private static void warmUp(URI endpoint) throws IOException {
        try (R2ObjectReader reader = readerFor(endpoint).build()) {
            reader.open("bucket", "warm-up").orElseThrow().close();
        }
    }
}
