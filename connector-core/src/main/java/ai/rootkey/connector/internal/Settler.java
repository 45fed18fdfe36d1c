package ai.rootkey.connector.internal;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.Failure;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.Verdict;
import org.slf4j.event.Level;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Sends decisions to the source in batches, on its own thread ({@code <name>-settler}; where the source takes several
 * settles at once, as many threads, {@code <name>-settler-N}, each sending its own batch): a batch goes when it holds
 * {@code settleBatchSize} settlements, when the oldest has waited {@code settleInterval}, when the queue runs dry, or
 * at a flush. A failure that retrying may fix keeps the settlements, in order, and waits (longer when the queue asks
 * with Retry-After), and no thread sends before that wait is over; a refusal that retrying cannot fix is narrowed down
 * by halving the batch, so one bad settlement never blocks the others.
 *
 * <p>It has its own lock. The engine calls {@link #add} and {@link #held} while holding its lock, so the order is
 * always engine, then settler; the settler calls back ({@code onSettled}, {@code pause}) holding none.
 */
final class Settler {
    private record Pending(Settlement settlement, long queuedNanos) {
    }

    private final ConnectorSettings settings;
    private final SafeClassifier classifier;
    private final HealthTracker health;
    private final Outcomes outcomes;
    private final Consumer<String> pause;
    private final Runnable onSettled;

    private final ReentrantLock lock = new ReentrantLock();
    /** Wakes the settler thread: a batch may be due, a flush or the stop. */
    private final Condition wake = lock.newCondition();
    /** A batch went out: a flush waits on it. */
    private final Condition sent = lock.newCondition();
    // guarded by lock
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private int inSettle;
    private boolean flushNow;
    private boolean queueDrained;
    private boolean stop;
    /** The wait after a failed send, doubled on each failure in a row. */
    private Duration backoff;
    /** No send starts before this {@link System#nanoTime()} after a failure; meaningful while {@code waiting}. */
    private long resumeAtNanos;
    private boolean waiting;

    private List<Thread> threads = List.of();

    /**
     * @param pause     called with the reason when the source refuses settlements for a configuration reason
     * @param onSettled called after every batch the source took: room for new leases
     */
    Settler(ConnectorSettings settings, SafeClassifier classifier, HealthTracker health, Outcomes outcomes,
            Consumer<String> pause, Runnable onSettled) {
        this.settings = settings;
        this.classifier = classifier;
        this.health = health;
        this.outcomes = outcomes;
        this.pause = pause;
        this.onSettled = onSettled;
        this.backoff = settings.idleBackoffMin();
    }

    /**
     * Builds the threads, one per settle the source takes at once; {@link #start} runs them. Built apart so the engine
     * can create every thread under its lock.
     */
    void create() {
        List<Thread> built = new ArrayList<>();
        for (int i = 1; i <= Math.max(1, settings.concurrentCalls()); i++) {
            built.add(Workers.newThread(settings.name() + "-settler" + (i == 1 ? "" : "-" + i), this::loop));
        }
        threads = List.copyOf(built);
    }

    void start() {
        threads.forEach(Thread::start);
    }

    /** Queues one settlement. */
    void add(Settlement settlement) {
        lock.lock();
        try {
            pending.addLast(new Pending(settlement, System.nanoTime()));
            int size = pending.size();
            if (size == 1 || size >= settings.settleBatchSize()) {
                wake.signalAll(); // starts the interval timer, or a full batch is due (for any idle thread)
            }
        } finally {
            lock.unlock();
        }
    }

    /** Settlements queued or being sent: leases the engine still holds although their deliveries are decided. */
    int held() {
        lock.lock();
        try {
            return pending.size() + inSettle;
        } finally {
            lock.unlock();
        }
    }

    /** The queue has nothing more for us: batching settlements gains nothing, so send what is pending. */
    void queueDrained() {
        lock.lock();
        try {
            if (!pending.isEmpty()) {
                queueDrained = true;
                wake.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends everything pending, waiting until {@code deadlineNanos} at most, then stops the thread. What the source
     * kept refusing is logged ({@code rootkey.connector.settle_abandoned}): those leases expire and the queue
     * redelivers the messages.
     */
    void flushAndStop(long deadlineNanos) {
        lock.lock();
        try {
            flushNow = true;
            wake.signalAll();
            while ((!pending.isEmpty() || inSettle > 0) && System.nanoTime() < deadlineNanos) {
                sent.awaitNanos(Math.max(1, deadlineNanos - System.nanoTime()));
            }
            if (!pending.isEmpty()) {
                EventLog.connector(Level.WARN, "rootkey.connector.settle_abandoned", "name", settings.name(),
                        "count", pending.size(),
                        "note", "the source kept failing; these leases expire and the queue redelivers the messages");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stop = true;
            wake.signalAll();
            lock.unlock();
        }
        long joinDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (Thread thread : threads) {
            Workers.joinUntil(thread, joinDeadline);
        }
    }

    private void loop() {
        while (true) {
            List<Pending> chunk = nextChunk();
            if (chunk == null) {
                return;
            }
            Sent result = send(chunk);
            if (result.unsent.isEmpty()) {
                health.success(Failure.Stage.SETTLE);
                lock.lock();
                try {
                    backoff = settings.idleBackoffMin();
                    inSettle -= chunk.size();
                    sent.signalAll();
                } finally {
                    lock.unlock();
                }
                onSettled.run();
                continue;
            }
            Verdict verdict = result.verdict;
            if (verdict.kind() == Verdict.Kind.CONFIGURATION) {
                pause.accept(verdict.reason());
            } else {
                health.failure(Failure.Stage.SETTLE, verdict.reason());
            }
            Duration wait;
            lock.lock();
            try {
                wait = queueBackoff(verdict, backoff);
                backoff = Workers.doubled(backoff, settings.idleBackoffMax());
            } finally {
                lock.unlock();
            }
            EventLog.connector(Level.WARN, "rootkey.source.settle_failed", "name", settings.name(),
                    "count", result.unsent.size(), "reason", verdict.reason(), "detail", result.detail,
                    "retry_in_ms", wait.toMillis());
            putBack(chunk.size(), result.unsent, wait);
        }
    }

    /** Waits until a batch is due and takes it; null when stopped. */
    private List<Pending> nextChunk() {
        long intervalNanos = settings.settleInterval().toNanos();
        lock.lock();
        try {
            while (true) {
                if (stop) {
                    return null;
                }
                if (waiting) {
                    long left = resumeAtNanos - System.nanoTime();
                    if (left > 0) {
                        wake.awaitNanos(left);
                        continue;
                    }
                    waiting = false;
                }
                if (!pending.isEmpty()) {
                    long age = System.nanoTime() - pending.peekFirst().queuedNanos;
                    if (flushNow || queueDrained || pending.size() >= settings.settleBatchSize()
                            || age >= intervalNanos) {
                        break;
                    }
                    wake.awaitNanos(intervalNanos - age);
                } else {
                    wake.await();
                }
            }
            queueDrained = false;
            int n = Math.min(pending.size(), Math.max(settings.settleBatchSize(), 100));
            List<Pending> chunk = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                chunk.add(pending.pollFirst());
            }
            inSettle += n;
            return chunk;
        } catch (InterruptedException e) {
            return null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Puts the unsent settlements back at the head, in order; no thread sends again for {@code wait} (the latest of
     * the waits asked for, where several threads failed).
     */
    private void putBack(int taken, List<Pending> unsent, Duration wait) {
        lock.lock();
        try {
            inSettle -= taken;
            for (int i = unsent.size() - 1; i >= 0; i--) {
                pending.addFirst(unsent.get(i));
            }
            long until = System.nanoTime() + wait.toNanos();
            if (!waiting || until - resumeAtNanos > 0) {
                resumeAtNanos = until;
            }
            waiting = true;
            sent.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends {@code chunk} to the source. A refusal that retrying cannot fix (a {@link Verdict.Kind#PERMANENT}
     * verdict, e.g. a 400 from the ack call) must not block every later settlement: the chunk is split in halves
     * until the refused settlement is alone, which is then dropped with an ERROR (its lease expires and the queue
     * redelivers the message) or, for a refused requeue, turned into a plain hand-back. Returns what is still to
     * send after a failure that retrying may fix, in order.
     */
    private Sent send(List<Pending> chunk) {
        List<Settlement> settlements = new ArrayList<>(chunk.size());
        for (Pending p : chunk) {
            settlements.add(p.settlement);
        }
        Verdict verdict;
        String detail;
        try {
            settings.source().settle(settlements);
            return Sent.DONE;
        } catch (Throwable t) {
            verdict = classifier.classify(Failure.Stage.SETTLE, t);
            detail = String.valueOf(t.getMessage());
        }
        if (verdict.kind() != Verdict.Kind.PERMANENT) {
            return new Sent(chunk, verdict, detail);
        }
        if (chunk.size() == 1) {
            return refused(chunk.get(0), verdict, detail);
        }
        int mid = chunk.size() / 2;
        Sent left = send(chunk.subList(0, mid));
        if (!left.unsent.isEmpty()) {
            List<Pending> rest = new ArrayList<>(left.unsent);
            rest.addAll(chunk.subList(mid, chunk.size()));
            return new Sent(rest, left.verdict, left.detail);
        }
        return send(chunk.subList(mid, chunk.size()));
    }

    private Sent refused(Pending pending, Verdict verdict, String detail) {
        Settlement settlement = pending.settlement;
        Delivery delivery = settlement.delivery();
        if (settlement.kind() == Settlement.Kind.REQUEUE) {
            outcomes.requeueRefused(delivery, "the queue refused to publish the message again ("
                    + verdict.reason() + "): " + detail);
            return send(List.of(new Pending(Settlement.retry(delivery, Duration.ZERO), pending.queuedNanos)));
        }
        EventLog.settleRefused(settlement, verdict.reason(), detail);
        return Sent.DONE;
    }

    /** How long to wait after a failed queue call: the back-off, or longer when the queue asked (capped). */
    static Duration queueBackoff(Verdict verdict, Duration backoff) {
        Duration asked = verdict.retryAfter().orElse(Duration.ZERO);
        if (asked.compareTo(Connector.MAX_QUEUE_RETRY_AFTER) > 0) {
            asked = Connector.MAX_QUEUE_RETRY_AFTER;
        }
        return asked.compareTo(backoff) > 0 ? asked : backoff;
    }

    /** What {@link #send} could not send, and why. */
    private record Sent(List<Pending> unsent, Verdict verdict, String detail) {
        static final Sent DONE = new Sent(List.of(), null, null);
    }
}
