package ai.rootkey.connector.benchmarks;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fixed added latency on every S3 call of the client it is installed on (B5): S3Proxy has no latency control, so
 * the S3 client waits {@link #delay()} after the response headers arrived and before it hands the response over
 * ({@link ExecutionInterceptor#afterTransmission}, which the AWS SDK v2 runs in the calling thread of a synchronous
 * client). Like a network round trip, the wait blocks the caller and holds the pooled connection; unlike a delaying
 * proxy it costs no CPU and no extra socket or thread hand-off, which on a two-core machine would be charged to the
 * runners being compared. Both the connector and the bare loops are given the same client, so both meet it.
 * Thread-safe; the delay can be changed between runs.
 */
final class S3Latency implements ExecutionInterceptor {
    private volatile Duration delay = Duration.ZERO;
    private final AtomicLong delayed = new AtomicLong();

    /** Sets the latency for the calls that follow (0: none). */
    void delay(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, was " + delay);
        }
        this.delay = delay;
    }

    Duration delay() {
        return delay;
    }

    /** Calls that waited so far, for a check that every call met the latency. */
    long delayedCalls() {
        return delayed.get();
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes executionAttributes) {
        Duration d = delay;
        if (d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the caller is being stopped; let the call end without the wait
            return;
        }
        delayed.incrementAndGet();
    }
}
