package ai.rootkey.connector.it.chaos;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Anchorer;
import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.ConnectorStats;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.ObjectReader;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.SourceRef;
import ai.rootkey.connector.StoredObject;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One connector instance of a chaos run, standing for one process. Its source, reader and anchorer are wrapped
 * to record what crosses the instance's edges (in a {@link ChaosLedger}), to measure its concurrency and the
 * leases it holds, to inject queue faults, and to kill it.
 *
 * <p>A crash is a kill, not a close: from the crash point on, every call the instance makes to its source,
 * reader or anchorer blocks (as in a frozen process) and never reaches the dependency, so nothing the instance
 * holds is ever settled; its leases expire and the queue redelivers. The crash point is exact for the source:
 * {@link #crash()} waits for a receive or settle already under way to finish (the request was on the wire before
 * the kill) and no later one starts. An upload or read already under way may finish, as it would on the server of
 * a killed client. {@link #bury()} ends the run for a crashed instance: its blocked calls return as if into a
 * black hole (empty receives, settlements dropped, reads and uploads failing) so that its threads can be stopped.
 */
public final class ChaosInstance {

    /** Where the instance is in its life. */
    public enum State { RUNNING, CLOSED, CRASHED }

    /**
     * Seeded faults on the instance's queue calls: a failure before the call is applied, or after it was applied
     * with the reply lost (a pull whose leased messages never arrive, an ack that happened without the client
     * knowing).
     */
    public record QueueFaults(long seed, double receiveFails, double receiveReplyLost, double settleFails,
                              double settleReplyLost) {
        public static QueueFaults none() {
            return new QueueFaults(0, 0, 0, 0, 0);
        }
    }

    private final String name;
    private final int concurrency;
    private final int batchSize;
    private final int settleBatchSize;
    private final ChaosLedger ledger;
    private final QueueFaults faults;
    private final Random random;
    private final Gate gate = new Gate();
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final AtomicInteger maxHeld = new AtomicInteger();
    private final Set<String> undecided = ConcurrentHashMap.newKeySet();
    private final AtomicInteger maxUndecided = new AtomicInteger();
    private final AtomicInteger processing = new AtomicInteger();
    private final AtomicInteger maxProcessing = new AtomicInteger();
    private final AtomicInteger uploading = new AtomicInteger();
    private final AtomicInteger maxUploading = new AtomicInteger();
    private final AtomicLong anchorCalls = new AtomicLong();
    private final AtomicLong crashAtAnchorCall = new AtomicLong(-1);
    private final AtomicInteger receiving = new AtomicInteger();
    /** Receives the queue lets the engine have under way at once. */
    private final int receives;
    private volatile State state = State.RUNNING;
    private volatile ConnectorStats statsAfterClose;
    private volatile int heldAfterClose = -1;
    private final Connector connector;

    private ChaosInstance(String name, int concurrency, int batchSize, int settleBatchSize, ChaosLedger ledger,
                          QueueFaults faults, Connector.Builder builder, EventSource source, ObjectReader reader,
                          Anchorer anchorer) {
        this.name = name;
        this.concurrency = concurrency;
        this.batchSize = batchSize;
        this.settleBatchSize = settleBatchSize;
        this.receives = source.maxConcurrentCalls();
        this.ledger = ledger;
        this.faults = faults;
        this.random = new Random(faults.seed() ^ name.hashCode());
        this.connector = builder
                .name(name)
                .concurrency(concurrency)
                .batchSize(batchSize)
                .source(new Source(source))
                .reader(new Reader(reader))
                .anchorer(new Upload(anchorer))
                .listener(new ConnectorListener() {
                    @Override
                    public void onOutcome(Outcome outcome) {
                        undecided.remove(outcome.delivery().leaseId());
                        ledger.decided(ChaosInstance.this.name, outcome, state == State.CRASHED);
                    }
                })
                .build();
    }

    /**
     * Builds the instance's connector from {@code builder} (whose source, reader, anchorer, name, concurrency and
     * batch size are replaced) around the wrapped parts, and starts it. {@code settleBatchSize} is the batch size
     * the builder's {@code settleEvery} was given: decided deliveries may wait for up to that many acks.
     */
    public static ChaosInstance start(String name, int concurrency, int batchSize, int settleBatchSize,
                                      ChaosLedger ledger, QueueFaults faults, Connector.Builder builder,
                                      EventSource source, ObjectReader reader, Anchorer anchorer) {
        ChaosInstance instance = new ChaosInstance(name, concurrency, batchSize, settleBatchSize, ledger, faults,
                builder, source, reader, anchorer);
        instance.connector.start();
        return instance;
    }

    // ------------------------------------------------------------------ life

    /** Kills the instance at once (see the class comment). */
    public void crash() {
        gate.crash();
        state = State.CRASHED;
    }

    /** Kills the instance when its {@code n}-th upload starts: a crash in the middle of a batch. */
    public void crashAtAnchorCall(long n) {
        crashAtAnchorCall.set(n);
    }

    /** Closes the instance gracefully and records what it still held afterwards. */
    public void close() {
        if (state != State.RUNNING) {
            return;
        }
        connector.close();
        statsAfterClose = connector.stats();
        heldAfterClose = held.size();
        state = State.CLOSED;
    }

    /** For a crashed instance at the end of a run: unblocks its threads into a black hole and stops them. */
    public void bury() {
        if (state != State.CRASHED) {
            return;
        }
        gate.bury();
        connector.close();
    }

    // ------------------------------------------------------------------ observations

    public String name() {
        return name;
    }

    public State state() {
        return state;
    }

    public int concurrency() {
        return concurrency;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Pulls, and ack calls, the queue lets the engine have under way at once. */
    public int concurrentCalls() {
        return receives;
    }

    /**
     * Deliveries the engine may hold received and not yet decided: concurrency plus one batch, or, where the queue
     * takes several receives at once, plus max(batch, min(concurrency, receives × batch)) (Connector.Builder#batchSize).
     */
    public int undecidedBound() {
        int ahead = receives <= 1 ? batchSize : Math.max(batchSize, Math.min(concurrency, receives * batchSize));
        return concurrency + ahead;
    }

    /**
     * Deliveries received and not yet settled with the queue, counting a receive under way as holding (its leases
     * exist before the call returns): a driver that moves the clock when every instance holds nothing must never
     * expire a lease an instance is just being handed.
     */
    public int held() {
        return receiving.get() + held.size();
    }

    public int maxHeld() {
        return maxHeld.get();
    }

    /** The most deliveries received and not yet decided at once: what the engine held without having started it. */
    public int maxUndecided() {
        return maxUndecided.get();
    }

    /** The settle batch size the instance was built with. */
    public int settleBatchSize() {
        return settleBatchSize;
    }

    /** The most objects open at once (an open call under way or a body not yet closed). */
    public int maxProcessing() {
        return maxProcessing.get();
    }

    public int maxUploading() {
        return maxUploading.get();
    }

    public long anchorCalls() {
        return anchorCalls.get();
    }

    public ConnectorStats stats() {
        return connector.stats();
    }

    /** The engine's counters right after a graceful close; empty unless closed. */
    public Optional<ConnectorStats> statsAfterClose() {
        return Optional.ofNullable(statsAfterClose);
    }

    /** Deliveries still unsettled right after a graceful close; -1 unless closed. */
    public int heldAfterClose() {
        return heldAfterClose;
    }

    @Override
    public String toString() {
        return name + "[" + state + ", concurrency=" + concurrency + ", batch=" + batchSize + ", held=" + held.size()
                + ", stats=" + connector.stats() + "]";
    }

    private static void updateMax(AtomicInteger max, int now) {
        max.accumulateAndGet(now, Math::max);
    }

    private IOException dead() {
        return new IOException("connector instance " + name + " was killed (chaos crash)");
    }

    // ------------------------------------------------------------------ the gate

    /**
     * Lets calls through while alive. Source calls hold the read lock for their whole duration, so a crash (the
     * write lock) happens between them. After a crash every call parks until {@link #bury()}.
     */
    private static final class Gate {
        private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        private final CountDownLatch buried = new CountDownLatch(1);
        private volatile boolean crashed;

        /** True with the read lock held (call {@link #exit()}); false when dead and buried. */
        boolean enter() {
            lock.readLock().lock();
            if (!crashed) {
                return true;
            }
            lock.readLock().unlock();
            awaitBurial();
            return false;
        }

        void exit() {
            lock.readLock().unlock();
        }

        /** True while alive; parks until burial and returns false when dead. */
        boolean alive() {
            if (!crashed) {
                return true;
            }
            awaitBurial();
            return false;
        }

        void crash() {
            lock.writeLock().lock();
            try {
                crashed = true;
            } finally {
                lock.writeLock().unlock();
            }
        }

        void bury() {
            buried.countDown();
        }

        private void awaitBurial() {
            boolean interrupted = false;
            while (true) {
                try {
                    buried.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // a frozen process ignores interrupts; only burial ends the wait
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ------------------------------------------------------------------ wrappers

    private final class Source implements EventSource {
        private final EventSource delegate;

        Source(EventSource delegate) {
            this.delegate = delegate;
        }

        @Override
        public Batch receive(int maxMessages) throws IOException {
            if (!gate.enter()) {
                return Batch.empty();
            }
            receiving.incrementAndGet();
            try {
                double draw = draw();
                if (draw < faults.receiveFails()) {
                    ledger.fault("queue.receive_failed");
                    failReceive();
                }
                Batch batch = delegate.receive(maxMessages);
                if (draw < faults.receiveFails() + faults.receiveReplyLost() && !batch.isEmpty()) {
                    ledger.fault("queue.receive_reply_lost");
                    ledger.faults("queue.leases_lost_with_reply", batch.size());
                    throw new IOException("pull applied, reply lost (injected): " + batch.size() + " leases dangle");
                }
                ledger.received(name, batch.deliveries(), delegate::canRequeue);
                batch.deliveries().forEach(d -> {
                    held.add(d.leaseId());
                    undecided.add(d.leaseId());
                });
                updateMax(maxHeld, held.size());
                updateMax(maxUndecided, undecided.size());
                return batch;
            } finally {
                receiving.decrementAndGet();
                gate.exit();
            }
        }

        @Override
        public void settle(List<Settlement> settlements) throws IOException {
            if (!gate.enter()) {
                return; // buried: dropped, never reaches the queue
            }
            try {
                double draw = draw();
                if (draw < faults.settleFails()) {
                    ledger.fault("queue.settle_failed");
                    throw new IOException("ack call failed before it was applied (injected)");
                }
                ledger.sent(name, settlements);
                delegate.settle(settlements);
                settlements.forEach(s -> held.remove(s.delivery().leaseId()));
                if (draw < faults.settleFails() + faults.settleReplyLost()) {
                    ledger.fault("queue.settle_reply_lost");
                    throw new IOException("ack call applied, reply lost (injected)");
                }
            } finally {
                gate.exit();
            }
        }

        @Override
        public void probe() throws IOException {
            if (!gate.enter()) {
                throw dead();
            }
            try {
                delegate.probe();
            } finally {
                gate.exit();
            }
        }

        @Override
        public int maxBatchSize() {
            return delegate.maxBatchSize();
        }

        /** The queue's own: over HTTP the Cloudflare source pulls ahead with several pulls at once, as deployed. */
        @Override
        public int maxConcurrentCalls() {
            return delegate.maxConcurrentCalls();
        }

        @Override
        public boolean canRequeue(Delivery delivery) {
            return delegate.canRequeue(delivery);
        }

        @Override
        public OptionalInt maxRetries() throws IOException {
            return delegate.maxRetries();
        }

        private double draw() {
            synchronized (random) {
                return random.nextDouble();
            }
        }

        private void failReceive() throws IOException {
            int kind;
            synchronized (random) {
                kind = random.nextInt(3);
            }
            switch (kind) {
                case 0:
                    throw new IOException("connection reset during pull (injected)");
                case 1:
                    throw new DependencyException("Cloudflare Queues pull failed with HTTP 503 (injected)", 503);
                default:
                    throw new DependencyException("Cloudflare Queues pull failed with HTTP 429 (injected)", 429,
                            "971", Duration.ofMillis(5), null);
            }
        }
    }

    private final class Reader implements ObjectReader {
        private final ObjectReader delegate;

        Reader(ObjectReader delegate) {
            this.delegate = delegate;
        }

        @Override
        public Optional<StoredObject> open(String bucket, String key) throws IOException {
            if (!gate.alive()) {
                throw dead();
            }
            updateMax(maxProcessing, processing.incrementAndGet());
            boolean handedOut = false;
            try {
                Optional<StoredObject> opened = delegate.open(bucket, key);
                if (opened.isEmpty()) {
                    return opened;
                }
                StoredObject object = opened.get();
                ledger.opened(new SourceRef(bucket, key, object.metadata().eTag()));
                AtomicBoolean closed = new AtomicBoolean();
                InputStream body = new FilterInputStream(object.body()) {
                    @Override
                    public void close() throws IOException {
                        try {
                            super.close();
                        } finally {
                            if (closed.compareAndSet(false, true)) {
                                processing.decrementAndGet();
                            }
                        }
                    }
                };
                handedOut = true;
                return Optional.of(new StoredObject(object.metadata(), body));
            } finally {
                if (!handedOut) {
                    processing.decrementAndGet();
                }
            }
        }

        @Override
        public void probe(String bucket) throws IOException {
            if (!gate.alive()) {
                throw dead();
            }
            delegate.probe(bucket);
        }
    }

    private final class Upload implements Anchorer {
        private final Anchorer delegate;

        Upload(Anchorer delegate) {
            this.delegate = delegate;
        }

        @Override
        public Receipt anchor(AnchorRequest request) throws IOException {
            long call = anchorCalls.incrementAndGet();
            if (call == crashAtAnchorCall.get()) {
                crash();
            }
            if (!gate.alive()) {
                throw dead();
            }
            updateMax(maxUploading, uploading.incrementAndGet());
            try {
                ledger.anchorCall(request.source());
                return delegate.anchor(request);
            } finally {
                uploading.decrementAndGet();
            }
        }

        @Override
        public void probe() throws IOException {
            if (!gate.alive()) {
                throw dead();
            }
            delegate.probe();
        }
    }
}
