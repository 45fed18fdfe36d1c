package ai.rootkey.connector.internal;

import ai.rootkey.connector.Anchorer;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.FailureClassifier;
import ai.rootkey.connector.ObjectReader;
import ai.rootkey.connector.RetryPolicy;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/** Everything the engine needs, validated by {@link ai.rootkey.connector.Connector.Builder}. */
public record ConnectorSettings(
        EventSource source,
        ObjectReader reader,
        Anchorer anchorer,
        FailureClassifier classifier,
        Optional<String> bucket,
        EventFilter filter,
        List<ConnectorListener> listeners,
        int concurrency,
        int batchSize,
        int concurrentCalls,
        long maxFileSizeBytes,
        RetryPolicy retryPolicy,
        Duration idleBackoffMin,
        Duration idleBackoffMax,
        Duration drainTimeout,
        int settleBatchSize,
        Duration settleInterval,
        Duration probeInterval,
        Optional<Duration> leaseSafetyMargin,
        Clock clock,
        RandomGenerator random,
        String name) {

    /**
     * Deliveries the engine may hold undecided at once: those being processed plus {@link #ahead()} received or being
     * received ahead of them.
     */
    public int leaseLimit() {
        return concurrency + ahead();
    }

    /**
     * Leases the engine may hold in all: {@link #leaseLimit()} undecided, plus decided ones waiting for their ack in
     * up to one settle batch per settle the source takes at once.
     */
    public int heldLimit() {
        return leaseLimit() + settleBatchSize * Math.max(1, concurrentCalls);
    }

    /**
     * Deliveries that may wait for a worker or be under way from the queue: one batch; where the source takes
     * several receives at once, as many as the workers can start in one round of work (the concurrency), up to one
     * batch per receive. So a delivery never waits behind more than about one upload per worker, whatever the
     * concurrency, and a distant queue's round trip is hidden once the workers are many.
     */
    public int ahead() {
        if (concurrentCalls <= 1) {
            return batchSize;
        }
        return Math.max(batchSize, Math.min(concurrency, concurrentCalls * batchSize));
    }

    /**
     * How much of a lease must be left to start reading or uploading: the configured margin, else
     * max({@link Connector#DEFAULT_LEASE_SAFETY_MARGIN_MIN}, 10% of the lease's length).
     */
    public Duration leaseSafetyMargin(Duration leaseLength) {
        if (leaseSafetyMargin.isPresent()) {
            return leaseSafetyMargin.get();
        }
        Duration tenth = leaseLength.dividedBy(10);
        return tenth.compareTo(Connector.DEFAULT_LEASE_SAFETY_MARGIN_MIN) > 0 ? tenth
                : Connector.DEFAULT_LEASE_SAFETY_MARGIN_MIN;
    }
}
