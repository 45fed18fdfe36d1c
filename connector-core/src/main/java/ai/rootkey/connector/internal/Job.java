package ai.rootkey.connector.internal;

import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.StoredObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One delivery on its way through the engine, from the receive that leased it to the one decision about it. The
 * {@link #decide} flag makes that decision happen once, whichever thread (a worker, the drain at close) gets there
 * first.
 */
final class Job implements Runnable {
    final Delivery delivery;
    final Instant receivedAt;
    private final Consumer<Job> body;
    private final AtomicBoolean decided = new AtomicBoolean();
    /** The first delivery after a resume: if it is refused again, the probe was wrong. */
    final boolean trial;
    private volatile Outcome outcome;
    private volatile StoredObject openObject;
    /** Waiting in the {@link ClaimTable} behind a delivery of the same object version. */
    volatile boolean parked;
    /** Set by the claim table while this job holds a claim. */
    ClaimTable.Key claim;
    // guarded by this
    boolean claimReleased;
    final List<Job> waiters = new ArrayList<>(0);

    Job(Delivery delivery, Instant receivedAt, boolean trial, Consumer<Job> body) {
        this.delivery = delivery;
        this.receivedAt = receivedAt;
        this.trial = trial;
        this.body = body;
    }

    @Override
    public void run() {
        body.accept(this);
    }

    /** True once the delivery is decided (or released): nothing more may be done with it. */
    boolean isDone() {
        return decided.get();
    }

    /** Claims the one decision; false when another thread made it already. */
    boolean decide(Outcome decided) {
        if (!this.decided.compareAndSet(false, true)) {
            return false;
        }
        this.outcome = decided;
        return true;
    }

    /** The decision, once made. */
    Outcome outcome() {
        return outcome;
    }

    /** The object being streamed: {@link #abort} closes it. */
    void streaming(StoredObject object) {
        openObject = object;
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
