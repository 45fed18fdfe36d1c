package ai.rootkey.connector.internal;

import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.EventSource;
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
 * The loops of the poller threads ({@code <name>-poller}, and {@code <name>-poller-N} for a source that takes
 * concurrent receives) and the lease budget they share: a receive starts only when there is room for at least half a
 * batch (one delivery on probation), never for more than the engine can start; after an empty or failed receive the
 * poller that made it backs off (longer when the queue asks with Retry-After) and nobody receives meanwhile; the
 * first poller probes instead while paused.
 *
 * <p>Pulling ahead: while the queue has a backlog (the last receive filled its ask) and the source takes more than
 * one receive at once ({@link EventSource#maxConcurrentCalls()}), a further receive of a full batch may start
 * while others are under way, so that a receive's round trip overlaps the work on the deliveries already held instead
 * of leaving workers idle. What is being received counts as undecided, within {@link ConnectorSettings#leaseLimit()}.
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
    /** Receives that may be under way at once: 1 unless the source takes concurrent receives. */
    private final int lanes;

    // guarded by lock
    /** Deliveries received (or being received) and not yet decided. */
    private int undecided;
    /** Poller threads waiting for room or for a state change. */
    private int waiting;
    /** Receives under way. */
    private int receiving;
    /** A poller waits out an empty or failed receive: nobody receives meanwhile. */
    private boolean backingOff;
    /** The last receive filled its ask: the queue likely holds more, so receives may overlap. */
    private boolean backlog;
    /** The first poller has read the queue's retry limit: nobody receives before (a delivery must know its last). */
    private boolean discovered;
    private Duration idle;
    private Duration failureBackoff;

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
        this.lanes = lanes(settings);
        this.idle = settings.idleBackoffMin();
        this.failureBackoff = settings.idleBackoffMin();
    }

    /**
     * How many poller threads to run: the source's {@code maxConcurrentCalls()} (read by the builder), but no more
     * than the batches that fit in what may be received ahead ({@link ConnectorSettings#ahead()}).
     */
    private static int lanes(ConnectorSettings settings) {
        int fit = (settings.ahead() + settings.batchSize() - 1) / settings.batchSize();
        return Math.max(1, Math.min(settings.concurrentCalls(), fit));
    }

    /** How many poller threads the engine starts, each running {@link #run(int)} with its own index. */
    int lanes() {
        return lanes;
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

    /** Wakes the loops for a state change. Lock held. */
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

    /**
     * The loop of poller {@code lane} (0 for the first). The first reads the queue's retry limit before it receives
     * and is the one that probes while paused; the others wait a pause out.
     */
    void run(int lane) {
        if (lane == 0) {
            attempts.discover(settings.source(), fatal);
            lock.lock();
            try {
                discovered = true;
                wakeIfRoom();
            } finally {
                lock.unlock();
            }
        }
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
                    if (paused.isPresent() && lane == 0) {
                        break;
                    }
                    ask = paused.isPresent() ? 0 : ask();
                    if (ask > 0) {
                        // Reserved before the call: the leases exist before receive() returns, and stats() counts
                        // them in flight from the start, so nobody takes a connector in mid-receive for idle.
                        undecided += ask;
                        receiving++;
                        break;
                    }
                    waiting++;
                    wake.awaitUninterruptibly();
                    waiting--;
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
                received(0, ask, false);
                if (fatal.test(t)) {
                    return;
                }
                receiveFailed(t);
                continue;
            }
            health.success(Failure.Stage.RECEIVE);
            batch.backlog().ifPresent(health::backlog);
            outcomes.batchReceived(batch);
            boolean trial = received(batch.deliveries().size(), ask, true);
            if (batch.isEmpty()) {
                settler.queueDrained();
                backOff(true);
                continue;
            }
            starter.start(batch.deliveries(), trial);
        }
    }

    /**
     * How many deliveries to ask for now; 0 when no receive may start (lock held). With none under way, at least
     * half a batch must fit, and it asks for as much as fits up to a batch; alongside others, only a full batch, only
     * while the queue has a backlog and not on probation.
     */
    private int ask() {
        if (!discovered) {
            return 0;
        }
        int capacity = capacity();
        if (receiving == 0 && !backingOff) {
            return capacity >= threshold() ? Math.min(settings.batchSize(), capacity) : 0;
        }
        if (backlog && !backingOff && receiving < lanes && !pauses.onProbation()
                && capacity >= settings.batchSize()) {
            return settings.batchSize();
        }
        return 0;
    }

    /**
     * Turns the {@code reserved} slots into the {@code count} deliveries received and notes whether the queue seems
     * to hold more. A receive that {@code worked} resets the failure back-off, one that brought deliveries the idle
     * back-off. True on probation.
     */
    private boolean received(int count, int reserved, boolean worked) {
        lock.lock();
        try {
            undecided += count - reserved;
            receiving--;
            backlog = count > 0 && count >= reserved;
            if (worked) {
                failureBackoff = settings.idleBackoffMin();
            }
            if (count > 0) {
                idle = settings.idleBackoffMin();
            }
            wakeIfRoom();
            return pauses.onProbation();
        } finally {
            lock.unlock();
        }
    }

    /** A receive failed: pause, or wait the failure back-off out. */
    private void receiveFailed(Throwable t) {
        Verdict verdict = classifier.classify(Failure.of(Failure.Stage.RECEIVE, t));
        if (verdict.kind() == Verdict.Kind.CONFIGURATION) {
            pauses.pause(verdict.reason(), Failure.Stage.RECEIVE, Optional.empty());
            return;
        }
        health.failure(Failure.Stage.RECEIVE, verdict.reason());
        Duration wait;
        lock.lock();
        try {
            wait = Settler.queueBackoff(verdict, failureBackoff);
        } finally {
            lock.unlock();
        }
        EventLog.connector(Level.WARN, "rootkey.source.receive_failed", "name", settings.name(),
                "reason", verdict.reason(), "detail", String.valueOf(t.getMessage()), "retry_in_ms", wait.toMillis());
        backOff(false, wait);
    }

    /** After an empty receive: waits the idle back-off, which doubles up to its maximum. */
    private void backOff(boolean empty) {
        Duration wait;
        lock.lock();
        try {
            wait = idle;
        } finally {
            lock.unlock();
        }
        backOff(empty, wait);
    }

    /**
     * Waits {@code d}, or until the engine stops, while no poller receives; then doubles the idle back-off
     * ({@code empty}) or the failure back-off.
     */
    private void backOff(boolean empty, Duration d) {
        lock.lock();
        try {
            backingOff = true;
            long wait = d.toNanos();
            while (wait > 0 && running.getAsBoolean()) {
                wait = changed.awaitNanos(wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            backingOff = false;
            if (empty) {
                idle = Workers.doubled(idle, settings.idleBackoffMax());
            } else {
                failureBackoff = Workers.doubled(failureBackoff, settings.idleBackoffMax());
            }
            wakeIfRoom();
            lock.unlock();
        }
    }

    /**
     * How many more deliveries may be received now (lock held): room below the lease limit for deliveries not yet
     * decided, and, for all leases held (decided ones waiting for their ack included), room below
     * {@link ConnectorSettings#heldLimit()}, which binds while the source is slow to take settlements or refuses them.
     */
    private int capacity() {
        int held = undecided + settler.held();
        int limit = pauses.onProbation() ? 1 : settings.leaseLimit();
        return Math.min(limit - undecided, settings.heldLimit() - held);
    }

    /** Free lease slots needed before receiving again with no receive under way (lock held). */
    private int threshold() {
        return pauses.onProbation() ? 1 : Math.max(1, (settings.batchSize() + 1) / 2);
    }

    /** Wakes the waiting pollers when one of them may receive now (lock held). */
    private void wakeIfRoom() {
        if (waiting > 0 && ask() > 0) {
            wake.signalAll();
        }
    }
}
