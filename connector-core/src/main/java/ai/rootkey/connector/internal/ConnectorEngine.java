package ai.rootkey.connector.internal;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Batch;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public Connector start() {
        lock.lock();
        try {
            if (state != State.NEW) {
                throw new IllegalStateException("connector " + settings.name() + " was already started"
                        + (state == State.RUNNING ? "" : " and closed") + ": build a new one");
            }
            state = State.RUNNING;
        } finally {
            lock.unlock();
        }
        workers = Workers.newPool(settings.name(), settings.concurrency());
        poller = Workers.newThread(settings.name() + "-poller", this::pollLoop);
        settler = Workers.newThread(settings.name() + "-settler", this::settleLoop);
        health.started();
        settler.start();
        poller.start();
        EventLog.connector(Level.INFO, "rootkey.connector.started", "name", settings.name(),
                "concurrency", settings.concurrency(), "batch_size", settings.batchSize(),
                "max_file_size_bytes", settings.maxFileSizeBytes(),
                "max_attempts", settings.retryPolicy().maxAttempts());
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
            release((Job) r, "shutdown");
        }
        for (Job job : open) {
            if (job.parked) {
                release(job, "shutdown");
            }
        }
        workers.shutdown();
        awaitTermination(workers, deadline);
        if (!workers.isTerminated()) {
            for (Job job : open) {
                job.abort();
                release(job, "drain_timeout");
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
                "exhausted", s.exhausted(), "terminal", s.terminal(), "released", s.released());
    }

    @Override
    public ConnectorStats stats() {
        return counters.snapshot();
    }

    @Override
    public Health health() {
        return health.current();
    }

    // ------------------------------------------------------------------ poller

    private void pollLoop() {
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
                probeWhilePaused(paused);
                continue;
            }
            Batch batch;
            try {
                batch = settings.source().receive(ask);
            } catch (Throwable t) {
                Verdict verdict = classify(Failure.of(Failure.Stage.RECEIVE, t));
                if (verdict.kind() == Verdict.Kind.CONFIGURATION) {
                    pause(verdict.reason(), Failure.Stage.RECEIVE, Optional.empty());
                } else {
                    health.failure(Failure.Stage.RECEIVE, verdict.reason());
                    EventLog.connector(Level.WARN, "rootkey.source.receive_failed", "name", settings.name(),
                            "reason", verdict.reason(), "detail", String.valueOf(t.getMessage()),
                            "retry_in_ms", failureBackoff.toMillis());
                    Duration wait = verdict.retryAfter().filter(d -> d.compareTo(settings.idleBackoffMax()) <= 0)
                            .orElse(failureBackoff);
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
                requestIdleFlush();
                sleep(idle);
                idle = doubled(idle, settings.idleBackoffMax());
                continue;
            }
            idle = settings.idleBackoffMin();
            dispatch(batch.deliveries());
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

    private void dispatch(List<Delivery> deliveries) {
        lock.lock();
        try {
            undecided += deliveries.size();
        } finally {
            lock.unlock();
        }
        for (Delivery delivery : deliveries) {
            Job job = new Job(delivery, settings.clock().millis());
            open.add(job);
            counters.received.increment();
            submit(job);
        }
    }

    private void submit(Job job) {
        try {
            workers.execute(job);
        } catch (RejectedExecutionException e) {
            release(job, "shutdown");
        }
    }

    private void probeWhilePaused(Pause paused) {
        lock.lock();
        try {
            long wait = settings.probeInterval().toNanos();
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
        boolean first;
        lock.lock();
        try {
            if (state != State.RUNNING) {
                return;
            }
            first = pause == null;
            if (first || !pause.reason.equals(reason)) {
                pause = new Pause(reason, stage, bucket);
                probation = false;
                wakeAll();
            }
        } finally {
            lock.unlock();
        }
        if (first) {
            EventLog.connector(Level.ERROR, "rootkey.connector.paused", "name", settings.name(), "stage", stage,
                    "reason", reason, "probe_interval_ms", settings.probeInterval().toMillis(),
                    "note", "no message is acked while paused; held messages are released for redelivery");
        }
        health.paused(reason);
    }

    private void resume(Pause paused) {
        lock.lock();
        try {
            if (pause != paused) {
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
            release(job, "shutdown");
            return;
        }
        if (isPaused()) {
            release(job, "paused");
            return;
        }
        try {
            runPipeline(job);
        } catch (Throwable t) {
            // runPipeline classifies everything it expects; this is a bug or an Error. Never lose the delivery.
            EventLog.connector(Level.ERROR, "rootkey.connector.worker_failed", "name", settings.name(),
                    "error", t.toString());
            retryOrExhaust(job, Verdict.transientFailure("unexpected_error"), t.toString(), Optional.empty(),
                    Optional.empty());
        }
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
        } catch (RuntimeException e) {
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
                pause(verdict.reason(), failure.stage(), job.delivery.event().map(ObjectEvent::bucket));
                release(job, "paused");
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
        } catch (RuntimeException e) {
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
            delay = settings.retryPolicy().delayAfter(attempt, verdict.retryAfter(), settings.random());
        }
        Outcome.Kind kind = settings.retryPolicy().isLastAttempt(attempt) ? Outcome.Kind.EXHAUSTED
                : Outcome.Kind.RETRIED;
        decide(job, Settlement.retry(job.delivery, delay), new Outcome(kind, job.delivery, verdict.reason(), source,
                receipt, Optional.of(delay), elapsed(job)), detail);
    }

    private void release(Job job, String why) {
        decide(job, Settlement.retry(job.delivery, Duration.ZERO), new Outcome(Outcome.Kind.RELEASED, job.delivery,
                why, Optional.empty(), Optional.empty(), Optional.empty(), elapsed(job)), null);
    }

    /**
     * Records the one decision for a delivery; later decisions for the same delivery are ignored. Counters, the
     * log line and the listeners come first, so that by the time the source sees the settlement everything about
     * the decision is observable.
     */
    private boolean decide(Job job, Settlement settlement, Outcome outcome, String detail) {
        if (!job.done.compareAndSet(false, true)) {
            return false;
        }
        job.outcome = outcome;
        counters.count(outcome);
        EventLog.outcome(outcome, detail);
        for (ConnectorListener listener : settings.listeners()) {
            try {
                listener.onOutcome(outcome);
            } catch (RuntimeException e) {
                EventLog.connector(Level.WARN, "rootkey.listener.failed", "listener", listener.getClass().getName(),
                        "error", e.toString());
            }
        }
        open.remove(job);
        lock.lock();
        try {
            undecided--;
            pendingSettlements.addLast(new Pending(settlement, System.nanoTime()));
            int pending = pendingSettlements.size();
            if (pending == 1 || pending >= settings.settleBatchSize()) {
                settlerWake.signal(); // starts the interval timer, or a full batch is due
            }
            if (probation && outcome.kind() != Outcome.Kind.RELEASED) {
                probation = false;
            }
            if (pollerWaiting && capacity() >= receiveThreshold()) {
                pollerWake.signal();
            }
        } finally {
            lock.unlock();
        }
        return true;
    }

    private Duration elapsed(Job job) {
        long millis = settings.clock().millis() - job.startedMillis;
        return Duration.ofMillis(Math.max(0, millis));
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
            List<Settlement> settlements = new ArrayList<>(chunk.size());
            for (Pending p : chunk) {
                settlements.add(p.settlement);
            }
            try {
                settings.source().settle(settlements);
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
            } catch (Throwable t) {
                Verdict verdict = classify(Failure.of(Failure.Stage.SETTLE, t));
                if (verdict.kind() == Verdict.Kind.CONFIGURATION) {
                    pause(verdict.reason(), Failure.Stage.SETTLE, Optional.empty());
                } else {
                    health.failure(Failure.Stage.SETTLE, verdict.reason());
                }
                EventLog.connector(Level.WARN, "rootkey.source.settle_failed", "name", settings.name(),
                        "count", chunk.size(), "reason", verdict.reason(), "detail", String.valueOf(t.getMessage()),
                        "retry_in_ms", backoff.toMillis());
                lock.lock();
                try {
                    inSettle -= chunk.size();
                    for (int i = chunk.size() - 1; i >= 0; i--) {
                        pendingSettlements.addFirst(chunk.get(i));
                    }
                    long wait = backoff.toNanos();
                    while (wait > 0 && !settlerStop) {
                        wait = settlerWake.awaitNanos(wait);
                    }
                } catch (InterruptedException e) {
                    return;
                } finally {
                    lock.unlock();
                }
                backoff = doubled(backoff, settings.idleBackoffMax());
            }
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
            try {
                listener.onHealthChanged(h);
            } catch (RuntimeException e) {
                EventLog.connector(Level.WARN, "rootkey.listener.failed", "listener", listener.getClass().getName(),
                        "error", e.toString());
            }
        }
    }

    private void notifyBatch(Batch batch) {
        for (ConnectorListener listener : settings.listeners()) {
            try {
                listener.onBatchReceived(batch);
            } catch (RuntimeException e) {
                EventLog.connector(Level.WARN, "rootkey.listener.failed", "listener", listener.getClass().getName(),
                        "error", e.toString());
            }
        }
    }

    // ------------------------------------------------------------------ small types

    /** One delivery being processed. */
    private final class Job implements Runnable {
        final Delivery delivery;
        final long startedMillis;
        final AtomicBoolean done = new AtomicBoolean();
        volatile Outcome outcome;
        volatile StoredObject openObject;
        volatile boolean parked;
        IdKey claim;
        // guarded by this
        boolean claimReleased;
        final List<Job> waiters = new ArrayList<>(0);

        Job(Delivery delivery, long startedMillis) {
            this.delivery = delivery;
            this.startedMillis = startedMillis;
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

        Pause(String reason, Failure.Stage stage, Optional<String> bucket) {
            this.reason = reason;
            this.stage = stage;
            this.bucket = bucket;
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
                default: throw new IllegalStateException("unknown outcome " + outcome.kind());
            }
        }

        ConnectorStats snapshot() {
            long a = anchored.sum();
            long s = skipped.sum();
            long r = retried.sum();
            long x = exhausted.sum();
            long t = terminal.sum();
            long l = released.sum();
            long rec = received.sum();
            long decided = a + s + r + x + t + l;
            return new ConnectorStats(rec, a, s, r, x, t, l, Math.max(0, rec - decided), bytesAnchored.sum());
        }
    }
}
