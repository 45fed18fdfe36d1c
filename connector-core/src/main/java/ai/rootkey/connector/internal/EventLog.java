package ai.rootkey.connector.internal;

import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.LogSafe;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.SourceRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

import java.util.ArrayList;
import java.util.List;

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

    private static final Logger LOG = LoggerFactory.getLogger("ai.rootkey.connector");
    private static final int BODY_EXCERPT_CHARS = 256;

    private EventLog() {
    }

    static void outcome(Outcome outcome, String detail) {
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

    private static void write(Level level, String event, Outcome outcome, String detail) {
        if (!LOG.isEnabledForLevel(level)) {
            return;
        }
        Delivery delivery = outcome.delivery();
        List<Object> kv = new ArrayList<>(24);
        if (delivery.event().isPresent()) {
            ObjectEvent e = delivery.event().get();
            kv.add("bucket");
            kv.add(e.bucket());
            kv.add("key");
            kv.add(e.key());
            String eTag = outcome.source().flatMap(SourceRef::eTag).or(e::eTag).orElse("");
            if (!eTag.isEmpty()) {
                kv.add("etag");
                kv.add(eTag);
            }
        } else {
            kv.add("message_id");
            kv.add(delivery.messageId());
        }
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
