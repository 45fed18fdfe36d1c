package ai.rootkey.connector;

import java.io.IOException;

/**
 * Uploads one object to the anchoring API. Implementations are thread-safe: the engine uploads up to
 * {@code concurrency} objects at once.
 */
public interface Anchorer extends AutoCloseable {

    /**
     * Streams {@code request.body()} to the API and returns its answer. A non-2xx answer is a receipt, not an
     * exception; the engine classifies it. The body must be streamed with its exact length, never buffered.
     *
     * @throws IOException the API could not be reached, or the connection failed or timed out midway
     */
    Receipt anchor(AnchorRequest request) throws IOException;

    /**
     * Checks, without uploading, that the API accepts the configured credentials. The engine calls it while
     * paused for a configuration failure of the anchorer; returning normally resumes it. The default does
     * nothing, in which case one delivery is the probe.
     */
    default void probe() throws IOException {
    }

    /** Releases what the anchorer built. The default does nothing. Never throws. */
    @Override
    default void close() {
    }
}
