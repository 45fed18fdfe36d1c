package ai.rootkey.connector.examples.spring;

import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.LogSafe;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Receipt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Writes an audit line for every anchored file (key, ETag, SHA-256 of what was sent) and keeps the most recent
 * {@value #KEPT} entries, for an admin page or a test. Thread-safe: the connector calls it from its workers.
 */
public final class AuditListener implements ConnectorListener {
    /** How many recent entries {@link #recent()} keeps. */
    public static final int KEPT = 1000;

    private static final Logger AUDIT = LoggerFactory.getLogger("audit.invoices");

    /** One anchored file. */
    public record Entry(String key, String eTag, String sha256) {
    }

    private final Deque<Entry> recent = new ArrayDeque<>();

    @Override
    public void onOutcome(Outcome outcome) {
        if (outcome.kind() != Outcome.Kind.ANCHORED || outcome.source().isEmpty()) {
            return;
        }
        var source = outcome.source().get();
        Entry entry = new Entry(source.key(), source.eTag().orElse("-"),
                outcome.receipt().map(Receipt::sha256).orElse("-"));
        AUDIT.info("invoice anchored key={} etag={} sha256={}", LogSafe.quoted(entry.key()), entry.eTag(),
                entry.sha256());
        synchronized (recent) {
            recent.addLast(entry);
            if (recent.size() > KEPT) {
                recent.removeFirst();
            }
        }
    }

    /** The most recent anchored files, oldest first. */
    public List<Entry> recent() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }
}
