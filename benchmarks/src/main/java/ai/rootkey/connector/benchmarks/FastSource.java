package ai.rootkey.connector.benchmarks;

import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.Settlement;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An endless event source for the engine benchmark (B1): it hands out pre-built deliveries of distinct PutObject
 * events from a ring, O(1) per message, and counts settlements and the time from receive to settle of each. The
 * test kit's {@code InMemoryQueue} copies its whole backlog on every receive, which would be measured instead of
 * the engine.
 */
final class FastSource implements EventSource {
    static final String BUCKET = "bench-bucket";
    private static final int RING = 1 << 16;

    private final Delivery[] ring = new Delivery[RING];
    private final long[] receivedAt = new long[RING];
    private final AtomicLong cursor = new AtomicLong();
    private final AtomicLong settled = new AtomicLong();
    private final LatencyHistogram latency = new LatencyHistogram();
    private volatile boolean recording;
    private volatile long wakeAt = Long.MAX_VALUE;
    private volatile Thread waiter;
    private long nextTarget;

    FastSource() {
        Instant now = Instant.parse("2024-05-24T19:36:44.379Z");
        for (int i = 0; i < RING; i++) {
            ObjectEvent event = ObjectEvent.builder().bucket(BUCKET).key("docs/object-" + i + ".pdf")
                    .action(EventAction.PUT_OBJECT).size(4096).eTag(String.format("%032x", i)).eventTime(now).build();
            ring[i] = Delivery.of("m" + i, Integer.toString(i), 1, event);
        }
    }

    @Override
    public Batch receive(int maxMessages) {
        long start = cursor.getAndAdd(maxMessages);
        long now = System.nanoTime();
        List<Delivery> out = new ArrayList<>(maxMessages);
        for (long n = start; n < start + maxMessages; n++) {
            int slot = (int) (n & (RING - 1));
            receivedAt[slot] = now;
            out.add(ring[slot]);
        }
        return Batch.of(out);
    }

    @Override
    public void settle(List<Settlement> settlements) {
        long now = System.nanoTime();
        if (recording) {
            for (Settlement s : settlements) {
                latency.record(now - receivedAt[Integer.parseInt(s.delivery().leaseId())]);
            }
        }
        long total = settled.addAndGet(settlements.size());
        if (total >= wakeAt) {
            Thread t = waiter;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    /**
     * Blocks the calling thread until {@code count} more settlements arrived than at the end of the previous call
     * (or than at {@link #restartCount()}), so that settlements made while the caller was being woken up are not lost
     * from the count when the runner threads keep the CPUs busy.
     */
    void awaitSettled(long count) {
        long target = (nextTarget == 0 ? settled.get() : nextTarget) + count;
        nextTarget = target;
        waiter = Thread.currentThread();
        wakeAt = target;
        while (settled.get() < target) {
            LockSupport.parkNanos(1_000_000L);
        }
        wakeAt = Long.MAX_VALUE;
    }

    /** Counts the next {@link #awaitSettled} from the settlements made so far (at the start of an iteration). */
    void restartCount() {
        nextTarget = 0;
    }

    void recording(boolean on) {
        recording = on;
    }

    LatencyHistogram latency() {
        return latency;
    }

    long settled() {
        return settled.get();
    }
}
