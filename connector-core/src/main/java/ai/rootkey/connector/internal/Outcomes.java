package ai.rootkey.connector.internal;

import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Callbacks;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.ConnectorStats;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.Health;
import ai.rootkey.connector.Outcome;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * Where a decision becomes observable: the counters behind {@link ConnectorStats}, the outcome's log line and the
 * listeners. Every listener call goes through {@link Callbacks}, so nothing a listener throws reaches the engine; a
 * fatal JVM error goes to the engine's fatal check.
 */
final class Outcomes {
    private final List<ConnectorListener> listeners;
    private final Predicate<Throwable> fatal;

    private final LongAdder received = new LongAdder();
    private final LongAdder anchored = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private final LongAdder retried = new LongAdder();
    private final LongAdder exhausted = new LongAdder();
    private final LongAdder terminal = new LongAdder();
    private final LongAdder released = new LongAdder();
    private final LongAdder requeued = new LongAdder();
    private final LongAdder releasedToDeadLetter = new LongAdder();
    private final LongAdder leaseExpired = new LongAdder();
    private final LongAdder bytesAnchored = new LongAdder();

    /** {@code fatal} answers, after stopping the connector, whether a throwable is a fatal JVM error. */
    Outcomes(List<ConnectorListener> listeners, Predicate<Throwable> fatal) {
        this.listeners = listeners;
        this.fatal = fatal;
    }

    /**
     * Counts, logs and announces one decision; {@code toDeadLetter} marks a release on the final attempt that could
     * not be requeued. Never throws: the caller queues the settlement whatever happens here.
     */
    void decided(Outcome outcome, String detail, boolean toDeadLetter) {
        try {
            count(outcome);
            if (toDeadLetter) {
                releasedToDeadLetter.increment();
            }
            EventLog.outcome(outcome, detail, toDeadLetter);
            for (ConnectorListener listener : listeners) {
                call(listener, "onOutcome", () -> listener.onOutcome(outcome));
            }
        } catch (Throwable t) {
            fatal.test(t);
        }
    }

    void received() {
        received.increment();
    }

    void leaseExpired() {
        leaseExpired.increment();
    }

    /**
     * The queue refused to publish a requeued message again: it goes back as a plain hand-back on its final
     * attempt, so the queue dead-letters it. Recounted and logged at ERROR ({@code rootkey.event.released_to_dlq}).
     */
    void requeueRefused(Delivery delivery, String why) {
        requeued.decrement();
        released.increment();
        releasedToDeadLetter.increment();
        EventLog.releasedToDeadLetter(delivery, why);
    }

    void batchReceived(Batch batch) {
        for (ConnectorListener listener : listeners) {
            call(listener, "onBatchReceived", () -> listener.onBatchReceived(batch));
        }
    }

    void healthChanged(Health health) {
        for (ConnectorListener listener : listeners) {
            call(listener, "onHealthChanged", () -> listener.onHealthChanged(health));
        }
    }

    ConnectorStats snapshot(int inFlight, int unsettled) {
        return new ConnectorStats(received.sum(), anchored.sum(), skipped.sum(), retried.sum(), exhausted.sum(),
                terminal.sum(), released.sum(), requeued.sum(), releasedToDeadLetter.sum(), leaseExpired.sum(),
                inFlight, unsettled, bytesAnchored.sum());
    }

    private void call(ConnectorListener listener, String method, Runnable callback) {
        try {
            Callbacks.run(listener, method, callback);
        } catch (VirtualMachineError e) {
            fatal.test(e);
        }
    }

    private void count(Outcome outcome) {
        switch (outcome.kind()) {
            case ANCHORED:
                bytesAnchored.add(outcome.receipt().map(r -> r.bytesSent()).orElse(0L));
                anchored.increment();
                break;
            case SKIPPED: skipped.increment(); break;
            case RETRIED: retried.increment(); break;
            case EXHAUSTED: exhausted.increment(); break;
            case TERMINAL: terminal.increment(); break;
            case RELEASED: released.increment(); break;
            case REQUEUED: requeued.increment(); break;
            default: throw new IllegalStateException("unknown outcome " + outcome.kind());
        }
    }
}
