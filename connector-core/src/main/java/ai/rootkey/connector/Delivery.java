package ai.rootkey.connector;

import java.util.Objects;
import java.util.Optional;

/**
 * One message handed out by an {@link EventSource}, under a lease, for the engine to settle.
 *
 * <p>A delivery carries either a parsed {@link ObjectEvent} or, when the body could not be read as one, a
 * {@link ParseFailure} with the raw body; never both, never neither. {@code attempts} is the queue's count of
 * deliveries of this message, starting at 1.
 *
 * @param messageId    the queue's id for the message (stable across redeliveries), for logs
 * @param leaseId      the opaque handle the source needs to settle this delivery
 * @param attempts     how many times the queue has delivered this message, this one included; at least 1
 * @param event        the parsed event, when the body is one
 * @param parseFailure why the body is not an event, with the body itself
 */
public record Delivery(
        String messageId,
        String leaseId,
        int attempts,
        Optional<ObjectEvent> event,
        Optional<ParseFailure> parseFailure) {

    public Delivery {
        Values.requireText(messageId, "messageId");
        Values.requireText(leaseId, "leaseId");
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be >= 1, was " + attempts);
        }
        Values.requireOptional(event, "event");
        Values.requireOptional(parseFailure, "parseFailure");
        if (event.isPresent() == parseFailure.isPresent()) {
            throw new IllegalArgumentException("a delivery carries exactly one of event or parseFailure");
        }
    }

    /** A delivery of a parsed event. */
    public static Delivery of(String messageId, String leaseId, int attempts, ObjectEvent event) {
        return new Delivery(messageId, leaseId, attempts, Optional.of(Objects.requireNonNull(event, "event")),
                Optional.empty());
    }

    /** A delivery whose body is not an event; the engine acknowledges it as a terminal failure. */
    public static Delivery malformed(String messageId, String leaseId, int attempts, String rawBody, String reason) {
        return new Delivery(messageId, leaseId, attempts, Optional.empty(),
                Optional.of(new ParseFailure(reason, rawBody)));
    }

    /**
     * Why a message body is not an {@link ObjectEvent}.
     *
     * @param reason  what is wrong, in words, e.g. {@code "object.key is missing"}
     * @param rawBody the body as the queue gave it (decoded to text as far as possible)
     */
    public record ParseFailure(String reason, String rawBody) {
        public ParseFailure {
            Values.requireText(reason, "reason");
            Objects.requireNonNull(rawBody, "rawBody");
        }
    }
}
