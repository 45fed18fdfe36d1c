package ai.rootkey.connector.internal;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Callbacks;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.ConnectorStats;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.Failure;
import ai.rootkey.connector.Health;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.ObjectMetadata;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.SourceRef;
import ai.rootkey.connector.StoredObject;
import ai.rootkey.connector.Verdict;
import org.slf4j.event.Level;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The processing engine behind {@link Connector}: one poller thread that leases deliveries when there is
 * capacity, a bounded pool of workers that run each delivery through the pipeline of DESIGN section 4, and one
 * settler thread that sends acks and retries to the source in batches.
 *
 * <p>Invariants: at most {@code concurrency} deliveries are processed at once; at most
 * {@code concurrency + batchSize} deliveries are received and not yet decided (the engine never leases more than it
 * can start); decided deliveries wait for a batched settlement, at most {@code settleBatchSize} of them or
 * {@code settleInterval} long while the source answers; every delivery is decided exactly once (anchored, skipped,
 * retried, exhausted, terminal or released) and every decision is sent to the source, at the latest when the
 * connector closes.
 */
public final class ConnectorEngine implements Connector {

    private enum State { NEW, RUNNING, CLOSING, CLOSED }

    private final ConnectorSettings settings;
    private final ReentrantLock lock = new ReentrantLock();
    /** State changes (start, close, pause, resume) and flushes; close() waits on it. */
    private final Condition changed = lock.newCondition();
    /** Wakes the poller: capacity freed, or a state change. */
    private final Condition pollerWake = lock.newCondition();
    /** Wakes the settler: a batch of settlements is due, or a state change. */
    private final Condition settlerWake = lock.newCondition();

    // guarded by lock
    private State state = State.NEW;
    private int undecided;
    private int inSettle;
    private final ArrayDeque<Pending> pendingSettlements = new ArrayDeque<>();
    private Pause pause;
    private boolean probation;
    private boolean flushNow;
    private boolean pollerWaiting;
    private boolean queueDrained;
    private boolean settlerStop;

    /** The delivery the queue makes last: its {@code max_retries + 1}; read from the source at start, raised when seen. */
    private final AtomicInteger lastAttempt;
    private final AtomicBoolean attemptsWarned = new AtomicBoolean();
    /** The probe interval now: doubled each time a probe passes but the trial delivery after it is refused. */
    private volatile Duration probeInterval;
    /** The pause reason of the last trial refused after a passing probe; a trial that succeeds clears it. */
    private volatile boolean probeMisleads;
    private volatile Throwable fatal;

    private final Set<Job> open = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<IdKey, Job> claims = new ConcurrentHashMap<>();
    private final HealthTracker health;
    private final Counters counters = new Counters();

    private ExecutorService workers;
    private Thread poller;
    private Thread settler;

