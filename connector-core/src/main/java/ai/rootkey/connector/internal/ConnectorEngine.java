package ai.rootkey.connector.internal;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorStats;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.Failure;
import ai.rootkey.connector.Health;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.SourceRef;
import ai.rootkey.connector.Verdict;
import org.slf4j.event.Level;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The processing engine behind {@link Connector}: a poller thread ({@code <name>-poller}, more where the source takes
 * concurrent receives: {@link Poller}) that leases deliveries when there is capacity, a bounded pool of workers ({@code <name>-worker-N}) that run each delivery through the
 * {@link Pipeline}, and the {@link Settler}'s thread ({@code <name>-settler}) that sends acks and retries in batches.
 * The parts: {@link Pipeline} decides, {@link Decider} turns a decision into an outcome and a settlement,
 * {@link ClaimTable} keeps two deliveries of one object version apart, {@link Outcomes} counts and tells listeners,
 * {@link Pauses} pauses and probes, {@link Attempts} knows the last delivery.
 *
 * <p>Invariants: at most {@code concurrency} deliveries are processed at once; at most
 * {@link ConnectorSettings#leaseLimit()} deliveries ({@code concurrency + batchSize} for a source of one receive at a
 * time) are received and not yet decided (the engine never leases more than it can start soon); decided deliveries wait for a batched settlement; every delivery is decided exactly once (anchored,
 * skipped, retried, exhausted, terminal, released or requeued) and every decision is sent to the source, at the
 * latest when the connector closes.
 */
public final class ConnectorEngine implements Connector {

    private enum State { NEW, RUNNING, CLOSING, CLOSED }

    private final ConnectorSettings settings;
    private final ReentrantLock lock = new ReentrantLock();
    /** State changes (start, close, pause, resume); sleeping loops wait on it. */
    private final Condition changed = lock.newCondition();

    /** Written under the lock; read without it where a stale answer only delays a bail-out (a worker's check). */
    private volatile State state = State.NEW;

    private final Set<Job> open = ConcurrentHashMap.newKeySet();
    private final HealthTracker health;
    private final Outcomes outcomes;
    private final Pauses pauses;
    private final Attempts attempts;
    private final ClaimTable claims = new ClaimTable();
    private final Pipeline pipeline;
    private final Decider decider;
    private final Settler settler;
    private final Poller poller;

    private ExecutorService workers;
    /** The poller threads; the first is {@code <name>-poller}. Empty until started. */
    private List<Thread> pollerThreads = List.of();

