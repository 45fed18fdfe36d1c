package ai.rootkey.connector;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Something that went wrong, described for a {@link FailureClassifier}: where it happened and what the
 * dependency said.
 *
 * @param stage      where it happened
 * @param status     the HTTP status the dependency answered with, when there was one
 * @param errorCode  the dependency's error code (e.g. an S3 code such as {@code SlowDown}), when given
 * @param retryAfter the delay the dependency asked for, when it asked
 * @param cause      the exception, when the failure was one
 * @param message    a description for logs; never contains secrets
 */
public record Failure(Stage stage, OptionalInt status, Optional<String> errorCode, Optional<Duration> retryAfter,
                      Optional<Throwable> cause, String message) {

    /** Where in the pipeline a failure happened. */
    public enum Stage {
        /** Pulling messages from the queue. */
        RECEIVE,
        /** Acknowledging or retrying messages. */
        SETTLE,
        /** Opening or reading the object. */
        READ,
        /** Uploading to the anchoring API. */
        UPLOAD
    }

    public Failure {
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(status, "status");
        Values.requireOptional(errorCode, "errorCode");
        Values.requireOptional(retryAfter, "retryAfter");
        Values.requireOptional(cause, "cause");
        Objects.requireNonNull(message, "message");
    }

    /** A failure that is an exception; status, error code and retry delay come from a {@link DependencyException}. */
    public static Failure of(Stage stage, Throwable cause) {
        Objects.requireNonNull(cause, "cause");
        DependencyException dependency = findCause(cause, DependencyException.class);
        String message = cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage();
        if (dependency != null) {
            return new Failure(stage, dependency.status(), dependency.errorCode(), dependency.retryAfter(),
                    Optional.of(cause), message);
        }
        return new Failure(stage, OptionalInt.empty(), Optional.empty(), Optional.empty(), Optional.of(cause), message);
    }

    /** An upload the API answered with a non-2xx status. */
    public static Failure rejected(Receipt receipt) {
        Objects.requireNonNull(receipt, "receipt");
        return new Failure(Stage.UPLOAD, OptionalInt.of(receipt.status()), Optional.empty(), receipt.retryAfter(),
                Optional.empty(), "HTTP " + receipt.status() + ": " + receipt.serverReply());
    }

    /** The first throwable in {@code t}'s cause chain (itself included) of the given type, or null. */
    static <T extends Throwable> T findCause(Throwable t, Class<T> type) {
        Throwable current = t;
        for (int depth = 0; current != null && depth < 16; depth++) {
            if (type.isInstance(current)) {
                return type.cast(current);
            }
            current = current.getCause();
        }
        return null;
    }

    /** The first exception of {@code type} in the cause chain (the cause itself included), if any. */
    public <T extends Throwable> Optional<T> causeOfType(Class<T> type) {
        return cause.map(c -> findCause(c, type));
    }

    /** True when {@code cause} or one of its causes is an instance of {@code type}. */
    public boolean causedBy(Class<? extends Throwable> type) {
        return cause.map(c -> findCause(c, type) != null).orElse(false);
    }
}
