package ai.rootkey.connector.testkit;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * Something that goes wrong with one call to a fake: the test kit's one fault vocabulary. Every fake takes these
 * values, scripted ({@code failNext(...)}) or drawn at random from a seeded source ({@code faultRate(...)}), and
 * each fake does what the real service or client would show for it. Immutable; equal when of the same kind with
 * the same parameters ({@link #exception} faults: the same supplier).
 *
 * <pre>{@code
 * anchorer.failNext(2, Fault.status(503));                                   // RecordingAnchorer, then succeeds
 * api.failNext(1, Fault.status(429, Duration.ofSeconds(7)));                 // FakeRootkeyApi: Retry-After: 7
 * queues.failNext(QueueEndpoint.ACK, 1, Fault.dropAfterApply());             // FakeCloudflareQueues or InMemoryQueue
 * bucket.failNextReads(1, Fault.exception(() -> new IOException("reset")));  // InMemoryBucket
 * }</pre>
 *
 * <p>Which fake takes which kind (a kind a fake cannot show is refused when scripted, with an
 * {@link IllegalArgumentException} naming the fake):
 * <table>
 *   <caption>Fault kinds by fake</caption>
 *   <tr><th>kind</th><th>HTTP fakes ({@link FakeRootkeyApi}, {@link FakeCloudflareQueues})</th>
 *       <th>in-memory fakes ({@link RecordingAnchorer}, {@link InMemoryQueue}, {@link InMemoryBucket})</th></tr>
 *   <tr><td>{@link #status}</td><td>that status with the service's error body, nothing applied</td>
 *       <td>what the real client shows for that answer (a receipt, a {@code DependencyException}, a
 *       {@code ConfigurationException} for 401/403), nothing applied</td></tr>
 *   <tr><td>{@link #latency}</td><td>served normally, answered late</td><td>served normally, late</td></tr>
 *   <tr><td>{@link #dropBeforeApply}</td><td>connection closed without a reply, nothing applied</td>
 *       <td>an {@code IOException}, nothing applied</td></tr>
 *   <tr><td>{@link #dropAfterApply()}</td><td>applied, then the connection is closed without a reply</td>
 *       <td>applied, then an {@code IOException} (not for reads: a read changes nothing)</td></tr>
 *   <tr><td>{@link #dropAfterApply(int)}</td><td>no</td><td>{@link InMemoryQueue}'s settle only</td></tr>
 *   <tr><td>{@link #resetMidBody}</td><td>{@link FakeRootkeyApi} only</td>
 *       <td>{@link RecordingAnchorer}, {@link InMemoryBucket}</td></tr>
 *   <tr><td>{@link #stallBody}</td><td>{@link FakeRootkeyApi} only</td>
 *       <td>{@link RecordingAnchorer}, {@link InMemoryBucket}</td></tr>
 *   <tr><td>{@link #exception}</td><td>no: a server cannot throw in the client</td><td>every in-memory fake</td></tr>
 * </table>
 */
public final class Fault {
    /** Bytes of a request body {@link FakeRootkeyApi} reads at most before a {@link #resetMidBody()}. */
    public static final int RESET_AFTER_MAX_BYTES = 64 * 1024;
    /** Bytes a {@link #stallBody(Duration)} lets through before it stalls. */
    public static final int STALL_AFTER_BYTES = 64 * 1024;

    /** What kind of fault. */
    public enum Kind {
        /** An error answer: a status, maybe with {@code Retry-After}; nothing applied. */
        STATUS,
        /** The call is served normally, {@link #duration()} late. */
        LATENCY,
        /** The connection is closed before the call is applied: no reply, nothing happened. */
        DROP_BEFORE_APPLY,
        /** The call is applied (all of it, or {@link #appliedChunks()}), then the reply is lost. */
        DROP_AFTER_APPLY,
        /** Part of the request or response body goes through, then the connection is reset. */
        RESET_MID_BODY,
        /** The body stops moving for {@link #duration()} after {@link #STALL_AFTER_BYTES} bytes, then goes on. */
        STALL_BODY,
        /** An in-memory fake throws the supplied exception before doing anything. */
        EXCEPTION
    }

    private final Kind kind;
    private final int status;
    private final Duration duration;
    private final Duration retryAfter;
    private final int appliedChunks;
    private final Supplier<? extends Exception> exception;

    private Fault(Kind kind, int status, Duration duration, Duration retryAfter, int appliedChunks,
                  Supplier<? extends Exception> exception) {
        this.kind = kind;
        this.status = status;
        this.duration = duration;
        this.retryAfter = retryAfter;
        this.appliedChunks = appliedChunks;
        this.exception = exception;
    }

    private static Fault of(Kind kind) {
        return new Fault(kind, 0, Duration.ZERO, null, -1, null);
    }

    /**
     * An error answer with {@code status} (300 to 599), nothing applied: e.g. 400, 401, 403, 429, 500, 503.
     *
     * @throws IllegalArgumentException for a status outside 300..599
     */
    public static Fault status(int status) {
        if (status < 300 || status > 599) {
            throw new IllegalArgumentException("a fault status is between 300 and 599, was " + status
                    + ": a success is what a fake answers without a fault");
        }
        return new Fault(Kind.STATUS, status, Duration.ZERO, null, -1, null);
    }

    /**
     * An error answer with {@code status} and a {@code Retry-After} of {@code retryAfter} (the HTTP fakes send
     * whole seconds, rounded up), e.g. {@code status(429, Duration.ofSeconds(7))}.
     */
    public static Fault status(int status, Duration retryAfter) {
        Fault plain = status(status);
        return new Fault(Kind.STATUS, plain.status, Duration.ZERO, requireNotNegative(retryAfter, "retryAfter"), -1,
                null);
    }

    /** The call is served normally but {@code delay} late (0 allowed); the fake waits in the calling thread. */
    public static Fault latency(Duration delay) {
        return new Fault(Kind.LATENCY, 0, requireNotNegative(delay, "delay"), null, -1, null);
    }

    /** The connection is closed before the call is applied: no reply, nothing happened on the server. */
    public static Fault dropBeforeApply() {
        return of(Kind.DROP_BEFORE_APPLY);
    }

    /**
     * The call is applied, then the connection is closed without a reply: the change happened but the client cannot
     * know (why acks, uploads and publishes must be idempotent).
     */
    public static Fault dropAfterApply() {
        return of(Kind.DROP_AFTER_APPLY);
    }

    /**
     * Like {@link #dropAfterApply()} for a call a fake applies in steps: only the first {@code appliedChunks} steps
     * are applied, then the reply is lost, as when the second of several ack calls fails. Only
     * {@link InMemoryQueue}'s settle takes it (steps of {@value InMemoryQueue#SETTLE_CHUNK} settlements).
     */
    public static Fault dropAfterApply(int appliedChunks) {
        if (appliedChunks < 0) {
            throw new IllegalArgumentException("appliedChunks must not be negative, was " + appliedChunks);
        }
        return new Fault(Kind.DROP_AFTER_APPLY, 0, Duration.ZERO, null, appliedChunks, null);
    }

    /**
     * Half the body goes through (the HTTP fake reads at most {@value #RESET_AFTER_MAX_BYTES} bytes), then the
     * connection is reset: the upload is not stored, or the object's content stream breaks.
     */
    public static Fault resetMidBody() {
        return of(Kind.RESET_MID_BODY);
    }

    /**
     * The body stops moving for {@code pause} (positive) after its first {@value #STALL_AFTER_BYTES} bytes, then
     * goes on normally: a server that stops reading an upload, or a store that stops sending an object.
     */
    public static Fault stallBody(Duration pause) {
        Objects.requireNonNull(pause, "pause");
        if (pause.isNegative() || pause.isZero()) {
            throw new IllegalArgumentException("pause must be positive, was " + pause);
        }
        return new Fault(Kind.STALL_BODY, 0, pause, null, -1, null);
    }

    /**
     * An in-memory fake throws what {@code exception} supplies, before doing anything: an {@code IOException}, a
     * {@code DependencyException} with a vendor error code, or any other the code under test must survive. A
     * checked exception other than an {@code IOException} arrives wrapped in one. The HTTP fakes refuse it.
     */
    public static Fault exception(Supplier<? extends Exception> exception) {
        return new Fault(Kind.EXCEPTION, 0, Duration.ZERO, null, -1, Objects.requireNonNull(exception, "exception"));
    }

    public Kind kind() {
        return kind;
    }

    /** The status of a {@link Kind#STATUS} fault; empty for other kinds. */
    public OptionalInt status() {
        return kind == Kind.STATUS ? OptionalInt.of(status) : OptionalInt.empty();
    }

    /** The {@code Retry-After} of a {@link Kind#STATUS} fault, when it has one. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** The delay of {@link Kind#LATENCY}, the pause of {@link Kind#STALL_BODY}; zero for other kinds. */
    public Duration duration() {
        return duration;
    }

    /** For {@link #dropAfterApply(int)}: how many steps are applied; empty when the whole call is. */
    public OptionalInt appliedChunks() {
        return appliedChunks < 0 ? OptionalInt.empty() : OptionalInt.of(appliedChunks);
    }

    /**
     * Throws a new exception from an {@link Kind#EXCEPTION} fault's supplier: an {@code IOException} or an unchecked
     * one as it is, any other checked one wrapped in an {@code IOException}.
     */
    void throwException() throws IOException {
        if (exception == null) {
            throw new IllegalStateException(this + " has no exception");
        }
        Exception e = Objects.requireNonNull(exception.get(), "the fault's exception supplier returned null");
        if (e instanceof IOException) {
            throw (IOException) e;
        }
        if (e instanceof RuntimeException) {
            throw (RuntimeException) e;
        }
        throw new IOException(e);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Fault)) {
            return false;
        }
        Fault f = (Fault) o;
        return kind == f.kind && status == f.status && duration.equals(f.duration)
                && Objects.equals(retryAfter, f.retryAfter) && appliedChunks == f.appliedChunks
                && exception == f.exception;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, status, duration, retryAfter, appliedChunks, System.identityHashCode(exception));
    }

    /** E.g. {@code status(429, Retry-After 7 s)}, {@code latency(40 ms)}, {@code dropAfterApply}. */
    @Override
    public String toString() {
        switch (kind) {
            case STATUS:
                return "status(" + status + (retryAfter == null ? "" : ", Retry-After " + show(retryAfter)) + ")";
            case LATENCY:
                return "latency(" + show(duration) + ")";
            case DROP_BEFORE_APPLY:
                return "dropBeforeApply";
            case DROP_AFTER_APPLY:
                return appliedChunks < 0 ? "dropAfterApply" : "dropAfterApply(" + appliedChunks + " chunks)";
            case RESET_MID_BODY:
                return "resetMidBody";
            case STALL_BODY:
                return "stallBody(" + show(duration) + ")";
            default:
                return "exception";
        }
    }

    private static String show(Duration d) {
        if (d.toNanosPart() == 0) {
            return d.getSeconds() + " s";
        }
        if (d.toNanosPart() % 1_000_000 == 0) {
            return d.toMillis() + " ms";
        }
        return d.toString();
    }

    private static Duration requireNotNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + d);
        }
        return d;
    }
}
