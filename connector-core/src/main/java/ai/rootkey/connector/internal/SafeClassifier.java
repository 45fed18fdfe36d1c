package ai.rootkey.connector.internal;

import ai.rootkey.connector.Failure;
import ai.rootkey.connector.FailureClassifier;
import ai.rootkey.connector.Verdict;
import org.slf4j.event.Level;

import java.util.function.Predicate;

/**
 * The user's classifier, made safe to call from any engine thread: a null answer or a throwable becomes a transient
 * verdict ({@code classifier_error}, logged at ERROR as {@code rootkey.classifier.failed}), and a fatal JVM error is
 * handed to the engine's fatal check.
 */
final class SafeClassifier {
    private final FailureClassifier classifier;
    private final Predicate<Throwable> fatal;

    /** {@code fatal} answers, after stopping the connector, whether a throwable is a fatal JVM error. */
    SafeClassifier(FailureClassifier classifier, Predicate<Throwable> fatal) {
        this.classifier = classifier;
        this.fatal = fatal;
    }

    Verdict classify(Failure failure) {
        try {
            Verdict verdict = classifier.classify(failure);
            if (verdict == null) {
                throw new IllegalStateException("classifier returned null");
            }
            return verdict;
        } catch (Throwable e) {
            if (fatal.test(e)) {
                return Verdict.transientFailure("fatal_error");
            }
            EventLog.connector(Level.ERROR, "rootkey.classifier.failed", "error", e.toString(),
                    "failure", failure.message());
            return Verdict.transientFailure("classifier_error");
        }
    }

    /** Classifies what {@code stage} threw; a fatal error is {@code fatal_error}, transient. */
    Verdict classify(Failure.Stage stage, Throwable thrown) {
        if (fatal.test(thrown)) {
            return Verdict.transientFailure("fatal_error");
        }
        return classify(Failure.of(stage, thrown));
    }
}
