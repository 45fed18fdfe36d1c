package ai.rootkey.connector.engine;

import ai.rootkey.connector.Batch;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.Settlement;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Wraps a source and measures what the engine does with it: leases held, receive and settle calls. */
final class CountingSource implements EventSource {
    private final EventSource delegate;
    private final AtomicInteger held = new AtomicInteger();
    private final AtomicInteger maxHeld = new AtomicInteger();
    private final AtomicLong receives = new AtomicLong();
    private final AtomicLong settles = new AtomicLong();
    private final AtomicLong settled = new AtomicLong();
    private final AtomicInteger largestAsk = new AtomicInteger();
    private final AtomicLong receivedTotal = new AtomicLong();
    private final AtomicLong maxUndecided = new AtomicLong();
    private final LongSupplier decided;
    private final AtomicInteger receiving = new AtomicInteger();
    private final AtomicInteger maxReceiving = new AtomicInteger();
    private final AtomicInteger settling = new AtomicInteger();
    private final AtomicInteger maxSettling = new AtomicInteger();
    /** Every settle call: when it started and when it ended ({@link System#nanoTime()}), and whether it failed. */
    private final List<SettleCall> settleCalls = new CopyOnWriteArrayList<>();
    private final int concurrentCalls;

    CountingSource(EventSource delegate) {
        this(delegate, () -> 0L);
    }

    /** {@code decided} tells how many deliveries the engine has decided, for {@link #maxUndecided()}. */
    CountingSource(EventSource delegate, LongSupplier decided) {
        this(delegate, decided, 1);
    }

    /** Like {@link #CountingSource(EventSource, LongSupplier)}, allowing {@code concurrentCalls} receives at once. */
    CountingSource(EventSource delegate, LongSupplier decided, int concurrentCalls) {
        this.delegate = delegate;
        this.decided = decided;
        this.concurrentCalls = concurrentCalls;
    }

    @Override
    public Batch receive(int maxMessages) throws IOException {
        receives.incrementAndGet();
        largestAsk.accumulateAndGet(maxMessages, Math::max);
        maxReceiving.accumulateAndGet(receiving.incrementAndGet(), Math::max);
        Batch batch;
        try {
            batch = delegate.receive(maxMessages);
        } finally {
            receiving.decrementAndGet();
        }
        int now = held.addAndGet(batch.size());
        maxHeld.accumulateAndGet(now, Math::max);
        long undecided = receivedTotal.addAndGet(batch.size()) - decided.getAsLong();
        maxUndecided.accumulateAndGet(undecided, Math::max);
        return batch;
    }

    @Override
    public void settle(List<Settlement> settlements) throws IOException {
        settles.incrementAndGet();
        maxSettling.accumulateAndGet(settling.incrementAndGet(), Math::max);
        long start = System.nanoTime();
        boolean failed = true;
        try {
            delegate.settle(settlements);
            failed = false;
        } finally {
            settling.decrementAndGet();
            settleCalls.add(new SettleCall(start, System.nanoTime(), failed));
        }
        held.addAndGet(-settlements.size());
        settled.addAndGet(settlements.size());
    }

    /** One settle call, in {@link System#nanoTime()} terms. */
    record SettleCall(long startNanos, long endNanos, boolean failed) {
    }

    /** The settle calls so far, in the order they ended. */
    List<SettleCall> settleCallLog() {
        return List.copyOf(settleCalls);
    }

    /** The most settle calls seen under way at once. */
    int maxConcurrentSettleCalls() {
        return maxSettling.get();
    }

    @Override
    public int maxBatchSize() {
        return delegate.maxBatchSize();
    }

    @Override
    public int maxConcurrentCalls() {
        return concurrentCalls;
    }

    /** The most receive calls seen under way at once. */
    int maxConcurrentReceiveCalls() {
        return maxReceiving.get();
    }

    int maxHeld() {
        return maxHeld.get();
    }

    /** The most deliveries received and not yet decided, seen right after a receive. */
    long maxUndecided() {
        return maxUndecided.get();
    }

    int held() {
        return held.get();
    }

    long settleCalls() {
        return settles.get();
    }

    long settled() {
        return settled.get();
    }

    long receiveCalls() {
        return receives.get();
    }

    int largestAsk() {
        return largestAsk.get();
    }
}
