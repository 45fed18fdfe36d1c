package ai.rootkey.connector;

import java.time.Duration;
import java.util.Objects;

/**
 * What the engine decided for one {@link Delivery}: acknowledge it (done, for good or as a terminal failure),
 * hand it back to the queue for redelivery after {@code delay}, or requeue it (DESIGN section 4 rule 10).
 *
 * @param delivery the delivery being settled
 * @param kind     ack, retry or requeue
 * @param delay    for a retry, how long the queue should wait before redelivering; zero otherwise
 */
public record Settlement(Delivery delivery, Kind kind, Duration delay) {

    /** The two ways to settle a delivery. */
    public enum Kind {
        /** Remove the message from the queue. */
        ACK,
        /** Make the message available again after the delay; the queue counts an attempt. */
        RETRY,
        /**
         * Publish the message again, with the same body and content type, as a new message (its attempts start
         * over), and only then acknowledge this delivery. For a delivery handed back without a decision on its
         * final attempt, which a retry would dead-letter. Only for sources whose
         * {@link EventSource#canRequeue(Delivery)} is true.
         */
        REQUEUE
    }

    public Settlement {
        Objects.requireNonNull(delivery, "delivery");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, was " + delay);
        }
        if (kind != Kind.RETRY && !delay.isZero()) {
            throw new IllegalArgumentException((kind == Kind.ACK ? "an ack" : "a requeue")
                    + " has no delay (only a retry has one)");
        }
    }

    public static Settlement ack(Delivery delivery) {
        return new Settlement(delivery, Kind.ACK, Duration.ZERO);
    }

    public static Settlement retry(Delivery delivery, Duration delay) {
        return new Settlement(delivery, Kind.RETRY, delay);
    }

    /** Publish the delivery's message again, then ack the delivery (see {@link Kind#REQUEUE}). */
    public static Settlement requeue(Delivery delivery) {
        return new Settlement(delivery, Kind.REQUEUE, Duration.ZERO);
    }
}
