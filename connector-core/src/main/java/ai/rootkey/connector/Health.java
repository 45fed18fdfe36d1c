package ai.rootkey.connector;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether the connector is doing its job, and if not, why.
 *
 * @param status      UP, DEGRADED or DOWN
 * @param reason      what is wrong and what to check, or {@code "running"}
 * @param since       when the connector entered this status
 * @param lastSuccess when a file was last anchored, if ever
 * @param backlog     the queue's backlog from the last receive, when reported
 */
public record Health(Status status, String reason, Instant since, Optional<Instant> lastSuccess,
                     Optional<Backlog> backlog) {

    /** Health states. */
    public enum Status {
        /** Working. */
        UP,
        /** Working, but a dependency is failing transiently (e.g. the queue pull has answered 503 for minutes). */
        DEGRADED,
        /** Not working: not started, closed, or paused because its configuration or credentials are refused. */
        DOWN
    }

    public Health {
        Objects.requireNonNull(status, "status");
        Values.requireText(reason, "reason");
        Objects.requireNonNull(since, "since");
        Values.requireOptional(lastSuccess, "lastSuccess");
        Values.requireOptional(backlog, "backlog");
    }
}
