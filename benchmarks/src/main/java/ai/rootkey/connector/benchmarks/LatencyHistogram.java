package ai.rootkey.connector.benchmarks;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Nanosecond latencies in log-linear buckets (64 sub-buckets per power of two, so each value is known within
 * about 1.6%), safe to record from many threads at once, cheap enough for millions of events per second.
 */
final class LatencyHistogram {
    private static final int SUB = 64;
    private static final int BUCKETS = 2 * SUB + 63 * SUB;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    void record(long nanos) {
        counts.incrementAndGet(index(Math.max(0, nanos)));
    }

    void reset() {
        for (int i = 0; i < BUCKETS; i++) {
            counts.set(i, 0);
        }
    }

    void addAll(LatencyHistogram other) {
        for (int i = 0; i < BUCKETS; i++) {
            long c = other.counts.get(i);
            if (c != 0) {
                counts.addAndGet(i, c);
            }
        }
    }

    long count() {
        long n = 0;
        for (int i = 0; i < BUCKETS; i++) {
            n += counts.get(i);
        }
        return n;
    }

    /** The smallest recorded bucket bound at or above the {@code q} quantile (0..1), in nanoseconds; 0 when empty. */
    long quantile(double q) {
        long total = count();
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts.get(i);
            if (seen >= Math.max(1, rank)) {
                return upperBound(i);
            }
        }
        return upperBound(BUCKETS - 1);
    }

    static int index(long v) {
        if (v < 2 * SUB) {
            return (int) v;
        }
        int shift = 63 - Long.numberOfLeadingZeros(v) - 6;
        return 2 * SUB + (shift - 1) * SUB + (int) (v >>> shift) - SUB;
    }

    static long upperBound(int index) {
        if (index < 2 * SUB) {
            return index;
        }
        int shift = (index - 2 * SUB) / SUB + 1;
        long top = (index - 2 * SUB) % SUB + SUB;
        return ((top + 1) << shift) - 1;
    }
}
