package ai.rootkey.connector;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One message handed out by an {@link EventSource}, under a lease, for the engine to settle.
 *
 * <p>A delivery carries either a parsed {@link ObjectEvent} or, when the body could not be read as one, a
 * {@link ParseFailure} with the raw body; never both, never neither. {@code attempts} is the queue's count of
 * deliveries of this message, starting at 1.
 *
 * <p>Two optional parts let the engine keep DESIGN section 4 rules 10 and 11: the lease deadline (the engine does
 * not start reading or uploading a delivery whose lease is about to end) and the message as the queue stored it
 * (so that a delivery handed back undecided on its final attempt can be {@linkplain Settlement#requeue requeued}
 * instead of dead-lettered). Sources that know them should set them with {@link #withLeaseDeadline(Instant)} and
 * {@link #withMessage(Message)}.
 *
 * @param messageId     the queue's id for the message (stable across redeliveries), for logs
 * @param leaseId       the opaque handle the source needs to settle this delivery
 * @param attempts      how many times the queue has delivered this message, this one included; at least 1
 * @param event         the parsed event, when the body is one
 * @param parseFailure  why the body is not an event, with the body itself
 * @param leaseDeadline when the lease ends and the queue may hand the message to someone else, when known
 * @param message       the message's content type and body as the queue stored them, when known
 */
public record Delivery(
        String messageId,
        String leaseId,
        int attempts,
        Optional<ObjectEvent> event,
        Optional<ParseFailure> parseFailure,
        Optional<Instant> leaseDeadline,
        Optional<Message> message) {

    public Delivery {
        Values.requireText(messageId, "messageId");
        Values.requireText(leaseId, "leaseId");
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be >= 1, was " + attempts);
        }
        Values.requireOptional(event, "event");
        Values.requireOptional(parseFailure, "parseFailure");
        Values.requireOptional(leaseDeadline, "leaseDeadline");
        Values.requireOptional(message, "message");
        if (event.isPresent() == parseFailure.isPresent()) {
            throw new IllegalArgumentException("a delivery carries exactly one of event or parseFailure");
        }
    }

    /** A delivery of a parsed event, without lease deadline or stored message. */
    public static Delivery of(String messageId, String leaseId, int attempts, ObjectEvent event) {
        return new Delivery(messageId, leaseId, attempts, Optional.of(Objects.requireNonNull(event, "event")),
                Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** A delivery whose body is not an event; the engine acknowledges it as a terminal failure. */
    public static Delivery malformed(String messageId, String leaseId, int attempts, String rawBody, String reason) {
        return new Delivery(messageId, leaseId, attempts, Optional.empty(),
                Optional.of(new ParseFailure(reason, rawBody)), Optional.empty(), Optional.empty());
    }

    /** This delivery with its lease deadline. */
    public Delivery withLeaseDeadline(Instant deadline) {
        return new Delivery(messageId, leaseId, attempts, event, parseFailure,
                Optional.of(Objects.requireNonNull(deadline, "deadline")), message);
    }

    /** This delivery with the message as the queue stored it. */
    public Delivery withMessage(Message stored) {
        return new Delivery(messageId, leaseId, attempts, event, parseFailure, leaseDeadline,
                Optional.of(Objects.requireNonNull(stored, "stored")));
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

    /**
     * A message as the queue stored it: what a {@linkplain Settlement#requeue requeue} publishes again.
     *
     * @param contentType the queue's content type, e.g. Cloudflare's {@code json} or {@code text}
     * @param body        the body in that content type's text form: the JSON text for {@code json}, the string
     *                    for {@code text}
     */
    public record Message(String contentType, String body) {
        public Message {
            Values.requireText(contentType, "contentType");
            Objects.requireNonNull(body, "body");
        }

        /** Never the body, which is user data. */
        @Override
        public String toString() {
            return "Message[" + contentType + ", " + body.length() + " chars]";
        }
    }
}
