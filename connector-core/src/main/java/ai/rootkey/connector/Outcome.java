package ai.rootkey.connector;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the engine settled one delivery, reported to {@link ConnectorListener#onOutcome(Outcome)}.
 *
 * @param kind       what happened
 * @param delivery   the delivery, with its event (or parse failure) and attempt count
 * @param reason     a stable label: {@code anchored}; for skips {@code action_not_anchored}, {@code filtered} or
 *                   {@code duplicate}; for failures the {@link Verdict#reason()}; for releases and requeues why
 *                   the delivery was handed back ({@code paused}, {@code shutdown}, {@code drain_timeout},
 *                   {@code lease_too_short})
 * @param source     what was uploaded (bucket, key, live ETag), once the object was read
 * @param receipt    the API's answer, when an upload got one
 * @param retryDelay for {@link Kind#RETRIED} and {@link Kind#EXHAUSTED}, the delay asked of the queue
 * @param elapsed    time from the start of processing to the decision
 */
public record Outcome(Kind kind, Delivery delivery, String reason, Optional<SourceRef> source,
                      Optional<Receipt> receipt, Optional<Duration> retryDelay, Duration elapsed) {

    /** Skip reason: the action does not create content (delete, lifecycle deletion, unknown). */
    public static final String ACTION_NOT_ANCHORED = "action_not_anchored";
    /** Skip reason: a filter rejected the event. */
    public static final String FILTERED = "filtered";
    /** Skip reason: the same (bucket, key, ETag) was anchored by a concurrent delivery in this process. */
    public static final String DUPLICATE = "duplicate";
    /** Hand-back reason: the connector paused because its credentials or configuration are refused. */
    public static final String PAUSED = "paused";
    /** Hand-back reason: the connector is closing and had not started the delivery. */
    public static final String SHUTDOWN = "shutdown";
    /** Hand-back reason: the connector closed while the delivery was still being processed. */
    public static final String DRAIN_TIMEOUT = "drain_timeout";
    /** Hand-back reason: too little of the delivery's lease was left to start reading or uploading. */
    public static final String LEASE_TOO_SHORT = "lease_too_short";

    /** The ways a delivery ends. */
    public enum Kind {
        /** Uploaded and accepted; acked. */
        ANCHORED,
        /** Not for us (action or filter) or already done; acked. */
        SKIPPED,
        /** Transient failure; handed back to the queue with a delay. */
        RETRIED,
        /** Transient failure on the last allowed attempt; handed back, and the queue dead-letters it. */
        EXHAUSTED,
        /** Permanent failure; acked and logged with {@code rootkey.event.dlq_terminal_failure}. */
        TERMINAL,
        /**
         * Not finished (shutdown, pause, lease too short); handed back for redelivery at once. On the final attempt
         * this happens only when the source cannot requeue: then the queue dead-letters the message and the engine
         * logs {@code rootkey.event.released_to_dlq} at ERROR.
         */
        RELEASED,
        /**
         * Not finished on its final attempt; published again as a new message (attempts start over) and acked, so
         * that only a decision dead-letters (DESIGN section 4 rule 10).
         */
        REQUEUED
    }

    public Outcome {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(delivery, "delivery");
        Values.requireText(reason, "reason");
        Values.requireOptional(source, "source");
        Values.requireOptional(receipt, "receipt");
        Values.requireOptional(retryDelay, "retryDelay");
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /** The delivery's event, when it parsed. */
    public Optional<ObjectEvent> event() {
        return delivery.event();
    }

    /** The delivery's attempt number (1-based). */
    public int attempt() {
        return delivery.attempts();
    }
}
