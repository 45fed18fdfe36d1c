package ai.rootkey.connector.it;

import ai.rootkey.connector.local.GeneratedContent;
import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.SourceRef;
import ai.rootkey.connector.r2.RootkeyAnchorer;
import ai.rootkey.connector.r2.Secret;
import ai.rootkey.connector.testkit.FakeRootkeyApi;
import ai.rootkey.connector.testkit.ReceivedFile;
import org.junit.jupiter.api.Test;

import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** A 100 MiB generated stream goes through in bounded memory: nothing holds the whole object. */
class AnchorerBigBodyIT {
    private static final long SIZE = 100L * 1024 * 1024;

    @Test
    void hundredMiBStream_arrivesWithMatchingSizeAndSha256() throws Exception {
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        try (FakeRootkeyApi api = FakeRootkeyApi.builder().apiKey("k").maxRetainedBytes(0).build().start();
             RootkeyAnchorer anchorer = RootkeyAnchorer.builder().apiKey(Secret.of("k")).apiUrl(api.baseUrl())
                     .allowInsecureLoopbackForTesting(true).build();
             DigestInputStream body = new DigestInputStream(new GeneratedContent(SIZE, 99), expected)) {

            Receipt receipt = anchorer.anchor(new AnchorRequest(
                    new SourceRef("bucket-a", "big/hundred.bin", Optional.of("etag")), SIZE, Optional.empty(), body));

            String sha256 = HexFormat.of().formatHex(expected.digest());
            assertThat(receipt.status()).isEqualTo(201);
            assertThat(receipt.bytesSent()).isEqualTo(SIZE);
            assertThat(receipt.sha256()).isEqualTo(sha256);
            ReceivedFile file = api.awaitFiles(1, Duration.ofSeconds(30)).get(0);
            assertThat(file.size()).isEqualTo(SIZE);
            assertThat(file.sha256()).isEqualTo(sha256);
            assertThat(file.content()).isEmpty();
        }
    }
}