    public ConnectorEngine(ConnectorSettings settings) {
        this.settings = settings;
        this.outcomes = new Outcomes(settings.listeners(), this::isFatal);
        this.health = new HealthTracker(settings.clock(), outcomes::healthChanged);
        this.pauses = new Pauses(settings, health, lock, changed, this::wakeAll, this::running);
        SafeClassifier classifier = new SafeClassifier(settings.classifier(), this::isFatal);
        pauses.classifier(classifier);
        this.attempts = new Attempts(settings.name(), settings.retryPolicy().maxAttempts());
        this.pipeline = new Pipeline(settings, claims, classifier, this::isFatal);
        this.decider = new Decider(settings, attempts, outcomes, health, pauses, this::isFatal, this::decided);
        this.settler = new Settler(settings, classifier, health, outcomes,
                reason -> pauses.pause(reason, Failure.Stage.SETTLE, Optional.empty()), this::settled);
        this.poller = new Poller(settings, lock, changed, this::running, pauses, settler, attempts, health, outcomes,
                classifier, this::isFatal, this::startJobs);
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Starts the threads. A connector closed before it was ever started stays closed and this returns at once, so
     * that {@code start()} racing {@code close()} neither throws nor hangs.
     *
     * @throws IllegalStateException when it was started before
     */
    @Override
    public Connector start() {
        lock.lock();
        try {
            if (state != State.NEW) {
                if (pollerThreads.isEmpty()) {
                    EventLog.connector(Level.INFO, "rootkey.connector.not_started", "name", settings.name(),
                            "note", "closed before it was started");
                    return this;
                }
                throw new IllegalStateException("connector " + settings.name() + " was already started"
                        + (state == State.RUNNING ? "" : " and closed") + ": build a new one");
            }
            // Built under the lock: a close() that comes next finds every thread in place.
            workers = Workers.newPool(settings.name(), settings.concurrency());
            List<Thread> pollers = new ArrayList<>(poller.lanes());
            for (int lane = 0; lane < poller.lanes(); lane++) {
                int index = lane;
                pollers.add(Workers.newThread(settings.name() + "-poller" + (lane == 0 ? "" : "-" + (lane + 1)),
                        () -> poller.run(index)));
            }
            pollerThreads = List.copyOf(pollers);
            settler.create();
            state = State.RUNNING;
            health.started();
            settler.start();
            pollerThreads.forEach(Thread::start);
        } finally {
            lock.unlock();
        }
        EventLog.connector(Level.INFO, "rootkey.connector.started", "name", settings.name(),
                "concurrency", settings.concurrency(), "batch_size", settings.batchSize(),
                "concurrent_receives", poller.lanes(),
                "max_file_size_bytes", settings.maxFileSizeBytes(), "max_attempts", attempts.last());
        return this;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (state == State.NEW) {
                state = State.CLOSED;
                health.closed();
                return;
            }
            if (state != State.RUNNING) {
                // Another thread is closing or has closed: wait for it so close() returns only when done.
                while (state != State.CLOSED) {
                    changed.awaitUninterruptibly();
                }
                return;
            }
            state = State.CLOSING;
            wakeAll();
        } finally {
            lock.unlock();
        }
        long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
        EventLog.connector(Level.INFO, "rootkey.connector.closing", "name", settings.name(),
                "in_flight", open.size(), "drain_timeout_ms", settings.drainTimeout().toMillis());

        for (Thread pollerThread : pollerThreads) {
            Workers.joinUntil(pollerThread, deadline);
            if (pollerThread.isAlive()) {
                pollerThread.interrupt();
                Workers.joinUntil(pollerThread, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
            }
        }
        // Nothing new gets leased now. Hand back what has not started or is parked behind a twin.
        List<Runnable> notStarted = new ArrayList<>();
        Workers.drainQueue(workers, notStarted);
        for (Runnable r : notStarted) {
            decider.release((Job) r, Outcome.SHUTDOWN);
        }
        for (Job job : open) {
            if (job.parked) {
                decider.release(job, Outcome.SHUTDOWN);
            }
        }
        workers.shutdown();
        Workers.awaitTermination(workers, deadline);
        if (!workers.isTerminated()) {
            for (Job job : open) {
                job.abort();
                decider.release(job, Outcome.DRAIN_TIMEOUT);
            }
            workers.shutdownNow();
        }
        // Decisions made by jobs that finished after shutdown were queued too; flush everything.
        settler.flushAndStop(System.nanoTime() + Math.max(TimeUnit.SECONDS.toNanos(5),
                settings.drainTimeout().toNanos() / 2));
        lock.lock();
        try {
            state = State.CLOSED;
            wakeAll();
        } finally {
            lock.unlock();
        }
        health.closed();
        ConnectorStats s = stats();
        EventLog.connector(Level.INFO, "rootkey.connector.closed", "name", settings.name(),
                "received", s.received(), "anchored", s.anchored(), "skipped", s.skipped(), "retried", s.retried(),
                "exhausted", s.exhausted(), "terminal", s.terminal(), "released", s.released(),
                "requeued", s.requeued(), "released_to_dlq", s.releasedToDeadLetter());
    }

    /**
     * The counters. {@code inFlight} and {@code unsettled} are read together under the lock; a decision queues its
     * settlement before it frees its slot, so a caller never sees a decided delivery in neither.
     */
    @Override
    public ConnectorStats stats() {
        int inFlight;
        int unsettled;
        lock.lock();
        try {
            inFlight = poller.undecided();
            unsettled = settler.held();
        } finally {
            lock.unlock();
        }
        return outcomes.snapshot(inFlight, unsettled);
    }

    @Override
    public Health health() {
        return health.current();
    }

    // ------------------------------------------------------------------ workers

    /** Starts a job for each delivery of one receive. */
    private void startJobs(List<Delivery> deliveries, boolean trial) {
        for (Delivery delivery : deliveries) {
            attempts.noteDelivered(delivery);
            Job job = new Job(delivery, settings.clock().instant(), trial, this::process);
            open.add(job);
            outcomes.received();
            submit(job);
        }
    }

    private void submit(Job job) {
        try {
            workers.execute(job);
        } catch (RejectedExecutionException e) {
            decider.release(job, Outcome.SHUTDOWN);
        }
    }

    private void process(Job job) {
        job.parked = false;
        if (job.isDone()) {
            return;
        }
        if (!isRunning()) {
            decider.release(job, Outcome.SHUTDOWN);
            return;
        }
        if (pauses.isPaused()) {
            decider.release(job, Outcome.PAUSED);
            return;
        }
        try {
            decider.apply(job, pipeline.run(job));
        } catch (Throwable t) {
            // The pipeline classifies everything it expects; this is a bug or an Error. Never lose the delivery.
            if (isFatal(t)) {
                decider.release(job, Outcome.PAUSED);
            } else {
                EventLog.connector(Level.ERROR, "rootkey.connector.worker_failed", "name", settings.name(),
                        "error", t.toString());
                decider.retryOrExhaust(job, Verdict.transientFailure("unexpected_error"), t.toString(),
                        Optional.empty(), Optional.empty());
            }
        } finally {
            wakeWaiters(job);
            decider.checkLeaseKept(job);
        }
    }

    /** The deliveries parked behind {@code job}: skipped when it anchored the version they announce, else resumed. */
    private void wakeWaiters(Job job) {
        Outcome outcome = job.outcome();
        for (Job waiter : claims.release(job)) {
            Optional<String> waitedFor = waiter.delivery.event().flatMap(ObjectEvent::eTag);
            if (outcome != null && outcome.kind() == Outcome.Kind.ANCHORED && waitedFor.isPresent()
                    && outcome.source().flatMap(SourceRef::eTag).equals(waitedFor)) {
                decider.skip(waiter, Outcome.DUPLICATE, "anchored by a concurrent delivery of the same event");
            } else {
                submit(waiter);
            }
        }
    }

    /**
     * A delivery was decided: its settlement is queued, then its slot freed. In that order, a reader of
     * {@link #stats()} may see the delivery both in flight and unsettled for a moment, never in neither, and the
     * poller's capacity errs on the safe side.
     */
    private void decided(Job job, Settlement settlement, Outcome outcome) {
        open.remove(job);
        settler.add(settlement);
        lock.lock();
        try {
            pauses.decided(outcome.kind());
            poller.slotFreed();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ helpers

    private boolean isFatal(Throwable t) {
        return pauses.isFatal(t);
    }

    private boolean isRunning() {
        return state == State.RUNNING;
    }

    /** Lock held. */
    private boolean running() {
        return state == State.RUNNING;
    }

    /** Signals every waiter: a state change. Lock held. */
    private void wakeAll() {
        changed.signalAll();
        poller.wake();
    }

    /** Settlements went out: room for new leases. */
    private void settled() {
        poller.settled();
    }
}
