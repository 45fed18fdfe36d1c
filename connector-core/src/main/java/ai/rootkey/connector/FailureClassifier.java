package ai.rootkey.connector;

import ai.rootkey.connector.internal.DefaultFailureClassifier;

/**
 * Maps a failure to a {@link Verdict}. Must not throw: if it does, the engine treats the failure as
 * transient and logs the classifier's exception.
 *
 * <p>To change one rule, delegate the rest to {@link #defaults()}:
 * <pre>{@code
 * FailureClassifier mine = failure -> failure.status().orElse(0) == 409
 *         ? Verdict.permanent("conflict")
 *         : FailureClassifier.defaults().classify(failure);
 * }</pre>
 */
@FunctionalInterface
public interface FailureClassifier {

    Verdict classify(Failure failure);

    /**
     * The standard rules (DESIGN section 4): a {@link ConfigurationException} is a configuration failure; a
     * {@link DependencyException} that carries the verdict of the module that understood the answer (the R2 reader
     * knows S3's codes) gets that verdict; otherwise 408, 429 and 5xx, timeouts, resets and other I/O errors are
     * transient, honouring {@code Retry-After}; 401/403 are configuration failures; other 4xx from the object store,
     * the anchoring API or an ack call are permanent; anything unexpected is transient, so it ends in the
     * dead-letter queue rather than being dropped.
     */
    static FailureClassifier defaults() {
        return DefaultFailureClassifier.INSTANCE;
    }
}
