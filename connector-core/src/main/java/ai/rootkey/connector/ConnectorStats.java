package ai.rootkey.connector;

/**
 * A snapshot of the connector's counters since it started. Every received delivery ends in exactly one of
 * anchored, skipped, retried, exhausted, terminal, released or requeued, or is still in flight.
 *
 * @param received      deliveries received from the source
 * @param anchored      uploads accepted by the API
 * @param skipped       acked without upload (action, filter, duplicate)
 * @param retried       handed back after a transient failure
 * @param exhausted     transient failures on the last attempt (the queue dead-letters them)
 * @param terminal      permanent failures, acked and logged
 * @param released      handed back unfinished for redelivery (shutdown, pause, lease too short)
 * @param requeued      handed back unfinished on the final attempt: published again as a new message and acked
 * @param releasedToDeadLetter of {@code released}, those on their final attempt that could not be requeued: the
 *                      queue dead-letters them ({@code rootkey.event.released_to_dlq})
 * @param leaseExpired  deliveries whose processing outlived their lease ({@code rootkey.event.lease_expired})
 * @param inFlight      received (or being received: a receive under way counts the messages it asked for) and not
 *                      yet decided
 * @param unsettled     decided, and the settlement not yet accepted by the source (waiting for a batch, or for a
 *                      failing source)
 * @param bytesAnchored content bytes accepted by the API
 */
public record ConnectorStats(long received, long anchored, long skipped, long retried, long exhausted,
                             long terminal, long released, long requeued, long releasedToDeadLetter,
                             long leaseExpired, long inFlight, long unsettled, long bytesAnchored) {

    /** Deliveries decided so far: every kind of outcome. */
    public long decided() {
        return anchored + skipped + retried + exhausted + terminal + released + requeued;
    }
}
