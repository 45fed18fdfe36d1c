package ai.rootkey.connector;

import java.time.Duration;
import java.util.Objects;

/**
 * What the engine decided for one {@link Delivery}: acknowledge it (done, for good or as a terminal failure)
 * or hand it back to the queue for redelivery after {@code delay}.
 *
 * @param delivery the delivery being settled
 * @param kind     ack or retry
 * @param delay    for a retry, how long the queue should wait before redelivering; zero for an ack
 */
public record Settlement(Delivery delivery, Kind kind, Duration delay) {

    /** The two ways to settle a delivery. */
    public enum Kind {
        /** Remove the message from the queue. */
        ACK,
        /** Make the message available again after the delay; the queue counts an attempt. */
        RETRY
    }

    public Settlement {
        Objects.requireNonNull(delivery, "delivery");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, was " + delay);
        }
        if (kind == Kind.ACK && !delay.isZero()) {
            throw new IllegalArgumentException("an ack has no delay");
        }
    }

    public static Settlement ack(Delivery delivery) {
        return new Settlement(delivery, Kind.ACK, Duration.ZERO);
    }

    public static Settlement retry(Delivery delivery, Duration delay) {
        return new Settlement(delivery, Kind.RETRY, delay);
    }
}