    public ConnectorEngine(ConnectorSettings settings) {
        this.settings = settings;
        this.health = new HealthTracker(settings.clock(), this::notifyHealth);
        this.lastAttempt = new AtomicInteger(settings.retryPolicy().maxAttempts());
        this.probeInterval = settings.probeInterval();
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
                if (poller == null) {
                    EventLog.connector(Level.INFO, "rootkey.connector.not_started", "name", settings.name(),
                            "note", "closed before it was started");
                    return this;
                }
                throw new IllegalStateException("connector " + settings.name() + " was already started"
                        + (state == State.RUNNING ? "" : " and closed") + ": build a new one");
            }
            // Built under the lock: a close() that comes next finds every thread in place.
            workers = Workers.newPool(settings.name(), settings.concurrency());
            poller = Workers.newThread(settings.name() + "-poller", this::pollLoop);
            settler = Workers.newThread(settings.name() + "-settler", this::settleLoop);
            state = State.RUNNING;
            health.started();
            settler.start();
            poller.start();
        } finally {
            lock.unlock();
        }
        EventLog.connector(Level.INFO, "rootkey.connector.started", "name", settings.name(),
                "concurrency", settings.concurrency(), "batch_size", settings.batchSize(),
                "max_file_size_bytes", settings.maxFileSizeBytes(), "max_attempts", lastAttempt.get());
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

        joinUntil(poller, deadline);
        if (poller.isAlive()) {
            poller.interrupt();
            joinUntil(poller, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
        }
        // Nothing new gets leased now. Hand back what has not started or is parked behind a twin.
        List<Runnable> notStarted = new ArrayList<>();
        Workers.drainQueue(workers, notStarted);
        for (Runnable r : notStarted) {
            release((Job) r, Outcome.SHUTDOWN);
        }
        for (Job job : open) {
            if (job.parked) {
                release(job, Outcome.SHUTDOWN);
            }
        }
        workers.shutdown();
        awaitTermination(workers, deadline);
        if (!workers.isTerminated()) {
            for (Job job : open) {
                job.abort();
                release(job, Outcome.DRAIN_TIMEOUT);
            }
            workers.shutdownNow();
        }
        // Decisions made by jobs that finished after shutdown were queued too; flush everything.
        lock.lock();
        try {
            flushNow = true;
            wakeAll();
        } finally {
            lock.unlock();
        }
        long flushDeadline = System.nanoTime() + Math.max(TimeUnit.SECONDS.toNanos(5),
                settings.drainTimeout().toNanos() / 2);
        lock.lock();
        try {
            while ((!pendingSettlements.isEmpty() || inSettle > 0) && System.nanoTime() < flushDeadline) {
                changed.awaitNanos(Math.max(1, flushDeadline - System.nanoTime()));
            }
            if (!pendingSettlements.isEmpty()) {
                EventLog.connector(Level.WARN, "rootkey.connector.settle_abandoned", "name", settings.name(),
                        "count", pendingSettlements.size(),
                        "note", "the source kept failing; these leases expire and the queue redelivers the messages");
            }
            settlerStop = true;
            wakeAll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            settlerStop = true;
            wakeAll();
        } finally {
            lock.unlock();
        }
        joinUntil(settler, System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
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
     * The counters. {@code inFlight} and {@code unsettled} are read together under the lock, where a decision moves
     * a delivery from one to the other, so a caller never sees a decided delivery in neither.
     */
    @Override
    public ConnectorStats stats() {
        int inFlight;
        int unsettled;
        lock.lock();
        try {
            inFlight = undecided;
            unsettled = pendingSettlements.size() + inSettle;
        } finally {
            lock.unlock();
        }
        return counters.snapshot(inFlight, unsettled);
    }

    @Override
    public Health health() {
        return health.current();
    }

    // ------------------------------------------------------------------ poller

    private void pollLoop() {
        discoverLastAttempt();
        Duration idle = settings.idleBackoffMin();
        Duration failureBackoff = settings.idleBackoffMin();
        while (true) {
            Pause paused;
            int ask = 0;
            lock.lock();
            try {
                while (true) {
                    if (state != State.RUNNING) {
                        return;
                    }
                    paused = pause;
                    if (paused != null) {
                        break;
                    }
                    int capacity = capacity();
                    if (capacity >= receiveThreshold()) {
                        ask = Math.min(settings.batchSize(), capacity);
                        // Reserved before the call: the leases exist before receive() returns, and stats() counts
                        // them in flight from the start, so nobody takes a connector in mid-receive for idle.
                        undecided += ask;
                        pollerWaiting = false;
                        break;
                    }
                    pollerWaiting = true;
                    pollerWake.awaitUninterruptibly();
                }
            } finally {
                lock.unlock();
            }
            if (paused != null) {
                if (paused.fatal) {
                    return;
                }
                probeWhilePaused(paused);
                continue;
            }
            Batch batch;
            try {
                batch = settings.source().receive(ask);
            } catch (Throwable t) {
                unreserve(ask);
                if (isFatal(t)) {
                    return;
                }
                Verdict verdict = classify(Failure.of(Failure.Stage.RECEIVE, t));
                if (verdict.kind() == Verdict.Kind.CONFIGURATION) {
                    pause(verdict.reason(), Failure.Stage.RECEIVE, Optional.empty());
                } else {
                    health.failure(Failure.Stage.RECEIVE, verdict.reason());
                    Duration wait = queueBackoff(verdict, failureBackoff);
                    EventLog.connector(Level.WARN, "rootkey.source.receive_failed", "name", settings.name(),
                            "reason", verdict.reason(), "detail", String.valueOf(t.getMessage()),
                            "retry_in_ms", wait.toMillis());
                    sleep(wait);
                    failureBackoff = doubled(failureBackoff, settings.idleBackoffMax());
                }
                continue;
            }
            failureBackoff = settings.idleBackoffMin();
            health.success(Failure.Stage.RECEIVE);
            batch.backlog().ifPresent(health::backlog);
            notifyBatch(batch);
            if (batch.isEmpty()) {
                unreserve(ask);
                requestIdleFlush();
                sleep(idle);
                idle = doubled(idle, settings.idleBackoffMax());
                continue;
            }
            idle = settings.idleBackoffMin();
            dispatch(batch.deliveries(), ask);
        }
    }

    private void unreserve(int reserved) {
        lock.lock();
        try {
            undecided -= reserved;
        } finally {
            lock.unlock();
        }
    }

    /** The queue has nothing more for us: batching settlements gains nothing, so send what is pending. */
    private void requestIdleFlush() {
        lock.lock();
        try {
            if (!pendingSettlements.isEmpty()) {
                queueDrained = true;
                settlerWake.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Signals every waiter: a state change. Lock held. */
    private void wakeAll() {
        changed.signalAll();
        pollerWake.signalAll();
        settlerWake.signalAll();
    }

    /**
     * How many more deliveries the poller may receive now (lock held): room below the lease limit for deliveries not
     * yet decided, and, for all leases held (decided ones waiting for their ack included), room below the lease limit
     * plus one settle batch, which only binds while the source refuses settlements.
     */
    private int capacity() {
        int held = undecided + pendingSettlements.size() + inSettle;
        return Math.min(leaseLimit() - undecided, settings.leaseLimit() + settings.settleBatchSize() - held);
    }

    /** Deliveries the engine may hold now (guarded by lock). */
    private int leaseLimit() {
        return probation ? 1 : settings.leaseLimit();
    }

    /** Free lease slots needed before the poller receives again (guarded by lock). */
    private int receiveThreshold() {
        return probation ? 1 : Math.max(1, (settings.batchSize() + 1) / 2);
    }

    /** Starts the deliveries of one receive, {@code reserved} slots of which were counted before the call. */
    private void dispatch(List<Delivery> deliveries, int reserved) {
        boolean trial;
        lock.lock();
        try {
            undecided += deliveries.size() - reserved;
            trial = probation;
        } finally {
            lock.unlock();
        }
        for (Delivery delivery : deliveries) {
            noteAttempts(delivery);
            Job job = new Job(delivery, settings.clock().instant());
            job.trial = trial;
            open.add(job);
            counters.received.increment();
            submit(job);
        }
    }

    /**
     * Reads the queue's {@code max_retries} from the source (DESIGN section 4 rule 9): the last attempt is the
     * delivery after it. Where the source cannot tell, the retry policy's value stays, said once at INFO.
     */
    private void discoverLastAttempt() {
        int configured = settings.retryPolicy().maxAttempts();
        String why;
        try {
            OptionalInt maxRetries = settings.source().maxRetries();
            if (maxRetries.isPresent() && maxRetries.getAsInt() >= 0) {
                int discovered = maxRetries.getAsInt() + 1;
                lastAttempt.set(discovered);
                EventLog.connector(discovered == configured ? Level.DEBUG : Level.INFO,
                        "rootkey.connector.max_retries", "name", settings.name(), "max_retries",
                        maxRetries.getAsInt(), "last_attempt", discovered, "source", "queue consumer",
                        "configured_last_attempt", configured);
                return;
            }
            why = "the source does not report it";
        } catch (Throwable t) {
            if (isFatal(t)) {
                return;
            }
            why = "the consumer settings could not be read: " + t.getMessage();
        }
        EventLog.connector(Level.INFO, "rootkey.connector.max_retries", "name", settings.name(), "max_retries",
                configured - 1, "last_attempt", configured, "source", "configuration", "note", why);
    }

    /** A delivery with more attempts than the engine thought possible: the queue retries more; adopt its count. */
    private void noteAttempts(Delivery delivery) {
        int attempts = delivery.attempts();
        int last = lastAttempt.get();
        while (attempts > last) {
            if (lastAttempt.compareAndSet(last, attempts)) {
                if (attemptsWarned.compareAndSet(false, true)) {
                    EventLog.connector(Level.WARN, "rootkey.connector.attempts_exceeded", "name", settings.name(),
                            "attempt", attempts, "expected_last_attempt", last, "note",
                            "the queue delivered a message more often than its max_retries allows as far as the "
                                    + "connector knows; it now treats attempt " + attempts + " as the last: check "
                                    + "the consumer's max_retries and the connector's retry policy");
                }
                return;
            }
            last = lastAttempt.get();
        }
    }

    private boolean isLastAttempt(int attempt) {
        return attempt >= lastAttempt.get();
    }

    /** How long to wait after a failed queue call: the back-off, or longer when the queue asked (capped). */
    private static Duration queueBackoff(Verdict verdict, Duration backoff) {
        Duration asked = verdict.retryAfter().orElse(Duration.ZERO);
        if (asked.compareTo(Connector.MAX_QUEUE_RETRY_AFTER) > 0) {
            asked = Connector.MAX_QUEUE_RETRY_AFTER;
        }
        return asked.compareTo(backoff) > 0 ? asked : backoff;
    }

    private void submit(Job job) {
        try {
            workers.execute(job);
        } catch (RejectedExecutionException e) {
            release(job, Outcome.SHUTDOWN);
        }
    }

    private void probeWhilePaused(Pause paused) {
        lock.lock();
        try {
            long wait = probeInterval.toNanos();
            while (wait > 0 && state == State.RUNNING && pause == paused) {
                wait = changed.awaitNanos(wait);
            }
            if (state != State.RUNNING || pause != paused) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } finally {
            lock.unlock();
        }
        try {
            switch (paused.stage) {
                case UPLOAD:
                    settings.anchorer().probe();
                    break;
                case READ:
                    settings.reader().probe(paused.bucket.orElse(settings.bucket().orElse("")));
                    break;
                default:
                    settings.source().probe();
                    break;
            }
        } catch (Throwable t) {
            if (isFatal(t)) {
                return;
            }
            Verdict verdict = classify(Failure.of(paused.stage, t));
            EventLog.connector(Level.DEBUG, "rootkey.connector.probe_failed", "name", settings.name(),
                    "stage", paused.stage, "reason", verdict.reason());
            if (verdict.kind() == Verdict.Kind.CONFIGURATION && !verdict.reason().equals(paused.reason)) {
                pause(verdict.reason(), paused.stage, paused.bucket);
            }
            return;
        }
        resume(paused);
    }

    // ------------------------------------------------------------------ pause / resume

    private void pause(String reason, Failure.Stage stage, Optional<String> bucket) {
        pause(new Pause(reason, stage, bucket, false));
    }

    private void pause(Pause next) {
        boolean first;
        lock.lock();
        try {
            if (state != State.RUNNING || (pause != null && pause.fatal)) {
                return;
            }
            first = pause == null;
            if (first || !pause.reason.equals(next.reason)) {
                pause = next;
                probation = false;
                wakeAll();
            }
        } finally {
            lock.unlock();
        }
        String shown = shownReason(next);
        if (first) {
            EventLog.connector(Level.ERROR, "rootkey.connector.paused", "name", settings.name(), "stage", next.stage,
                    "reason", shown, "probe_interval_ms", probeInterval.toMillis(),
                    "note", next.fatal ? "the connector stopped; held messages are released for redelivery"
                            : "no message is acked while paused; held messages are released for redelivery");
        }
        health.paused(shown);
    }

    private String shownReason(Pause p) {
        if (p.fatal || !probeMisleads) {
            return p.reason;
        }
        return p.reason + " (the probe passes but uploads are still refused; probing every "
                + HealthTracker.human(probeInterval) + ")";
    }

    /**
     * A trial delivery after a passing probe was refused again: the probe does not see what the upload sees. Probe
     * less often (double, up to 15 min) and say so in the health reason.
     */
    private void probeWasWrong() {
        Duration longest = settings.probeInterval().compareTo(Connector.MAX_PROBE_INTERVAL) > 0
                ? settings.probeInterval() : Connector.MAX_PROBE_INTERVAL;
        probeInterval = doubled(probeInterval, longest);
        probeMisleads = true;
    }

    /**
     * True, after stopping the connector, when {@code t} is a {@link VirtualMachineError} that leaves the JVM unable
     * to go on safely (out of memory, an internal error). The connector then reports DOWN and releases what it holds,
     * and only a restart brings it back. A {@link StackOverflowError} is not fatal: by the time it is caught the
     * stack has unwound, so it is handled like any other error thrown by user code. Any other throwable returns
     * false.
     */
    private boolean isFatal(Throwable t) {
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

    private void resume(Pause paused) {
        lock.lock();
        try {
            if (pause != paused || paused.fatal) {
                return;
            }
            pause = null;
            probation = true;
            wakeAll();
        } finally {
            lock.unlock();
        }
        EventLog.connector(Level.INFO, "rootkey.connector.resumed", "name", settings.name(), "stage", paused.stage);
        health.resumed();
    }

    private boolean isPaused() {
        lock.lock();
        try {
            return pause != null;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ the pipeline

    private void process(Job job) {
        job.parked = false;
        if (job.done.get()) {
            return;
        }
        State current = currentState();
        if (current != State.RUNNING) {
            release(job, Outcome.SHUTDOWN);
            return;
        }
        if (isPaused()) {
            release(job, Outcome.PAUSED);
            return;
        }
        try {
            runPipeline(job);
        } catch (Throwable t) {
            // runPipeline classifies everything it expects; this is a bug or an Error. Never lose the delivery.
            if (isFatal(t)) {
                release(job, Outcome.PAUSED);
                return;
            }
            EventLog.connector(Level.ERROR, "rootkey.connector.worker_failed", "name", settings.name(),
                    "error", t.toString());
            retryOrExhaust(job, Verdict.transientFailure("unexpected_error"), t.toString(), Optional.empty(),
                    Optional.empty());
        } finally {
            checkLeaseKept(job);
        }
    }

    /**
     * Whether enough of the delivery's lease is left to start (DESIGN section 4 rule 11); if not, hands it back
     * ({@code lease_too_short}) and returns false. Sources that do not report deadlines always pass.
     */
    private boolean leaseAllows(Job job) {
        Optional<Instant> deadline = job.delivery.leaseDeadline();
        if (deadline.isEmpty()) {
            return true;
        }
        Instant now = settings.clock().instant();
        Duration margin = settings.leaseSafetyMargin(Duration.between(job.receivedAt, deadline.get()));
        if (!now.plus(margin).isAfter(deadline.get())) {
            return true;
        }
        Duration left = Duration.between(now, deadline.get());
        health.leaseLost((left.isNegative() ? "expired " + HealthTracker.human(left.negated()) + " before it started"
                : "only " + HealthTracker.human(left) + " left to start") + ", margin " + HealthTracker.human(margin));
        release(job, Outcome.LEASE_TOO_SHORT);
        return false;
    }

    /** After a decision: an upload that outlived its lease is logged and counted (DESIGN section 4 rule 11). */
    private void checkLeaseKept(Job job) {
        Optional<Instant> deadline = job.delivery.leaseDeadline();
        Outcome outcome = job.outcome;
        if (deadline.isEmpty() || outcome == null || job.parked
                || outcome.kind() == Outcome.Kind.RELEASED || outcome.kind() == Outcome.Kind.REQUEUED) {
            return;
        }
        Instant now = settings.clock().instant();
        if (!now.isAfter(deadline.get())) {
            health.leaseKept();
            return;
        }
        Duration over = Duration.between(deadline.get(), now);
        Duration lease = Duration.between(job.receivedAt, deadline.get());
        counters.leaseExpired.increment();
        health.leaseLost("decided " + HealthTracker.human(over) + " after a lease of " + HealthTracker.human(lease)
                + " ended");
        EventLog.leaseExpired(outcome, over, lease);
    }

    private void runPipeline(Job job) {
        Delivery delivery = job.delivery;
        if (delivery.parseFailure().isPresent()) {
            terminal(job, Verdict.MALFORMED_EVENT, delivery.parseFailure().get().reason(), Optional.empty(),
                    Optional.empty());
            return;
        }
        ObjectEvent event = delivery.event().orElseThrow();
        if (!event.action().createsContent()) {
            skip(job, Outcome.ACTION_NOT_ANCHORED, event.action().wireName());
            return;
        }
        if (settings.bucket().isPresent() && !settings.bucket().get().equals(event.bucket())) {
            terminal(job, Verdict.FOREIGN_BUCKET, "this connector anchors bucket " + settings.bucket().get(),
                    Optional.empty(), Optional.empty());
            return;
        }
        boolean accepted;
        try {
            accepted = settings.filter().accepts(event);
        } catch (Throwable e) {
            if (isFatal(e)) {
                release(job, Outcome.PAUSED);
                return;
            }
            EventLog.connector(Level.ERROR, "rootkey.filter.failed", "filter", String.valueOf(settings.filter()),
                    "key", event.key(), "error", e.toString());
            retryOrExhaust(job, Verdict.transientFailure("filter_error"), e.toString(), Optional.empty(),
                    Optional.empty());
            return;
        }
        if (!accepted) {
            skip(job, Outcome.FILTERED, String.valueOf(settings.filter()));
            return;
        }
        if (event.size().isPresent() && event.size().getAsLong() > settings.maxFileSizeBytes()) {
            terminal(job, Verdict.OVERSIZE, "event size " + event.size().getAsLong() + " > max "
                    + settings.maxFileSizeBytes(), Optional.empty(), Optional.empty());
            return;
        }
        if (!leaseAllows(job)) {
            return;
        }
        if (!claim(job, event)) {
            return; // parked behind a delivery of the same (bucket, key, ETag); resubmitted when it ends
        }
        try {
            readAndUpload(job, event);
        } finally {
            unclaim(job);
        }
    }

    private void readAndUpload(Job job, ObjectEvent event) {
        Failure.Stage stage = Failure.Stage.READ;
        Optional<SourceRef> source = Optional.empty();
        try {
            Optional<StoredObject> opened = settings.reader().open(event.bucket(), event.key());
            if (opened.isEmpty()) {
                terminal(job, Verdict.OBJECT_MISSING, "the object no longer exists", Optional.empty(),
                        Optional.empty());
                return;
            }
            try (StoredObject object = opened.get()) {
                job.openObject = object;
                if (job.done.get()) {
                    return; // released while opening (drain timeout)
                }
                ObjectMetadata live = object.metadata();
                if (live.size() > settings.maxFileSizeBytes()) {
                    terminal(job, Verdict.OVERSIZE, "object size " + live.size() + " > max "
                            + settings.maxFileSizeBytes(), Optional.empty(), Optional.empty());
                    return;
                }
                SourceRef ref = new SourceRef(event.bucket(), event.key(), live.eTag().or(event::eTag));
                source = Optional.of(ref);
                if (!leaseAllows(job)) {
                    return;
                }
                stage = Failure.Stage.UPLOAD;
                Receipt receipt = settings.anchorer().anchor(
                        new AnchorRequest(ref, live.size(), live.contentType(), object.body()));
                if (receipt.isSuccess()) {
                    anchored(job, ref, receipt);
                } else {
                    failed(job, Failure.rejected(receipt), source, Optional.of(receipt));
                }
            }
        } catch (Exception | LinkageError e) {
            failed(job, Failure.of(stage, e), source, Optional.empty());
        } finally {
            job.openObject = null;
        }
    }

    private void failed(Job job, Failure failure, Optional<SourceRef> source, Optional<Receipt> receipt) {
        if (job.done.get()) {
            return;
        }
        Verdict verdict = classify(failure);
        switch (verdict.kind()) {
            case TRANSIENT:
                health.failure(failure.stage(), verdict.reason());
                retryOrExhaust(job, verdict, failure.message(), source, receipt);
                break;
            case PERMANENT:
                terminal(job, verdict.reason(), failure.message(), source, receipt);
                break;
            case CONFIGURATION:
                if (job.trial) {
                    probeWasWrong();
                }
                pause(verdict.reason(), failure.stage(), job.delivery.event().map(ObjectEvent::bucket));
                release(job, Outcome.PAUSED);
                break;
            default:
                throw new IllegalStateException("unknown verdict " + verdict.kind());
        }
    }

    private Verdict classify(Failure failure) {
        try {
            Verdict verdict = settings.classifier().classify(failure);
            if (verdict == null) {
                throw new IllegalStateException("classifier returned null");
            }
            return verdict;
        } catch (Throwable e) {
            if (isFatal(e)) {
                return Verdict.transientFailure("fatal_error");
            }
            EventLog.connector(Level.ERROR, "rootkey.classifier.failed", "error", e.toString(),
                    "failure", failure.message());
            return Verdict.transientFailure("classifier_error");
        }
    }

    // ------------------------------------------------------------------ decisions

    private void anchored(Job job, SourceRef ref, Receipt receipt) {
        Outcome outcome = new Outcome(Outcome.Kind.ANCHORED, job.delivery, "anchored", Optional.of(ref),
                Optional.of(receipt), Optional.empty(), elapsed(job));
        if (!job.done.get()) {
            health.anchored(Failure.Stage.UPLOAD);
        }
        decide(job, Settlement.ack(job.delivery), outcome, null);
    }

    private void skip(Job job, String reason, String detail) {
        decide(job, Settlement.ack(job.delivery), new Outcome(Outcome.Kind.SKIPPED, job.delivery, reason,
                Optional.empty(), Optional.empty(), Optional.empty(), elapsed(job)), detail);
    }

    private void terminal(Job job, String reason, String detail, Optional<SourceRef> source,
                          Optional<Receipt> receipt) {
        decide(job, Settlement.ack(job.delivery), new Outcome(Outcome.Kind.TERMINAL, job.delivery, reason, source,
                receipt, Optional.empty(), elapsed(job)), detail);
    }

    private void retryOrExhaust(Job job, Verdict verdict, String detail, Optional<SourceRef> source,
                                Optional<Receipt> receipt) {
        int attempt = job.delivery.attempts();
        Duration delay;
        synchronized (settings.random()) {
            delay = verdict.retryAfter().map(settings.retryPolicy()::honoured)
                    .orElseGet(() -> settings.retryPolicy().delayAfter(attempt, settings.random()));
        }
        Outcome.Kind kind = isLastAttempt(attempt) ? Outcome.Kind.EXHAUSTED : Outcome.Kind.RETRIED;
        decide(job, Settlement.retry(job.delivery, delay), new Outcome(kind, job.delivery, verdict.reason(), source,
                receipt, Optional.of(delay), elapsed(job)), detail);
    }

    /**
     * Hands a delivery back without a decision. On its final attempt a retry would dead-letter it, so it is requeued
     * where the source can (DESIGN section 4 rule 10); where it cannot, the retry is logged at ERROR
     * ({@code rootkey.event.released_to_dlq}) and counted.
     */
    private void release(Job job, String why) {
        Delivery delivery = job.delivery;
        boolean last = isLastAttempt(delivery.attempts());
        if (last && canRequeue(delivery)) {
            decide(job, Settlement.requeue(delivery), new Outcome(Outcome.Kind.REQUEUED, delivery, why,
                    Optional.empty(), Optional.empty(), Optional.empty(), elapsed(job)), null);
            return;
        }
        Outcome outcome = new Outcome(Outcome.Kind.RELEASED, delivery, why, Optional.empty(), Optional.empty(),
                Optional.empty(), elapsed(job));
        if (last) {
            decide(job, Settlement.retry(delivery, Duration.ZERO), outcome, EventLog.RELEASED_TO_DLQ_NOTE, true);
        } else {
            decide(job, Settlement.retry(delivery, Duration.ZERO), outcome, null);
        }
    }

    private boolean canRequeue(Delivery delivery) {
        try {
            return settings.source().canRequeue(delivery);
        } catch (Throwable t) {
            if (!isFatal(t)) {
                EventLog.connector(Level.ERROR, "rootkey.source.failed", "name", settings.name(),
                        "operation", "canRequeue", "error", t.toString());
            }
            return false;
        }
    }

    /**
     * Records the one decision for a delivery; later decisions for the same delivery are ignored. Counters, the
     * log line and the listeners come first, so that by the time the source sees the settlement everything about
     * the decision is observable.
     */
    private boolean decide(Job job, Settlement settlement, Outcome outcome, String detail) {
        return decide(job, settlement, outcome, detail, false);
    }

    /**
     * As above; {@code toDeadLetter} marks a release on the final attempt that could not be requeued. Whatever the
     * log or a listener throws, the settlement is queued and the slot freed.
     */
    private boolean decide(Job job, Settlement settlement, Outcome outcome, String detail, boolean toDeadLetter) {
        if (!job.done.compareAndSet(false, true)) {
            return false;
        }
        job.outcome = outcome;
        try {
            counters.count(outcome);
            if (toDeadLetter) {
                counters.releasedToDeadLetter.increment();
            }
            EventLog.outcome(outcome, detail, toDeadLetter);
            for (ConnectorListener listener : settings.listeners()) {
                call(listener, "onOutcome", () -> listener.onOutcome(outcome));
            }
        } catch (Throwable t) {
            isFatal(t);
        } finally {
            queueSettlement(job, settlement, outcome);
        }
        return true;
    }

    /** Runs one listener callback; whatever it throws is logged and never reaches the engine (a VM error stops it). */
    private void call(ConnectorListener listener, String method, Runnable callback) {
        try {
            Callbacks.run(listener, method, callback);
        } catch (VirtualMachineError e) {
            isFatal(e);
        }
    }

    private void queueSettlement(Job job, Settlement settlement, Outcome outcome) {
        open.remove(job);
        lock.lock();
        try {
            undecided--;
            pendingSettlements.addLast(new Pending(settlement, System.nanoTime()));
            int pending = pendingSettlements.size();
            if (pending == 1 || pending >= settings.settleBatchSize()) {
                settlerWake.signal(); // starts the interval timer, or a full batch is due
            }
            if (probation && outcome.kind() != Outcome.Kind.RELEASED && outcome.kind() != Outcome.Kind.REQUEUED) {
                probation = false;
                probeInterval = settings.probeInterval();
                probeMisleads = false;
            }
            if (pollerWaiting && capacity() >= receiveThreshold()) {
                pollerWake.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    private Duration elapsed(Job job) {
        Duration d = Duration.between(job.receivedAt, settings.clock().instant());
        return d.isNegative() ? Duration.ZERO : d;
    }

    // ------------------------------------------------------------------ in-process duplicates

    private boolean claim(Job job, ObjectEvent event) {
        IdKey key = new IdKey(event.bucket(), event.key(), event.eTag().orElse(""));
        while (true) {
            Job holder = claims.putIfAbsent(key, job);
            if (holder == null || holder == job) {
                job.claim = key;
                return true;
            }
            synchronized (holder) {
                if (!holder.claimReleased) {
                    job.parked = true;
                    holder.waiters.add(job);
                    return false;
                }
            }
            claims.remove(key, holder);
        }
    }

    private void unclaim(Job job) {
        if (job.claim == null) {
            return;
        }
        List<Job> waiters;
        synchronized (job) {
            job.claimReleased = true;
            waiters = new ArrayList<>(job.waiters);
            job.waiters.clear();
        }
        claims.remove(job.claim, job);
        Outcome outcome = job.outcome;
        for (Job waiter : waiters) {
            Optional<String> waitedFor = waiter.delivery.event().flatMap(ObjectEvent::eTag);
            if (outcome != null && outcome.kind() == Outcome.Kind.ANCHORED && waitedFor.isPresent()
                    && outcome.source().flatMap(SourceRef::eTag).equals(waitedFor)) {
                // The very object version this delivery announces was just anchored: nothing left to do.
                waiter.parked = false;
                skip(waiter, Outcome.DUPLICATE, "anchored by a concurrent delivery of the same event");
            } else {
                submit(waiter);
            }
        }
    }

    // ------------------------------------------------------------------ settler

    private void settleLoop() {
        Duration backoff = settings.idleBackoffMin();
        long intervalNanos = settings.settleInterval().toNanos();
        while (true) {
            List<Pending> chunk;
            lock.lock();
            try {
                while (true) {
                    if (settlerStop) {
                        return;
                    }
                    if (!pendingSettlements.isEmpty()) {
                        long age = System.nanoTime() - pendingSettlements.peekFirst().queuedNanos;
                        if (flushNow || queueDrained || pendingSettlements.size() >= settings.settleBatchSize()
                                || age >= intervalNanos) {
                            break;
                        }
                        settlerWake.awaitNanos(intervalNanos - age);
                    } else {
                        settlerWake.await();
                    }
                }
                queueDrained = false;
                int n = Math.min(pendingSettlements.size(), Math.max(settings.settleBatchSize(), 100));
                chunk = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    chunk.add(pendingSettlements.pollFirst());
                }
                inSettle += n;
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            Sent sent = send(chunk);
            if (sent.unsent.isEmpty()) {
                health.success(Failure.Stage.SETTLE);
                backoff = settings.idleBackoffMin();
                lock.lock();
                try {
                    inSettle -= chunk.size();
                    changed.signalAll(); // close() waits for the last flush
                    if (pollerWaiting && capacity() >= receiveThreshold()) {
                        pollerWake.signal();
                    }
                } finally {
                    lock.unlock();
                }
                continue;
            }
            Verdict verdict = sent.verdict;
            if (verdict.kind() == Verdict.Kind.CONFIGURATION) {
                pause(verdict.reason(), Failure.Stage.SETTLE, Optional.empty());
            } else {
                health.failure(Failure.Stage.SETTLE, verdict.reason());
            }
            Duration wait = queueBackoff(verdict, backoff);
            EventLog.connector(Level.WARN, "rootkey.source.settle_failed", "name", settings.name(),
                    "count", sent.unsent.size(), "reason", verdict.reason(), "detail", sent.detail,
                    "retry_in_ms", wait.toMillis());
            lock.lock();
            try {
                inSettle -= chunk.size();
                for (int i = sent.unsent.size() - 1; i >= 0; i--) {
                    pendingSettlements.addFirst(sent.unsent.get(i));
                }
                long nanos = wait.toNanos();
                while (nanos > 0 && !settlerStop) {
                    nanos = settlerWake.awaitNanos(nanos);
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            backoff = doubled(backoff, settings.idleBackoffMax());
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
            verdict = isFatal(t) ? Verdict.transientFailure("fatal_error") : classify(Failure.of(Failure.Stage.SETTLE, t));
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
            counters.requeued.decrement();
            counters.released.increment();
            counters.releasedToDeadLetter.increment();
            EventLog.releasedToDeadLetter(delivery, "the queue refused to publish the message again ("
                    + verdict.reason() + "): " + detail);
            return send(List.of(new Pending(Settlement.retry(delivery, Duration.ZERO), pending.queuedNanos)));
        }
        EventLog.settleRefused(settlement, verdict.reason(), detail);
        return Sent.DONE;
    }

    /** What {@link #send} could not send, and why. */
    private static final class Sent {
        static final Sent DONE = new Sent(List.of(), null, null);
        final List<Pending> unsent;
        final Verdict verdict;
        final String detail;

        Sent(List<Pending> unsent, Verdict verdict, String detail) {
            this.unsent = unsent;
            this.verdict = verdict;
            this.detail = detail;
        }
    }

    // ------------------------------------------------------------------ helpers

    private State currentState() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    /** Waits for {@code d} or until the connector stops running. */
    private void sleep(Duration d) {
        lock.lock();
        try {
            long wait = d.toNanos();
            while (wait > 0 && state == State.RUNNING) {
                wait = changed.awaitNanos(wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    private static Duration doubled(Duration d, Duration max) {
        Duration twice = d.multipliedBy(2);
        return twice.compareTo(max) > 0 ? max : twice;
    }

    private static void joinUntil(Thread thread, long deadlineNanos) {
        if (thread == null) {
            return;
        }
        try {
            long millis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            if (millis > 0) {
                thread.join(millis);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitTermination(ExecutorService executor, long deadlineNanos) {
        try {
            long nanos = deadlineNanos - System.nanoTime();
            if (nanos > 0) {
                executor.awaitTermination(nanos, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void notifyHealth(Health h) {
        for (ConnectorListener listener : settings.listeners()) {
            call(listener, "onHealthChanged", () -> listener.onHealthChanged(h));
        }
    }

    private void notifyBatch(Batch batch) {
        for (ConnectorListener listener : settings.listeners()) {
            call(listener, "onBatchReceived", () -> listener.onBatchReceived(batch));
        }
    }

    // ------------------------------------------------------------------ small types

    /** One delivery being processed. */
    private final class Job implements Runnable {
        final Delivery delivery;
        final Instant receivedAt;
        final AtomicBoolean done = new AtomicBoolean();
        /** The first delivery after a resume: if it is refused again, the probe was wrong. */
        volatile boolean trial;
        volatile Outcome outcome;
        volatile StoredObject openObject;
        volatile boolean parked;
        IdKey claim;
        // guarded by this
        boolean claimReleased;
        final List<Job> waiters = new ArrayList<>(0);

        Job(Delivery delivery, Instant receivedAt) {
            this.delivery = delivery;
            this.receivedAt = receivedAt;
        }

        @Override
        public void run() {
            process(this);
        }

        /** Closes the object being streamed, so that a stuck upload fails fast. */
        void abort() {
            StoredObject object = openObject;
            if (object != null) {
                try {
                    object.close();
                } catch (Exception ignored) {
                    // the upload fails either way; the delivery is released by the caller
                }
            }
        }
    }

    private record IdKey(String bucket, String key, String eTag) {
    }

    private record Pending(Settlement settlement, long queuedNanos) {
    }

    private static final class Pause {
        final String reason;
        final Failure.Stage stage;
        final Optional<String> bucket;
        /** After a {@link VirtualMachineError}: no probe, no resume. */
        final boolean fatal;

        Pause(String reason, Failure.Stage stage, Optional<String> bucket, boolean fatal) {
            this.reason = reason;
            this.stage = stage;
            this.bucket = bucket;
            this.fatal = fatal;
        }
    }

    private static final class Counters {
        final LongAdder received = new LongAdder();
        final LongAdder anchored = new LongAdder();
        final LongAdder skipped = new LongAdder();
        final LongAdder retried = new LongAdder();
        final LongAdder exhausted = new LongAdder();
        final LongAdder terminal = new LongAdder();
        final LongAdder released = new LongAdder();
        final LongAdder requeued = new LongAdder();
        final LongAdder releasedToDeadLetter = new LongAdder();
        final LongAdder leaseExpired = new LongAdder();
        final LongAdder bytesAnchored = new LongAdder();

        void count(Outcome outcome) {
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

        ConnectorStats snapshot(int inFlight, int unsettled) {
            long a = anchored.sum();
            long s = skipped.sum();
            long r = retried.sum();
            long x = exhausted.sum();
            long t = terminal.sum();
            long l = released.sum();
            long q = requeued.sum();
            long rec = received.sum();
            return new ConnectorStats(rec, a, s, r, x, t, l, q, releasedToDeadLetter.sum(), leaseExpired.sum(),
                    inFlight, unsettled, bytesAnchored.sum());
        }
    }
}
