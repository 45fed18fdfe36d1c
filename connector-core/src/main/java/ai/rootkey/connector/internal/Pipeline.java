package ai.rootkey.connector.internal;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.Failure;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.ObjectMetadata;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.SourceRef;
import ai.rootkey.connector.StoredObject;
import ai.rootkey.connector.Verdict;
import org.slf4j.event.Level;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The rules of DESIGN section 4 for one delivery, in order: parse, action, bucket, filter, size, lease, claim, read,
 * size again, lease again, upload, verdict. It decides and does nothing else: the engine acts on the
 * {@link Decision}, so this runs the same on a worker thread and in a test that calls {@link #run} directly.
 *
 * <p>A delivery that gets as far as the claim leaves holding it, whatever the decision; the engine releases it after
 * acting on the decision ({@link ClaimTable#release}), so that a delivery parked behind it sees the outcome.
 */
final class Pipeline {
    private final ConnectorSettings settings;
    private final ClaimTable claims;
    private final SafeClassifier classifier;
    private final Predicate<Throwable> fatal;

    /** {@code fatal} answers, after stopping the connector, whether a throwable is a fatal JVM error. */
    Pipeline(ConnectorSettings settings, ClaimTable claims, SafeClassifier classifier, Predicate<Throwable> fatal) {
        this.settings = settings;
        this.claims = claims;
        this.classifier = classifier;
        this.fatal = fatal;
    }

    Decision run(Job job) {
        Delivery delivery = job.delivery;
        if (delivery.parseFailure().isPresent()) {
            return Decision.terminal(Verdict.MALFORMED_EVENT,
                    delivery.parseFailure().get().reason());
        }
        ObjectEvent event = delivery.event().orElseThrow();
        if (!event.action().createsContent()) {
            return Decision.skipped(Outcome.ACTION_NOT_ANCHORED, event.action().wireName());
        }
        if (settings.bucket().isPresent() && !settings.bucket().get().equals(event.bucket())) {
            return Decision.terminal(Verdict.FOREIGN_BUCKET, "this connector anchors bucket "
                    + settings.bucket().get());
        }
        boolean accepted;
        try {
            accepted = settings.filter().accepts(event);
        } catch (Throwable e) {
            if (fatal.test(e)) {
                return Decision.release(Outcome.PAUSED, "");
            }
            EventLog.connector(Level.ERROR, "rootkey.filter.failed", "filter", String.valueOf(settings.filter()),
                    "key", event.key(), "error", e.toString());
            return Decision.retry(Verdict.transientFailure("filter_error"), e.toString(), Optional.empty(),
                    Optional.empty(), Optional.empty());
        }
        if (!accepted) {
            return Decision.skipped(Outcome.FILTERED, String.valueOf(settings.filter()));
        }
        if (event.size().isPresent() && event.size().getAsLong() > settings.maxFileSizeBytes()) {
            return Decision.terminal(Verdict.OVERSIZE, "event size " + event.size().getAsLong() + " > max "
                    + settings.maxFileSizeBytes());
        }
        Optional<Decision> tooLate = leaseTooShort(job);
        if (tooLate.isPresent()) {
            return tooLate.get();
        }
        if (!claims.claim(job, event)) {
            return Decision.PARKED; // the claim table hands it back when the holder is decided
        }
        return readAndUpload(job, event);
    }

    private Decision readAndUpload(Job job, ObjectEvent event) {
        Failure.Stage stage = Failure.Stage.READ;
        Optional<SourceRef> source = Optional.empty();
        try {
            Optional<StoredObject> opened = settings.reader().open(event.bucket(), event.key());
            if (opened.isEmpty()) {
                return Decision.terminal(Verdict.OBJECT_MISSING, "the object no longer exists");
            }
            try (StoredObject object = opened.get()) {
                job.streaming(object);
                if (job.isDone()) {
                    return Decision.NONE; // released while opening (drain timeout)
                }
                ObjectMetadata live = object.metadata();
                if (live.size() > settings.maxFileSizeBytes()) {
                    return Decision.terminal(Verdict.OVERSIZE, "object size " + live.size() + " > max "
                            + settings.maxFileSizeBytes());
                }
                SourceRef ref = new SourceRef(event.bucket(), event.key(), live.eTag().or(event::eTag));
                source = Optional.of(ref);
                Optional<Decision> tooLate = leaseTooShort(job);
                if (tooLate.isPresent()) {
                    return tooLate.get();
                }
                stage = Failure.Stage.UPLOAD;
                Receipt receipt = settings.anchorer().anchor(
                        new AnchorRequest(ref, live.size(), live.contentType(), object.body()));
                if (receipt.isSuccess()) {
                    return Decision.anchored(ref, receipt);
                }
                return failed(job, Failure.rejected(receipt), source, Optional.of(receipt));
            }
        } catch (Exception | LinkageError e) {
            return failed(job, Failure.of(stage, e), source, Optional.empty());
        } finally {
            job.streaming(null);
        }
    }

    private Decision failed(Job job, Failure failure, Optional<SourceRef> source, Optional<Receipt> receipt) {
        if (job.isDone()) {
            return Decision.NONE;
        }
        Verdict verdict = classifier.classify(failure);
        switch (verdict.kind()) {
            case TRANSIENT:
                return Decision.retry(verdict, failure.message(), source, receipt, Optional.of(failure.stage()));
            case PERMANENT:
                return Decision.terminal(verdict.reason(), failure.message(), source, receipt);
            case CONFIGURATION:
                return Decision.pause(verdict.reason(), failure.stage(), job.delivery.event().map(ObjectEvent::bucket));
            default:
                throw new IllegalStateException("unknown verdict " + verdict.kind());
        }
    }

    /**
     * A hand-back ({@code lease_too_short}) when too little of the delivery's lease is left to start (DESIGN section
     * 4 rule 11); empty when there is enough, or the source does not report deadlines.
     */
    private Optional<Decision> leaseTooShort(Job job) {
        Optional<Instant> deadline = job.delivery.leaseDeadline();
        if (deadline.isEmpty()) {
            return Optional.empty();
        }
        Instant now = settings.clock().instant();
        Duration margin = settings.leaseSafetyMargin(Duration.between(job.receivedAt, deadline.get()));
        if (!now.plus(margin).isAfter(deadline.get())) {
            return Optional.empty();
        }
        Duration left = Duration.between(now, deadline.get());
        String note = (left.isNegative() ? "expired " + HealthTracker.human(left.negated()) + " before it started"
                : "only " + HealthTracker.human(left) + " left to start") + ", margin " + HealthTracker.human(margin);
        return Optional.of(Decision.release(Outcome.LEASE_TOO_SHORT, note));
    }
}
