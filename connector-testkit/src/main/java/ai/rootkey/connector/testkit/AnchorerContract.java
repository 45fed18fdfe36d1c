package ai.rootkey.connector.testkit;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Anchorer;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.SourceRef;
import ai.rootkey.connector.testkit.internal.Digests;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link Anchorer} must do, as a JUnit 5 test class to extend. The test kit runs it against
 * {@link RecordingAnchorer}; the integration tests run it against {@code RootkeyAnchorer} on the loopback fake
 * API.
 */
public abstract class AnchorerContract {

    /** What the receiving side recorded for one upload. */
    public record Received(String bucket, String key, Optional<String> eTag, long size, String sha256) {
    }

    /** The anchorer under test. Called once per test; return the same instance. */
    protected abstract Anchorer anchorer();

    /** The last upload the receiving side accepted for {@code key}. */
    protected abstract Optional<Received> lastReceived(String key);

    private static AnchorRequest request(String key, String eTag, byte[] content) {
        return new AnchorRequest(new SourceRef("contract-bucket", key, Optional.ofNullable(eTag)), content.length,
                Optional.of("application/pdf"), new ByteArrayInputStream(content));
    }

    private void assertAnchored(String key, String eTag, byte[] content) throws IOException {
        Receipt receipt = anchorer().anchor(request(key, eTag, content));
        String sha = Digests.sha256Hex(content);
        assertThat(receipt.isSuccess()).as("status %s: %s", receipt.status(), receipt.serverReply()).isTrue();
        assertThat(receipt.bytesSent()).isEqualTo(content.length);
        assertThat(receipt.sha256()).isEqualTo(sha);
        Received received = lastReceived(key).orElseThrow(() -> new AssertionError("nothing received for " + key));
        assertThat(received.bucket()).isEqualTo("contract-bucket");
        assertThat(received.key()).isEqualTo(key);
        assertThat(received.eTag()).isEqualTo(Optional.ofNullable(eTag));
        assertThat(received.size()).isEqualTo(content.length);
        assertThat(received.sha256()).isEqualTo(sha);
    }

    @Test
    public void anchor_sendsExactBytesAndIdempotencyKey() throws Exception {
        byte[] content = new byte[300_000];
        new Random(3).nextBytes(content);
        assertAnchored("contracts/msa.pdf", "9b2cf535f27731c974343645a3985328", content);
    }

    @Test
    public void anchor_emptyObject() throws Exception {
        assertAnchored("contracts/empty.pdf", "d41d8cd98f00b204e9800998ecf8427e", new byte[0]);
    }

    @Test
    public void anchor_withoutETag() throws Exception {
        assertAnchored("contracts/no-etag.pdf", null, "abc".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    public void anchor_quotedETag_isSentWithoutQuotes() throws Exception {
        byte[] content = "quoted".getBytes(StandardCharsets.UTF_8);
        anchorer().anchor(request("contracts/quoted.pdf", "\"abc123\"", content));
        assertThat(lastReceived("contracts/quoted.pdf").orElseThrow().eTag()).hasValue("abc123");
    }

    @Test
    public void anchor_hostileKeys_arriveExact() throws Exception {
        String[] keys = {
            "relatórios/Q3 résumé + notes%20v2 日本.pdf",
            "line\r\nbreak/x-injected: 1.pdf",
            "tab\tand\u0000nul.pdf",
            "rtl/\u202Egnp.exe",
            "quote\"and\\backslash.pdf",
        };
        for (int i = 0; i < keys.length; i++) {
            assertAnchored(keys[i], "e" + i, ("body " + i).getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    public void anchor_sameIdempotencyKeyTwice_succeedsBothTimes() throws Exception {
        byte[] content = "again".getBytes(StandardCharsets.UTF_8);
        assertAnchored("contracts/twice.pdf", "etag-twice", content);
        assertAnchored("contracts/twice.pdf", "etag-twice", content);
    }

    @Test
    public void anchor_streamShorterThanAnnouncedSize_fails() {
        byte[] content = "short".getBytes(StandardCharsets.UTF_8);
        AnchorRequest lying = new AnchorRequest(new SourceRef("contract-bucket", "contracts/short.pdf",
                Optional.of("e")), content.length + 10, Optional.empty(), new ByteArrayInputStream(content));
        assertThatThrownBy(() -> {
            Receipt receipt = anchorer().anchor(lying);
            if (!receipt.isSuccess()) {
                throw new IOException("rejected with " + receipt.status());
            }
        }).isInstanceOf(IOException.class);
        assertThat(lastReceived("contracts/short.pdf")).isEmpty();
    }
}
