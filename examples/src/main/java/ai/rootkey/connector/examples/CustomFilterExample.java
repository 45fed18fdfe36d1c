package ai.rootkey.connector.examples;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.LogSafe;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.r2.R2Connector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * A user-written filter combined with the built-in ones, and a listener: only PDFs under {@code contracts/}, never
 * Office lock files ({@code ~$...}), nothing over 50 MiB; every anchored contract is written to an audit log.
 * {@link #configure(Connector.Builder)} is the wiring, shared by {@link #main} and by the unit test that checks it
 * with the test kit ({@code ConnectorWiringTest}).
 */
public final class CustomFilterExample {
    private static final Logger AUDIT = LoggerFactory.getLogger("audit.contracts");

    private CustomFilterExample() {
    }

    /** Skips Office lock files: the last path segment starts with {@code ~$}. */
    public static final class NoLockFiles implements EventFilter {
        @Override
        public boolean accepts(ObjectEvent event) {
            String key = event.key();
            String name = key.substring(key.lastIndexOf('/') + 1);
            return !name.startsWith("~$");
        }

        @Override
        public String toString() {
            return "noLockFiles()";
        }
    }

    /** Case-insensitive {@code .pdf} suffix (the built-in suffix filter is case-sensitive). */
    public static EventFilter pdfs() {
        return event -> event.key().toLowerCase(Locale.ROOT).endsWith(".pdf");
    }

    /** Writes one audit line per anchored contract. */
    public static final class AuditListener implements ConnectorListener {
        @Override
        public void onOutcome(Outcome outcome) {
            if (outcome.kind() == Outcome.Kind.ANCHORED) {
                outcome.source().ifPresent(source -> AUDIT.info("contract anchored key={} etag={} sha256={}",
                        LogSafe.quoted(source.key()), source.eTag().orElse("-"),
                        outcome.receipt().map(r -> r.sha256()).orElse("-")));
            }
        }
    }

    /** The wiring: filters and listener. */
    public static Connector.Builder configure(Connector.Builder builder) {
        return builder
                .filter(EventFilter.prefix("contracts/").and(pdfs()))
                .filter(new NoLockFiles())
                .filter(EventFilter.sizeRange(0, 50L * 1024 * 1024))
                .listener(new AuditListener());
    }

    public static void main(String[] args) throws InterruptedException {
        Connector connector = R2Connector.builder()
                .fromEnvironment()
                .engine(CustomFilterExample::configure)
                .start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            connector.close();
            stopped.countDown();
        }));
        stopped.await();
    }
}
