package ai.rootkey.connector;

import java.io.IOException;
import java.util.Optional;

/**
 * Reads objects from the bucket the events talk about. Implementations are thread-safe: the engine opens
 * up to {@code concurrency} objects at once.
 */
public interface ObjectReader extends AutoCloseable {

    /**
     * Opens an object for streaming. An object that does not exist (any more) is {@link Optional#empty()},
     * a distinct and permanent outcome, not an exception. The content must be streamed, never buffered whole.
     *
     * @throws IOException        the store could not be reached or the read failed midway (transient)
     * @throws ConnectorException a {@link DependencyException} carrying the store's status and error code, or a
     *                            {@link ConfigurationException} for refused credentials or a missing bucket
     */
    Optional<StoredObject> open(String bucket, String key) throws IOException;

    /**
     * Checks, without reading any object, that {@code bucket} is reachable with the configured credentials.
     * The engine calls it while paused for a configuration failure of the reader; returning normally resumes
     * it. The default does nothing, in which case one delivery is the probe.
     */
    default void probe(String bucket) throws IOException {
    }

    /** Releases what the reader built. The default does nothing. Never throws. */
    @Override
    default void close() {
    }
}
