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
     * The standard rules (DESIGN section 4): 408, 429 and 5xx, timeouts, resets and other I/O errors are
     * transient, honouring {@code Retry-After}; 401/403 from any API and the S3 codes {@code AccessDenied},
     * {@code SignatureDoesNotMatch}, {@code InvalidAccessKeyId} and {@code NoSuchBucket} are configuration
     * failures; other 4xx from the anchoring API are permanent; anything unexpected is transient, so it ends
     * in the dead-letter queue rather than being dropped.
     */
    static FailureClassifier defaults() {
        return DefaultFailureClassifier.INSTANCE;
    }
}
