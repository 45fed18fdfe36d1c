package ai.rootkey.connector;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Whether the connector is doing its job, and if not, why; with the queue lag it last saw.
 *
 * <p>Reasons read like {@code "the ROOTKey API rejects the API key (401): check ROOTKEY_API_KEY"} (DOWN),
 * {@code "R2 AccessDenied on bucket \"acme\" (HTTP 403): check ..."} (DOWN) or
 * {@code "queue pull failing: 503 for 2 min (14 consecutive failures)"} (DEGRADED).
 *
 * @param status      UP, DEGRADED or DOWN
 * @param reason      what is wrong and what to check, or {@code "running"}
 * @param since       when the connector entered this status
 * @param lastSuccess when a file was last anchored, if ever
 * @param backlog     the queue's backlog from the last receive, when reported
 * @param asOf        when this snapshot was taken (the connector's clock); lag is measured against it
 */
public record Health(Status status, String reason, Instant since, Optional<Instant> lastSuccess,
                     Optional<Backlog> backlog, Instant asOf) {

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
        Objects.requireNonNull(asOf, "asOf");
    }

    /** Messages waiting in the queue at the last receive (leased ones included), when the queue reported it. */
    public OptionalLong backlogMessages() {
        return backlog.map(b -> OptionalLong.of(b.messages())).orElse(OptionalLong.empty());
    }

    /**
     * How long the oldest waiting message had waited as of {@link #asOf()}, when the queue reported its publish
     * time (Cloudflare's {@code oldest_message_timestamp_ms}); never negative.
     */
    public Optional<Duration> oldestMessageAge() {
        return backlog.flatMap(Backlog::oldestMessageTime).map(t -> {
            Duration age = Duration.between(t, asOf);
            return age.isNegative() ? Duration.ZERO : age;
        });
    }
}
