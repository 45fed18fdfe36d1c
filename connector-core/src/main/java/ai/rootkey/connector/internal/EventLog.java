package ai.rootkey.connector.internal;

import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.LogSafe;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.SourceRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Writes the stable log events of DESIGN section 5. Each line starts with the event name, which is also the
 * SLF4J marker, followed by {@code key=value} pairs that are also attached as SLF4J key-values. User data
 * (keys, bodies, server replies) is escaped and quoted; secrets are never passed in.
 */
final class EventLog {
    static final String ANCHORED = "rootkey.event.anchored";
    static final String SKIPPED = "rootkey.event.skipped";
    static final String RETRY = "rootkey.event.retry";
    static final String TERMINAL = "rootkey.event.dlq_terminal_failure";
    static final String RELEASED = "rootkey.event.released";
    static final String REQUEUED = "rootkey.event.requeued";
    static final String RELEASED_TO_DLQ = "rootkey.event.released_to_dlq";
    static final String LEASE_EXPIRED = "rootkey.event.lease_expired";
    static final String SETTLE_REFUSED = "rootkey.source.settle_refused";
    static final String RELEASED_TO_DLQ_NOTE = "handed back on its final attempt and the source cannot requeue it: "
            + "the queue moves it to the dead-letter queue without a failure";

    private static final Logger LOG = LoggerFactory.getLogger("ai.rootkey.connector");
    private static final int BODY_EXCERPT_CHARS = 256;

    private EventLog() {
    }

    static void outcome(Outcome outcome, String detail) {
        outcome(outcome, detail, false);
    }

    /** As above; {@code toDeadLetter} logs a release on the final attempt at ERROR as {@value #RELEASED_TO_DLQ}. */
    static void outcome(Outcome outcome, String detail, boolean toDeadLetter) {
        if (toDeadLetter) {
            write(Level.ERROR, RELEASED_TO_DLQ, outcome, detail);
            return;
        }
        switch (outcome.kind()) {
            case ANCHORED:
                write(Level.INFO, ANCHORED, outcome, detail);
                break;
            case SKIPPED:
                write(Level.DEBUG, SKIPPED, outcome, detail);
                break;
            case RETRIED:
            case EXHAUSTED:
                write(Level.WARN, RETRY, outcome, detail);
                break;
            case TERMINAL:
                write(Level.ERROR, TERMINAL, outcome, detail);
                break;
            case RELEASED:
                write(Level.DEBUG, RELEASED, outcome, detail);
                break;
            case REQUEUED:
                write(Level.WARN, REQUEUED, outcome, detail == null ? "handed back on its final attempt: published "
                        + "again as a new message and acked, so that the queue does not dead-letter it" : detail);
                break;
            default:
                throw new IllegalStateException("unknown outcome " + outcome.kind());
        }
    }

    /** A connector-level event (paused, resumed, receive failures), with alternating key and value arguments. */
    static void connector(Level level, String event, Object... keyValues) {
        if (!LOG.isEnabledForLevel(level)) {
            return;
        }
        List<Object> kv = new ArrayList<>(keyValues.length);
        for (Object o : keyValues) {
            kv.add(o);
        }
        emit(level, event, kv);
    }

    /**
     * A requeue the source refused: the delivery goes back with a plain retry on its final attempt, and the queue
     * dead-letters it.
     */
    static void releasedToDeadLetter(Delivery delivery, String detail) {
        if (!LOG.isEnabledForLevel(Level.ERROR)) {
            return;
        }
        List<Object> kv = new ArrayList<>(12);
        identify(kv, delivery, Optional.empty());
        kv.add("attempt");
        kv.add(delivery.attempts());
        kv.add("detail");
        kv.add(detail);
        emit(Level.ERROR, RELEASED_TO_DLQ, kv);
    }

    /** A settlement the source refused for good: dropped; the lease expires and the queue redelivers the message. */
    static void settleRefused(Settlement settlement, String reason, String detail) {
        if (!LOG.isEnabledForLevel(Level.ERROR)) {
            return;
        }
        List<Object> kv = new ArrayList<>(16);
        identify(kv, settlement.delivery(), Optional.empty());
        kv.add("settlement");
        kv.add(settlement.kind().name().toLowerCase(java.util.Locale.ROOT));
        kv.add("reason");
        kv.add(reason);
        kv.add("detail");
        kv.add(detail);
        kv.add("note");
        kv.add("dropped so that later settlements go through; the lease expires and the queue redelivers the message");
        emit(Level.ERROR, SETTLE_REFUSED, kv);
    }

