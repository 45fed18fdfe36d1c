package ai.rootkey.connector;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A dependency (queue, object store, API) answered with an error. Carries what the
 * {@link FailureClassifier} needs: the HTTP status, the service's error code and any delay the server asked
 * for. Messages never contain secrets.
 */
public class DependencyException extends ConnectorException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String errorCode;
    private final Duration retryAfter;

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
        super(message, cause);
        if (status < 0 || status > 599) {
            throw new IllegalArgumentException("status must be 0 (none) or an HTTP status, was " + status);
        }
        this.status = status;
        this.errorCode = errorCode == null || errorCode.isEmpty() ? null : errorCode;
        this.retryAfter = retryAfter;
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
}
