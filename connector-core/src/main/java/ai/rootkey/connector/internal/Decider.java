package ai.rootkey.connector.internal;

import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.Failure;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.SourceRef;
import ai.rootkey.connector.Verdict;
import org.slf4j.event.Level;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Turns a {@link Decision} into the one outcome and settlement of a delivery: ack, retry with back-off, exhausted on
 * the last attempt, or a hand-back, which on the last attempt is a requeue where the source can (DESIGN section 4
 * rule 10). The first decision for a delivery wins; later ones are ignored.
 */
final class Decider {
    /** Where a decided delivery goes: the engine frees its slot and queues the settlement. */
    interface Sink {
        void decided(Job job, Settlement settlement, Outcome outcome);
    }

    private final ConnectorSettings settings;
    private final Attempts attempts;
    private final Outcomes outcomes;
    private final HealthTracker health;
    private final Pauses pauses;
    private final Predicate<Throwable> fatal;
    private final Sink sink;

    Decider(ConnectorSettings settings, Attempts attempts, Outcomes outcomes, HealthTracker health, Pauses pauses,
            Predicate<Throwable> fatal, Sink sink) {
        this.settings = settings;
        this.attempts = attempts;
        this.outcomes = outcomes;
        this.health = health;
        this.pauses = pauses;
        this.fatal = fatal;
        this.sink = sink;
    }

    /** Acts on what the pipeline concluded; nothing when the delivery was decided meanwhile (drain timeout). */
    void apply(Job job, Decision d) {
        if (job.isDone()) {
            return;
        }
        switch (d.kind()) {
            case ANCHORED:
                health.anchored(Failure.Stage.UPLOAD);
                decide(job, Settlement.ack(job.delivery), outcome(Outcome.Kind.ANCHORED, job, d.reason(), d.source(),
                        d.receipt(), Optional.empty()), null, false);
                break;
            case SKIPPED:
                skip(job, d.reason(), d.detail());
                break;
            case TERMINAL:
                decide(job, Settlement.ack(job.delivery), outcome(Outcome.Kind.TERMINAL, job, d.reason(), d.source(),
                        d.receipt(), Optional.empty()), d.detail(), false);
                break;
            case RETRY:
                d.stage().ifPresent(stage -> health.failure(stage, d.reason()));
                retryOrExhaust(job, d.verdict().orElseThrow(), d.detail(), d.source(), d.receipt());
                break;
            case PAUSE:
                if (job.trial) {
                    pauses.probeWasWrong();
                }
                pauses.pause(d.reason(), d.stage().orElseThrow(), d.bucket());
                release(job, Outcome.PAUSED);
                break;
            case RELEASE:
                if (!d.detail().isEmpty()) {
                    health.leaseLost(d.detail());
                }
                release(job, d.reason());
                break;
            case PARKED:
            case NONE:
                break;
            default:
                throw new IllegalStateException("unknown decision " + d.kind());
        }
    }

    void skip(Job job, String reason, String detail) {
        decide(job, Settlement.ack(job.delivery), outcome(Outcome.Kind.SKIPPED, job, reason, Optional.empty(),
                Optional.empty(), Optional.empty()), detail, false);
    }

    void retryOrExhaust(Job job, Verdict verdict, String detail, Optional<SourceRef> source,
                        Optional<Receipt> receipt) {
        int attempt = job.delivery.attempts();
        Duration delay;
        synchronized (settings.random()) {
            delay = verdict.retryAfter().map(settings.retryPolicy()::honoured)
                    .orElseGet(() -> settings.retryPolicy().delayAfter(attempt, settings.random()));
        }
        Outcome.Kind kind = attempts.isLast(attempt) ? Outcome.Kind.EXHAUSTED : Outcome.Kind.RETRIED;
        decide(job, Settlement.retry(job.delivery, delay), outcome(kind, job, verdict.reason(), source, receipt,
                Optional.of(delay)), detail, false);
    }

    /**
     * Hands a delivery back without a decision. On its final attempt a retry would dead-letter it, so it is requeued
     * where the source can; where it cannot, the retry is logged at ERROR ({@code rootkey.event.released_to_dlq})
     * and counted.
     */
    void release(Job job, String why) {
        Delivery delivery = job.delivery;
        boolean last = attempts.isLast(delivery.attempts());
        if (last && canRequeue(delivery)) {
            decide(job, Settlement.requeue(delivery), outcome(Outcome.Kind.REQUEUED, job, why, Optional.empty(),
                    Optional.empty(), Optional.empty()), null, false);
            return;
        }
        Outcome outcome = outcome(Outcome.Kind.RELEASED, job, why, Optional.empty(), Optional.empty(),
                Optional.empty());
        decide(job, Settlement.retry(delivery, Duration.ZERO), outcome, last ? EventLog.RELEASED_TO_DLQ_NOTE : null,
                last);
    }

    /** After a decision: an upload that outlived its lease is logged and counted (DESIGN section 4 rule 11). */
    void checkLeaseKept(Job job) {
        Outcome outcome = job.outcome();
        Optional<Instant> deadline = job.delivery.leaseDeadline();
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
        // Logged before it is counted: whoever sees the count can find the line.
        EventLog.leaseExpired(outcome, over, lease);
        health.leaseLost("decided " + HealthTracker.human(over) + " after a lease of " + HealthTracker.human(lease)
                + " ended");
        outcomes.leaseExpired();
    }

    private boolean canRequeue(Delivery delivery) {
        try {
            return settings.source().canRequeue(delivery);
        } catch (Throwable t) {
            if (!fatal.test(t)) {
                EventLog.connector(Level.ERROR, "rootkey.source.failed", "name", settings.name(),
                        "operation", "canRequeue", "error", t.toString());
            }
            return false;
        }
    }

    /**
     * Records the one decision for a delivery. Counters, the log line and the listeners come first, so that by the
     * time the source sees the settlement everything about the decision is observable; whatever they throw, the
     * settlement is queued and the slot freed.
     */
    private void decide(Job job, Settlement settlement, Outcome outcome, String detail, boolean toDeadLetter) {
        if (!job.decide(outcome)) {
            return;
        }
        try {
            outcomes.decided(outcome, detail, toDeadLetter);
        } finally {
            sink.decided(job, settlement, outcome);
        }
    }

    private Outcome outcome(Outcome.Kind kind, Job job, String reason, Optional<SourceRef> source,
                            Optional<Receipt> receipt, Optional<Duration> delay) {
        Duration elapsed = Duration.between(job.receivedAt, settings.clock().instant());
        return new Outcome(kind, job.delivery, reason, source, receipt, delay,
                elapsed.isNegative() ? Duration.ZERO : elapsed);
    }
}
