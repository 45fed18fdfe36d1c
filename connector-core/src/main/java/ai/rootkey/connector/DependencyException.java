package ai.rootkey.connector;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A dependency (queue, object store, API) answered with an error. Carries what the
 * {@link FailureClassifier} needs: the HTTP status, the service's error code, any delay the server asked for and,
 * when the module that speaks to the dependency knows what its answer means (S3's {@code SlowDown} is worth retrying,
 * say), that judgement as a {@link Verdict}. The engine's default classifier knows HTTP, not vendors: it uses the
 * verdict when there is one, else the status. Messages never contain secrets.
 */
public class DependencyException extends ConnectorException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String errorCode;
    private final Duration retryAfter;
    private final Verdict verdict;

    /** An error answer with an HTTP status. */
    public DependencyException(String message, int status) {
        this(message, status, null, null, null);
    }

    /**
     * The full form.
     *
     * @param message    what failed, with enough context to act on; no secrets
     * @param status     the HTTP status, or 0 when there was none
     * @param errorCode  the service's error code (e.g. {@code SlowDown}), or null
     * @param retryAfter the delay the server asked for, or null
     * @param cause      the underlying exception, or null
     */
    public DependencyException(String message, int status, String errorCode, Duration retryAfter, Throwable cause) {
        this(message, status, errorCode, retryAfter, cause, null);
    }

    /**
     * The full form with the verdict of the module that understood the answer.
     *
     * @param verdict what the answer means for the message (transient with a label such as {@code s3_slowdown}, or
     *                permanent), or null to leave it to the HTTP status
     */
    public DependencyException(String message, int status, String errorCode, Duration retryAfter, Throwable cause,
                               Verdict verdict) {
        super(message, cause);
        if (status < 0 || status > 599) {
            throw new IllegalArgumentException("status must be 0 (none) or an HTTP status, was " + status);
        }
        this.status = status;
        this.errorCode = errorCode == null || errorCode.isEmpty() ? null : errorCode;
        this.retryAfter = retryAfter;
        this.verdict = verdict;
    }

    public OptionalInt status() {
        return status == 0 ? OptionalInt.empty() : OptionalInt.of(status);
    }

    public Optional<String> errorCode() {
        return Optional.ofNullable(errorCode);
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** What the module that spoke to the dependency judged its answer to mean, when it knew. */
    public Optional<Verdict> verdict() {
        return Optional.ofNullable(verdict);
    }
}
