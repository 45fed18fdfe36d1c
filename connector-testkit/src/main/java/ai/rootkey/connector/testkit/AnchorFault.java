package ai.rootkey.connector.testkit;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A scripted misbehaviour of a {@link RecordingAnchorer} for one upload.
 *
 * <pre>{@code
 * anchorer.failNext(2, AnchorFault.status(503));                       // then succeeds
 * anchorer.failNext(1, AnchorFault.status(429, Duration.ofSeconds(7)));  // Retry-After: 7
 * anchorer.failNext(1, AnchorFault.exception(() -> new IOException("connection reset")));
 * }</pre>
 */
public final class AnchorFault {
    enum Kind { STATUS, EXCEPTION, LATENCY, RESET_MID_STREAM }

    final Kind kind;
    final int status;
    final Optional<Duration> retryAfter;
    final Supplier<? extends IOException> exception;
    final Duration latency;

    private AnchorFault(Kind kind, int status, Optional<Duration> retryAfter, Supplier<? extends IOException> exception,
                        Duration latency) {
        this.kind = kind;
        this.status = status;
        this.retryAfter = retryAfter;
        this.exception = exception;
        this.latency = latency;
    }

    /** The API answers {@code status} without storing the file (e.g. 400, 401, 503). */
    public static AnchorFault status(int status) {
        if (status < 300 || status > 599) {
            throw new IllegalArgumentException("a fault status is 3xx-5xx, was " + status);
        }
        return new AnchorFault(Kind.STATUS, status, Optional.empty(), null, Duration.ZERO);
    }

    /** The API answers {@code status} with a {@code Retry-After} delay (e.g. 429). */
    public static AnchorFault status(int status, Duration retryAfter) {
        AnchorFault plain = status(status);
        return new AnchorFault(Kind.STATUS, plain.status, Optional.of(Objects.requireNonNull(retryAfter, "retryAfter")),
                null, Duration.ZERO);
    }

    /** The upload fails with an I/O error before anything is read. */
    public static AnchorFault exception(Supplier<? extends IOException> exception) {
        return new AnchorFault(Kind.EXCEPTION, 0, Optional.empty(), Objects.requireNonNull(exception, "exception"),
                Duration.ZERO);
    }

    /** The connection breaks after about half the body was read. */
    public static AnchorFault resetMidStream() {
        return new AnchorFault(Kind.RESET_MID_STREAM, 0, Optional.empty(),
                () -> new IOException("connection reset by peer (simulated)"), Duration.ZERO);
    }

    /** The upload succeeds after an extra wait, like a slow API. */
    public static AnchorFault latency(Duration latency) {
        Objects.requireNonNull(latency, "latency");
        return new AnchorFault(Kind.LATENCY, 0, Optional.empty(), null, latency);
    }

    @Override
    public String toString() {
        switch (kind) {
            case STATUS:
                return "status(" + status + retryAfter.map(d -> ", retryAfter=" + d).orElse("") + ")";
            case EXCEPTION:
                return "exception";
            case LATENCY:
                return "latency(" + latency + ")";
            default:
                return "resetMidStream";
        }
    }
}
