package ai.rootkey.connector;

/**
 * A snapshot of the connector's counters since it started. Every received delivery ends in exactly one of
 * anchored, skipped, retried, exhausted, terminal or released, or is still in flight.
 *
 * @param received      deliveries received from the source
 * @param anchored      uploads accepted by the API
 * @param skipped       acked without upload (action, filter, duplicate)
 * @param retried       handed back after a transient failure
 * @param exhausted     transient failures on the last attempt (the queue dead-letters them)
 * @param terminal      permanent failures, acked and logged
 * @param released      handed back unfinished (shutdown, pause)
 * @param inFlight      received and not yet settled with the source
 * @param bytesAnchored content bytes accepted by the API
 */
public record ConnectorStats(long received, long anchored, long skipped, long retried, long exhausted,
                             long terminal, long released, long inFlight, long bytesAnchored) {
}
