package ai.rootkey.connector;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What to do about a failure: retry it later, give up on the message, or stop and fix the configuration.
 *
 * <p>{@code reason} is a short, stable, low-cardinality label ({@code http_503}, {@code timeout},
 * {@code object_missing}) used in logs and metrics; configuration verdicts carry a sentence that says what to
 * fix instead.
 *
 * @param kind       the decision
 * @param reason     why, as a stable label (or, for {@link Kind#CONFIGURATION}, a sentence)
 * @param retryAfter for transient failures, the delay the server asked for, which wins over the back-off
 */
public record Verdict(Kind kind, String reason, Optional<Duration> retryAfter) {

    /** Malformed body or missing required fields. */
    public static final String MALFORMED_EVENT = "malformed_event";
    /** The event names a bucket other than the connector's. */
    public static final String FOREIGN_BUCKET = "foreign_bucket";
    /** The object is larger than the maximum file size. */
    public static final String OVERSIZE = "oversize";
    /** The object no longer exists. */
    public static final String OBJECT_MISSING = "object_missing";

    /** The kinds of decision. */
    public enum Kind {
        /** Try again later: the queue redelivers after a back-off delay, up to the attempt limit. */
        TRANSIENT,
        /** Give up on this message: acknowledge it and log {@code rootkey.event.dlq_terminal_failure}. */
        PERMANENT,
        /** The connector itself is misconfigured: never ack, pause, report, probe, resume. */
        CONFIGURATION
    }

    public Verdict {
        Objects.requireNonNull(kind, "kind");
        Values.requireText(reason, "reason");
        Values.requireOptional(retryAfter, "retryAfter");
        if (kind != Kind.TRANSIENT && retryAfter.isPresent()) {
            throw new IllegalArgumentException("only a transient verdict has a retry delay");
        }
    }

    public static Verdict transientFailure(String reason) {
        return new Verdict(Kind.TRANSIENT, reason, Optional.empty());
    }

    public static Verdict transientFailure(String reason, Duration retryAfter) {
        return new Verdict(Kind.TRANSIENT, reason, Optional.of(Objects.requireNonNull(retryAfter, "retryAfter")));
    }

    public static Verdict permanent(String reason) {
        return new Verdict(Kind.PERMANENT, reason, Optional.empty());
    }

    public static Verdict configuration(String whatToFix) {
        return new Verdict(Kind.CONFIGURATION, whatToFix, Optional.empty());
    }
}
