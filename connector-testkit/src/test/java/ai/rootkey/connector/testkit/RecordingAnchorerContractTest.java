package ai.rootkey.connector.testkit;

import ai.rootkey.connector.Anchorer;

import java.util.Optional;

/** The Anchorer contract against {@link RecordingAnchorer}. */
class RecordingAnchorerContractTest extends AnchorerContract {
    private final RecordingAnchorer anchorer = RecordingAnchorer.create();

    @Override
    protected Anchorer anchorer() {
        return anchorer;
    }

    @Override
    protected Optional<Received> lastReceived(String key) {
        return anchorer.lastUpload(key).map(u -> new Received(u.source().bucket(), u.key(), u.source().eTag(),
                u.size(), u.sha256()));
    }
}