    /** A delivery decided after its lease ended: another consumer may have it already. */
    static void leaseExpired(Outcome outcome, Duration over, Duration lease) {
        if (!LOG.isEnabledForLevel(Level.WARN)) {
            return;
        }
        List<Object> kv = new ArrayList<>(16);
        identify(kv, outcome.delivery(), outcome.source());
        kv.add("attempt");
        kv.add(outcome.attempt());
        kv.add("outcome");
        kv.add(outcome.kind().name().toLowerCase(java.util.Locale.ROOT));
        kv.add("over_ms");
        kv.add(over.toMillis());
        kv.add("lease_ms");
        kv.add(lease.toMillis());
        kv.add("note");
        kv.add("decided after the lease ended: the queue may have handed the message to another consumer (or "
                + "dead-lettered it on its last attempt); raise the visibility timeout or lower the concurrency");
        emit(Level.WARN, LEASE_EXPIRED, kv);
    }

    private static void identify(List<Object> kv, Delivery delivery, Optional<SourceRef> source) {
        if (delivery.event().isPresent()) {
            ObjectEvent e = delivery.event().get();
            kv.add("bucket");
            kv.add(e.bucket());
            kv.add("key");
            kv.add(e.key());
            String eTag = source.flatMap(SourceRef::eTag).or(e::eTag).orElse("");
            if (!eTag.isEmpty()) {
                kv.add("etag");
                kv.add(eTag);
            }
        } else {
            kv.add("message_id");
            kv.add(delivery.messageId());
        }
    }

    private static void write(Level level, String event, Outcome outcome, String detail) {
        if (!LOG.isEnabledForLevel(level)) {
            return;
        }
        Delivery delivery = outcome.delivery();
        List<Object> kv = new ArrayList<>(24);
        identify(kv, delivery, outcome.source());
        kv.add("attempt");
        kv.add(delivery.attempts());
        kv.add("reason");
        kv.add(outcome.reason());
        if (outcome.kind() == Outcome.Kind.ANCHORED) {
            Receipt receipt = outcome.receipt().orElseThrow();
            kv.add("status");
            kv.add(receipt.status());
            kv.add("bytes");
            kv.add(receipt.bytesSent());
            kv.add("sha256");
            kv.add(receipt.sha256());
        } else if (outcome.receipt().isPresent()) {
            kv.add("status");
            kv.add(outcome.receipt().get().status());
        }
        if (outcome.retryDelay().isPresent()) {
            kv.add("delay_ms");
            kv.add(outcome.retryDelay().get().toMillis());
            kv.add("last_attempt");
            kv.add(outcome.kind() == Outcome.Kind.EXHAUSTED);
        }
        kv.add("duration_ms");
        kv.add(outcome.elapsed().toMillis());
        if (delivery.parseFailure().isPresent()) {
            String body = delivery.parseFailure().get().rawBody();
            kv.add("body");
            kv.add(body.length() > BODY_EXCERPT_CHARS ? body.substring(0, BODY_EXCERPT_CHARS) + "..." : body);
        }
        if (detail != null && !detail.isEmpty()) {
            kv.add("detail");
            kv.add(detail);
        }
        if (outcome.kind() == Outcome.Kind.EXHAUSTED) {
            kv.add("note");
            kv.add("final attempt failed; the queue moves the message to the dead-letter queue");
        }
        emit(level, event, kv);
    }

    private static void emit(Level level, String event, List<Object> kv) {
        Marker marker = MarkerFactory.getMarker(event);
        StringBuilder message = new StringBuilder(128).append(event);
        LoggingEventBuilder builder = LOG.atLevel(level).addMarker(marker);
        for (int i = 0; i + 1 < kv.size(); i += 2) {
            String key = String.valueOf(kv.get(i));
            Object value = kv.get(i + 1);
            String rendered = value instanceof Number || value instanceof Boolean
                    ? String.valueOf(value)
                    : LogSafe.quoted(String.valueOf(value));
            message.append(' ').append(key).append('=').append(rendered);
            builder = builder.addKeyValue(key, value instanceof Number || value instanceof Boolean
                    ? value : LogSafe.escape(String.valueOf(value)));
        }
        builder.log(message.toString());
    }
}
