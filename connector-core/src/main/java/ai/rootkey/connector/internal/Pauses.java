package ai.rootkey.connector.internal;

import ai.rootkey.connector.Callbacks;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.Failure;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Verdict;
import org.slf4j.event.Level;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Pause, probe, resume (DESIGN section 4 rule 8). A configuration failure pauses the connector; the poller probes the
 * failing dependency every probe interval; a passing probe resumes it on probation (one delivery at a time) until a
 * delivery is decided. When the first delivery after a passing probe is refused again, the probe does not see what
 * the upload sees: the interval doubles (up to {@link Connector#MAX_PROBE_INTERVAL}) and the health reason says so. A
 * fatal JVM error pauses for good.
 *
 * <p>Guarded by the engine's lock, which it shares: the poller reads the pause, the probation and its capacity in
 * one step, and every change here must wake the engine's waiters ({@code wakeAll}, called with the lock held).
 */
final class Pauses {
    /** Why the connector is paused and what to probe. */
    record Pause(String reason, Failure.Stage stage, Optional<String> bucket, boolean fatal) {
    }

    private final ConnectorSettings settings;
    private final HealthTracker health;
    private final ReentrantLock lock;
    private final Condition changed;
    private final Runnable wakeAll;
    private final BooleanSupplier running;
    private SafeClassifier classifier;

    // written under the lock; the pause is also read without it by workers deciding whether to start
    private volatile Pause pause;
    private boolean probation;
    /** The probe interval now: doubled each time a probe passes but the trial delivery after it is refused. */
    private volatile Duration probeInterval;
    /** The last trial after a passing probe was refused; a trial that succeeds clears it. */
    private volatile boolean probeMisleads;
    private volatile Throwable fatal;

    /**
     * @param changed signalled on every state change of the engine
     * @param wakeAll wakes every engine waiter (lock held)
     * @param running whether the engine is running (read with the lock held)
     */
    Pauses(ConnectorSettings settings, HealthTracker health, ReentrantLock lock, Condition changed, Runnable wakeAll,
           BooleanSupplier running) {
        this.settings = settings;
        this.running = running;
        this.health = health;
        this.lock = lock;
        this.changed = changed;
        this.wakeAll = wakeAll;
        this.probeInterval = settings.probeInterval();
    }

    /** Set once, before the engine starts (the classifier's fatal check comes from here). */
    void classifier(SafeClassifier safe) {
        this.classifier = safe;
    }

    /** The pause in force, if any. Lock held. */
    Optional<Pause> current() {
        return Optional.ofNullable(pause);
    }

    /** Whether deliveries go one at a time after a resume. Lock held. */
    boolean onProbation() {
        return probation;
    }

    /** Whether a pause is in force; no lock: a worker only uses it to hand a delivery back instead of starting. */
    boolean isPaused() {
        return pause != null;
    }

    void pause(String reason, Failure.Stage stage, Optional<String> bucket) {
        pause(new Pause(reason, stage, bucket, false));
    }

    /**
     * True, after stopping the connector, when {@code t} is a {@link VirtualMachineError} that leaves the JVM unable
     * to go on safely (out of memory, an internal error). The connector then reports DOWN and releases what it holds,
     * and only a restart brings it back. A {@link StackOverflowError} is not fatal: by the time it is caught the
     * stack has unwound, so it is handled like any other error thrown by user code. Any other throwable returns
     * false.
     */
    boolean isFatal(Throwable t) {
        if (!Callbacks.isFatal(t)) {
            return false;
        }
        if (fatal == null) {
            fatal = t;
            try {
                pause(new Pause("the connector stopped after a fatal JVM error (" + t.getClass().getSimpleName()
                        + "): restart the process", Failure.Stage.UPLOAD, Optional.empty(), true));
            } catch (Throwable ignored) {
                // out of memory while reporting: the state change above is what matters
            }
        }
        return true;
    }

    /**
     * The first delivery after a passing probe was refused again. Probe less often (double, up to 15 min) and say so
     * in the health reason.
     */
    void probeWasWrong() {
        Duration longest = settings.probeInterval().compareTo(Connector.MAX_PROBE_INTERVAL) > 0
                ? settings.probeInterval() : Connector.MAX_PROBE_INTERVAL;
        probeInterval = Workers.doubled(probeInterval, longest);
        probeMisleads = true;
    }

    /** A delivery was decided (lock held): a decision other than a hand-back ends the probation. */
    void decided(Outcome.Kind kind) {
        if (probation && kind != Outcome.Kind.RELEASED && kind != Outcome.Kind.REQUEUED) {
            probation = false;
            probeInterval = settings.probeInterval();
            probeMisleads = false;
        }
    }

    /**
     * Waits one probe interval, while the engine runs and the pause holds, then probes the paused stage; a passing
     * probe resumes the connector.
     */
    void probe(Pause paused) {
        lock.lock();
        try {
            long wait = probeInterval.toNanos();
            while (wait > 0 && running.getAsBoolean() && pause == paused) {
                wait = changed.awaitNanos(wait);
            }
            if (!running.getAsBoolean() || pause != paused) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } finally {
            lock.unlock();
        }
        try {
            switch (paused.stage()) {
                case UPLOAD:
                    settings.anchorer().probe();
                    break;
                case READ:
                    settings.reader().probe(paused.bucket().orElse(settings.bucket().orElse("")));
                    break;
                default:
                    settings.source().probe();
                    break;
            }
        } catch (Throwable t) {
            if (isFatal(t)) {
                return;
            }
            Verdict verdict = classifier.classify(Failure.of(paused.stage(), t));
            EventLog.connector(Level.DEBUG, "rootkey.connector.probe_failed", "name", settings.name(),
                    "stage", paused.stage(), "reason", verdict.reason());
            if (verdict.kind() == Verdict.Kind.CONFIGURATION && !verdict.reason().equals(paused.reason())) {
                pause(verdict.reason(), paused.stage(), paused.bucket());
            }
            return;
        }
        resume(paused);
    }

    private void pause(Pause next) {
        boolean first;
        lock.lock();
        try {
            if (!running.getAsBoolean() || (pause != null && pause.fatal())) {
                return;
            }
            first = pause == null;
            if (first || !pause.reason().equals(next.reason())) {
                pause = next;
                probation = false;
                wakeAll.run();
            }
        } finally {
            lock.unlock();
        }
        String shown = shownReason(next);
        if (first) {
            EventLog.connector(Level.ERROR, "rootkey.connector.paused", "name", settings.name(),
                    "stage", next.stage(), "reason", shown, "probe_interval_ms", probeInterval.toMillis(),
                    "note", next.fatal() ? "the connector stopped; held messages are released for redelivery"
                            : "no message is acked while paused; held messages are released for redelivery");
        }
        health.paused(shown);
    }

    private void resume(Pause paused) {
        lock.lock();
        try {
            if (pause != paused || paused.fatal()) {
                return;
            }
            pause = null;
            probation = true;
            wakeAll.run();
        } finally {
            lock.unlock();
        }
        EventLog.connector(Level.INFO, "rootkey.connector.resumed", "name", settings.name(), "stage", paused.stage());
        health.resumed();
    }

    private String shownReason(Pause p) {
        if (p.fatal() || !probeMisleads) {
            return p.reason();
        }
        return p.reason() + " (the probe passes but uploads are still refused; probing every "
                + HealthTracker.human(probeInterval) + ")";
    }
}
