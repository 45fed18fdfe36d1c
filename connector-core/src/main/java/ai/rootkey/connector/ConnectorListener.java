package ai.rootkey.connector;

/**
 * Hears what the connector does. Every method has a no-op default. Methods run on the engine's threads, so
 * keep them fast and thread-safe; an exception thrown by a listener is logged and ignored.
 */
public interface ConnectorListener {

    /** One delivery was settled (or decided and queued for settling). */
    default void onOutcome(Outcome outcome) {
    }

    /** The connector's health changed, e.g. it paused because the API key is refused, or it recovered. */
    default void onHealthChanged(Health health) {
    }

    /** A receive returned; {@code batch} may be empty. Carries the queue's backlog when the source reports it. */
    default void onBatchReceived(Batch batch) {
    }
}
