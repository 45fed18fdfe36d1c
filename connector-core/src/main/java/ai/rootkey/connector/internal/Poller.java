package ai.rootkey.connector.internal;

import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.Failure;
import ai.rootkey.connector.Verdict;
import org.slf4j.event.Level;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The loop of the poller thread ({@code <name>-poller}) and the lease budget it keeps: it receives only when there is
 * room for at least half a batch (one delivery on probation), never more than it can start, backs off when the
 * queue is empty or failing (longer when the queue asks with Retry-After), and probes instead while paused.
 *
 * <p>Guarded by the engine's lock, which it shares: whether the engine runs, the pause, the probation and the
 * budget are read together in one step, and the decisions that free a slot happen under that lock.
 */
final class Poller {
    /** Where received deliveries go: the engine starts a job for each. */
    interface Starter {
        void start(List<Delivery> deliveries, boolean trial);
    }

    private final ConnectorSettings settings;
    private final ReentrantLock lock;
    private final Condition changed;
    private final Condition wake;
    private final BooleanSupplier running;
    private final Pauses pauses;
    private final Settler settler;
    private final Attempts attempts;
    private final HealthTracker health;
    private final Outcomes outcomes;
    private final SafeClassifier classifier;
    private final Predicate<Throwable> fatal;
    private final Starter starter;

    // guarded by lock
    /** Deliveries received (or being received) and not yet decided. */
    private int undecided;
    private boolean waiting;

    Poller(ConnectorSettings settings, ReentrantLock lock, Condition changed, BooleanSupplier running, Pauses pauses,
           Settler settler, Attempts attempts, HealthTracker health, Outcomes outcomes, SafeClassifier classifier,
           Predicate<Throwable> fatal, Starter starter) {
        this.settings = settings;
        this.lock = lock;
        this.changed = changed;
        this.wake = lock.newCondition();
        this.running = running;
        this.pauses = pauses;
        this.settler = settler;
        this.attempts = attempts;
        this.health = health;
        this.outcomes = outcomes;
        this.classifier = classifier;
        this.fatal = fatal;
        this.starter = starter;
    }

    /** Deliveries not yet decided, a receive under way included. Lock held. */
    int undecided() {
        return undecided;
    }

    /** A delivery was decided: its slot is free. Lock held. */
    void slotFreed() {
        undecided--;
        wakeIfRoom();
    }

    /** Wakes the loop for a state change. Lock held. */
    void wake() {
        wake.signalAll();
    }

    /** Settlements went out: leases the engine held for them are free. */
    void settled() {
        lock.lock();
        try {
            wakeIfRoom();
        } finally {
            lock.unlock();
        }
    }

    void run() {
        attempts.discover(settings.source(), fatal);
        Duration idle = settings.idleBackoffMin();
        Duration failureBackoff = settings.idleBackoffMin();
        while (true) {
            Optional<Pauses.Pause> paused;
            int ask = 0;
            lock.lock();
            try {
                while (true) {
                    if (!running.getAsBoolean()) {
                        return;
                    }
                    paused = pauses.current();
                    if (paused.isPresent()) {
                        break;
                    }
                    int capacity = capacity();
                    if (capacity >= threshold()) {
                        ask = Math.min(settings.batchSize(), capacity);
                        // Reserved before the call: the leases exist before receive() returns, and stats() counts
                        // them in flight from the start, so nobody takes a connector in mid-receive for idle.
                        undecided += ask;
                        waiting = false;
                        break;
                    }
                    waiting = true;
                    wake.awaitUninterruptibly();
                }
            } finally {
                lock.unlock();
            }
            if (paused.isPresent()) {
                if (paused.get().fatal()) {
                    return;
                }
                pauses.probe(paused.get());
                continue;
            }
            Batch batch;
            try {
                batch = settings.source().receive(ask);
            } catch (Throwable t) {
                received(0, ask);
                if (fatal.test(t)) {
                    return;
                }
                failureBackoff = receiveFailed(t, failureBackoff);
                continue;
            }
            failureBackoff = settings.idleBackoffMin();
            health.success(Failure.Stage.RECEIVE);
            batch.backlog().ifPresent(health::backlog);
            outcomes.batchReceived(batch);
            boolean trial = received(batch.deliveries().size(), ask);
            if (batch.isEmpty()) {
                settler.queueDrained();
                sleep(idle);
                idle = Workers.doubled(idle, settings.idleBackoffMax());
                continue;
            }
            idle = settings.idleBackoffMin();
            starter.start(batch.deliveries(), trial);
        }
    }

    /** Turns the {@code reserved} slots into the {@code count} deliveries received; true on probation. */
    private boolean received(int count, int reserved) {
        lock.lock();
        try {
            undecided += count - reserved;
            return pauses.onProbation();
        } finally {
            lock.unlock();
        }
    }

    /** A receive failed: pause, or wait; returns the next back-off. */
    private Duration receiveFailed(Throwable t, Duration backoff) {
        Verdict verdict = classifier.classify(Failure.of(Failure.Stage.RECEIVE, t));
        if (verdict.kind() == Verdict.Kind.CONFIGURATION) {
            pauses.pause(verdict.reason(), Failure.Stage.RECEIVE, Optional.empty());
            return backoff;
        }
        health.failure(Failure.Stage.RECEIVE, verdict.reason());
        Duration wait = Settler.queueBackoff(verdict, backoff);
        EventLog.connector(Level.WARN, "rootkey.source.receive_failed", "name", settings.name(),
                "reason", verdict.reason(), "detail", String.valueOf(t.getMessage()), "retry_in_ms", wait.toMillis());
        sleep(wait);
        return Workers.doubled(backoff, settings.idleBackoffMax());
    }

    /**
     * How many more deliveries may be received now (lock held): room below the lease limit for deliveries not yet
     * decided, and, for all leases held (decided ones waiting for their ack included), room below the lease limit
     * plus one settle batch, which only binds while the source refuses settlements.
     */
    private int capacity() {
        int held = undecided + settler.held();
        int limit = pauses.onProbation() ? 1 : settings.leaseLimit();
        return Math.min(limit - undecided, settings.leaseLimit() + settings.settleBatchSize() - held);
    }

    /** Free lease slots needed before receiving again (lock held). */
    private int threshold() {
        return pauses.onProbation() ? 1 : Math.max(1, (settings.batchSize() + 1) / 2);
    }

    private void wakeIfRoom() {
        if (waiting && capacity() >= threshold()) {
            wake.signal();
        }
    }

    /** Waits for {@code d} or until the engine stops running. */
    private void sleep(Duration d) {
        lock.lock();
        try {
            long wait = d.toNanos();
            while (wait > 0 && running.getAsBoolean()) {
                wait = changed.awaitNanos(wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }
}
