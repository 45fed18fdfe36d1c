package ai.rootkey.connector.cli;

import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.Outcome;

import java.util.concurrent.atomic.LongAdder;

/**
 * Tells a clean drain from one that ran out of time, from the outcomes the engine reports when it closes: an upload
 * still running at the drain timeout is handed back with reason {@value #DRAIN_TIMEOUT}; deliveries that had not
 * started are handed back with {@value #SHUTDOWN}, a clean hand-back. Either goes back to the queue (released, or
 * requeued on its last attempt) and is delivered again; neither is a decision. Thread-safe.
 */
final class DrainReport implements ConnectorListener {
    /** The engine's release reason for uploads cut off by the drain timeout. */
    static final String DRAIN_TIMEOUT = Outcome.DRAIN_TIMEOUT;
    /** The engine's release reason for deliveries not started when the connector closed. */
    static final String SHUTDOWN = Outcome.SHUTDOWN;

    private final LongAdder cutOff = new LongAdder();
    private final LongAdder notStarted = new LongAdder();

    @Override
    public void onOutcome(Outcome outcome) {
        if (outcome.kind() != Outcome.Kind.RELEASED && outcome.kind() != Outcome.Kind.REQUEUED) {
            return;
        }
        if (DRAIN_TIMEOUT.equals(outcome.reason())) {
            cutOff.increment();
        } else if (SHUTDOWN.equals(outcome.reason())) {
            notStarted.increment();
        }
    }

    /** Uploads in flight that the drain timeout cut off and handed back. */
    long cutOff() {
        return cutOff.sum();
    }

    /** Deliveries handed back before they started. */
    long notStarted() {
        return notStarted.sum();
    }

    /** {@link RunCommand#EXIT_OK} after a clean drain, {@link RunCommand#EXIT_DRAIN_TIMED_OUT} when uploads were cut off. */
    int exitCode() {
        return cutOff() > 0 ? RunCommand.EXIT_DRAIN_TIMED_OUT : RunCommand.EXIT_OK;
    }
}
