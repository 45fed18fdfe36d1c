package ai.rootkey.connector.internal;

import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.EventSource;
import org.slf4j.event.Level;

import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Which delivery of a message is its last (DESIGN section 4 rule 9): the queue dead-letters a message after
 * {@code max_retries + 1} deliveries, so a hand-back on that delivery must be a requeue and a retry there is an
 * exhaustion. Read from the source at start; raised, with one WARN, when a delivery shows the queue retries more.
 */
final class Attempts {
    private final String name;
    private final int configured;
    private final AtomicInteger last;
    private final AtomicBoolean warned = new AtomicBoolean();

    /** {@code configured}: the retry policy's attempts, used until (or unless) the source says otherwise. */
    Attempts(String name, int configured) {
        this.name = name;
        this.configured = configured;
        this.last = new AtomicInteger(configured);
    }

    /** The delivery the queue makes last, as far as the connector knows. */
    int last() {
        return last.get();
    }

    boolean isLast(int attempt) {
        return attempt >= last.get();
    }

    /**
     * Reads the queue's {@code max_retries} from {@code source}. Where the source cannot tell, the configured value
     * stays, said once at INFO. {@code fatal} answers, after stopping the connector, whether a throwable is fatal.
     */
    void discover(EventSource source, Predicate<Throwable> fatal) {
        String why;
        try {
            OptionalInt maxRetries = source.maxRetries();
            if (maxRetries.isPresent() && maxRetries.getAsInt() >= 0) {
                int discovered = maxRetries.getAsInt() + 1;
                last.set(discovered);
                EventLog.connector(discovered == configured ? Level.DEBUG : Level.INFO,
                        "rootkey.connector.max_retries", "name", name, "max_retries",
                        maxRetries.getAsInt(), "last_attempt", discovered, "source", "queue consumer",
                        "configured_last_attempt", configured);
                return;
            }
            why = "the source does not report it";
        } catch (Throwable t) {
            if (fatal.test(t)) {
                return;
            }
            why = "the consumer settings could not be read: " + t.getMessage();
        }
        EventLog.connector(Level.INFO, "rootkey.connector.max_retries", "name", name, "max_retries",
                configured - 1, "last_attempt", configured, "source", "configuration", "note", why);
    }

    /** A delivery with more attempts than the engine thought possible: the queue retries more; adopt its count. */
    void noteDelivered(Delivery delivery) {
        int attempts = delivery.attempts();
        int current = last.get();
        while (attempts > current) {
            if (last.compareAndSet(current, attempts)) {
                if (warned.compareAndSet(false, true)) {
                    EventLog.connector(Level.WARN, "rootkey.connector.attempts_exceeded", "name", name,
                            "attempt", attempts, "expected_last_attempt", current, "note",
                            "the queue delivered a message more often than its max_retries allows as far as the "
                                    + "connector knows; it now treats attempt " + attempts + " as the last: check "
                                    + "the consumer's max_retries and the connector's retry policy");
                }
                return;
            }
            current = last.get();
        }
    }
}
