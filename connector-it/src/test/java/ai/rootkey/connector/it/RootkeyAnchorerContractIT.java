package ai.rootkey.connector.it;

import ai.rootkey.connector.Anchorer;
import ai.rootkey.connector.r2.RootkeyAnchorer;
import ai.rootkey.connector.r2.Secret;
import ai.rootkey.connector.testkit.AnchorerContract;
import ai.rootkey.connector.testkit.FakeRootkeyApi;
import ai.rootkey.connector.testkit.ReceivedFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import java.util.List;
import java.util.Optional;

/** The Anchorer contract against the real ROOTKey anchorer, talking to the loopback fake API. */
class RootkeyAnchorerContractIT extends AnchorerContract {
    private static FakeRootkeyApi api;

    private final RootkeyAnchorer anchorer = RootkeyAnchorer.builder()
            .apiKey(Secret.of(api.apiKey()))
            .apiUrl(api.baseUrl())
            .allowInsecureLoopbackForTesting(true)
            .build();

    @BeforeAll
    static void startApi() {
        api = FakeRootkeyApi.builder().build().start();
    }

    @AfterAll
    static void stopApi() {
        api.close();
    }

    @AfterEach
    void reset() {
        anchorer.close();
        api.clear();
    }

    @Override
    protected Anchorer anchorer() {
        return anchorer;
    }

    @Override
    protected Optional<Received> lastReceived(String key) {
        List<ReceivedFile> files = api.files();
        for (int i = files.size() - 1; i >= 0; i--) {
            ReceivedFile f = files.get(i);
            if (f.key().equals(key)) {
                return Optional.of(new Received(f.bucket(), f.key(), f.eTag(), f.size(), f.sha256()));
            }
        }
        return Optional.empty();
    }
}
