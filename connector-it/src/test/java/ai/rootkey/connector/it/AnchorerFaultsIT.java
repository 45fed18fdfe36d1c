package ai.rootkey.connector.it;

import ai.rootkey.connector.local.GeneratedContent;
import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.SourceRef;
import ai.rootkey.connector.r2.RootkeyAnchorer;
import ai.rootkey.connector.r2.Secret;
import ai.rootkey.connector.testkit.FakeRootkeyApi;
import ai.rootkey.connector.testkit.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static ai.rootkey.connector.it.AnchorerRoundTripIT.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How the fake's faults surface through RootkeyAnchorer: as receipts when answered, exceptions when not. */
class AnchorerFaultsIT {
    private static final String API_KEY = "it-key";
    private static final SourceRef SOURCE = new SourceRef("bucket-a", "docs/a.pdf", Optional.of("etag-1"));

    private FakeRootkeyApi api;

    @BeforeEach
    void start() {
        api = FakeRootkeyApi.builder().apiKey(API_KEY).seed(11).build().start();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void tooManyRequests_retryAfterReachesTheReceipt() throws Exception {
        api.failNext(1, Fault.status(429, Duration.ofSeconds(2)));
        try (RootkeyAnchorer anchorer = anchorer(Duration.ofSeconds(10))) {
            Receipt receipt = anchorer.anchor(request(SOURCE, new byte[100]));
            assertThat(receipt.status()).isEqualTo(429);
            assertThat(receipt.retryAfter()).contains(Duration.ofSeconds(2));
            assertThat(receipt.serverReply()).contains("injected_fault");
            assertThat(anchorer.anchor(request(SOURCE, new byte[100])).status()).isEqualTo(201);
        }
    }

    @Test
    void reset_surfacesAsIOException_andTheNextUploadWorks() throws Exception {
        api.failNext(1, Fault.resetMidBody());
        try (RootkeyAnchorer anchorer = anchorer(Duration.ofSeconds(10))) {
            assertThatThrownBy(() -> anchorer.anchor(request(SOURCE, new byte[2 * 1024 * 1024])))
                    .isInstanceOf(IOException.class);
            assertThat(anchorer.anchor(request(SOURCE, new byte[10])).status()).isEqualTo(201);
        }
        assertThat(api.injectedFaults()).containsExactly(Fault.resetMidBody());
    }

    @Test
    void latencyBeyondTheIdleTimeout_isATimeout_andTheRetryIsADuplicate() throws Exception {
        api.failNext(1, Fault.latency(Duration.ofSeconds(10)));
        try (RootkeyAnchorer anchorer = anchorer(Duration.ofMillis(400))) {
            assertThatThrownBy(() -> anchorer.anchor(request(SOURCE, new byte[100])))
                    .isInstanceOf(SocketTimeoutException.class)
                    .hasMessage("no response to the upload from the ROOTKey API within PT0.4S (idle timeout)");
            assertThat(api.awaitFiles(1, Duration.ofSeconds(5))).hasSize(1);
            assertThat(anchorer.anchor(request(SOURCE, new byte[100])).status()).isEqualTo(200);
        }
    }

    @Test
    void serverThatStopsReadingTheBody_isAnIdleTimeout() {
        api.failNext(1, Fault.stallBody(Duration.ofSeconds(30)));
        long size = 64L * 1024 * 1024; // more than the socket buffers can absorb
        try (RootkeyAnchorer anchorer = anchorer(Duration.ofMillis(500))) {
            assertThatThrownBy(() -> anchorer.anchor(new AnchorRequest(SOURCE, size,
                    Optional.empty(), new GeneratedContent(size, 1))))
                    .isInstanceOf(SocketTimeoutException.class)
                    .hasMessageContaining("took no upload bytes");
        }
        assertThat(api.files()).isEmpty();
    }

    @Test
    void revokedKey_failsTheProbe_untilAcceptedAgain() throws Exception {
        try (RootkeyAnchorer anchorer = anchorer(Duration.ofSeconds(10))) {
            anchorer.probe();
            api.refuseCredentials();
            assertThatThrownBy(anchorer::probe)
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessage("the ROOTKey API rejects the API key (401): check ROOTKEY_API_KEY");
            assertThat(anchorer.anchor(request(SOURCE, new byte[1])).status()).isEqualTo(401);
            api.acceptCredentials();
            anchorer.probe();
            assertThat(anchorer.anchor(request(SOURCE, new byte[1])).status()).isEqualTo(201);
        }
    }

    @Test
    void randomFaults_eachShowUpAsAReceiptOrAnException() throws Exception {
        api.faultRate(0.4, Fault.status(503), Fault.status(429, Duration.ofSeconds(1)), Fault.resetMidBody());
        List<Object> outcomes = new ArrayList<>();
        try (RootkeyAnchorer anchorer = anchorer(Duration.ofSeconds(10))) {
            for (int i = 0; i < 40; i++) {
                SourceRef source = new SourceRef("b", "k/" + i, Optional.empty());
                try {
                    outcomes.add(anchorer.anchor(request(source, new byte[200_000])).status());
                } catch (IOException e) {
                    outcomes.add("io");
                }
            }
        }
        List<Object> expected = new ArrayList<>();
        List<Fault> faults = api.injectedFaults();
        long failures = outcomes.stream().filter(o -> !Integer.valueOf(201).equals(o)).count();
        assertThat(failures).as("seed %d, outcomes %s, faults %s", api.seed(), outcomes, faults)
                .isEqualTo(faults.size());
        for (Fault fault : faults) {
            expected.add(fault.equals(Fault.resetMidBody()) ? "io"
                    : fault.equals(Fault.status(503)) ? (Object) 503 : (Object) 429);
        }
        assertThat(outcomes.stream().filter(o -> !Integer.valueOf(201).equals(o)).toList())
                .as("seed %d", api.seed()).isEqualTo(expected);
        assertThat(api.files()).hasSize(40 - faults.size());
    }

    private RootkeyAnchorer anchorer(Duration idleTimeout) {
        return RootkeyAnchorer.builder().apiKey(Secret.of(API_KEY)).apiUrl(api.baseUrl())
                .allowInsecureLoopbackForTesting(true).idleTimeout(idleTimeout).build();
    }
}
