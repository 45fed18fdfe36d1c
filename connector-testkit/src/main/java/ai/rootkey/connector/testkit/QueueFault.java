package ai.rootkey.connector.testkit;

import java.time.Duration;
import java.util.Objects;

/**
 * A fault {@link FakeCloudflareQueues} injects into one request, scripted with
 * {@link FakeCloudflareQueues#failNext(int, QueueFault)} or drawn at random with
 * {@link FakeCloudflareQueues#faultRate(QueueEndpoint, double, QueueFault...)}. Immutable.
 *
 * <p>Two ways to lose a reply: {@link #dropConnection()} closes the connection before the request is applied
 * (nothing happened), {@link #dropAfterApply()} applies it and then closes the connection (the change happened
 * but the client cannot know: this is why acks must be idempotent). Either way the client sees an
 * {@link java.io.IOException}.
 */
public final class QueueFault {

    /** What kind of fault. */
    public enum Kind {
        /** A 5xx reply with a v4 error envelope; nothing applied. */
        SERVER_ERROR,
        /** A 429 reply with {@code Retry-After}; nothing applied. */
        TOO_MANY_REQUESTS,
        /** The reply is delayed, then the request is served normally. */
        LATENCY,
        /** The connection is closed without a reply; nothing applied. */
        DROP_BEFORE_APPLY,
        /** The request is applied, then the connection is closed without a reply. */
        DROP_AFTER_APPLY,
        /** A 403 reply with the v4 authentication error (code 10000); nothing applied. */
        FORBIDDEN
    }

    private final Kind kind;
    private final int status;
    private final Duration duration;

    private QueueFault(Kind kind, int status, Duration duration) {
        this.kind = kind;
        this.status = status;
        this.duration = duration;
    }

    /** A 5xx reply (500 to 599) with the v4 error envelope. */
    public static QueueFault serverError(int status) {
        if (status < 500 || status > 599) {
            throw new IllegalArgumentException("a server error status is between 500 and 599, was " + status);
        }
        return new QueueFault(Kind.SERVER_ERROR, status, Duration.ZERO);
    }

    /** A 429 reply whose {@code Retry-After} is {@code retryAfter} rounded up to whole seconds (0 allowed). */
    public static QueueFault tooManyRequests(Duration retryAfter) {
        Objects.requireNonNull(retryAfter, "retryAfter");
        if (retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must not be negative, was " + retryAfter);
        }
        return new QueueFault(Kind.TOO_MANY_REQUESTS, 429, retryAfter);
    }

    /** The reply comes {@code delay} late (the fake sleeps in its request thread), then normally. */
    public static QueueFault latency(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, was " + delay);
        }
        return new QueueFault(Kind.LATENCY, 0, delay);
    }

    /**
     * A 403 authentication error, as Cloudflare answers a token that lacks the permission for one call (e.g.
     * {@link QueueEndpoint#CONSUMERS} with a token that may pull but not read consumer settings).
     */
    public static QueueFault forbidden() {
        return new QueueFault(Kind.FORBIDDEN, 403, Duration.ZERO);
    }

    /** The connection is closed before the request is applied, with no reply. */
    public static QueueFault dropConnection() {
        return new QueueFault(Kind.DROP_BEFORE_APPLY, 0, Duration.ZERO);
    }

    /** The request is applied, then the connection is closed with no reply (the reply is lost). */
    public static QueueFault dropAfterApply() {
        return new QueueFault(Kind.DROP_AFTER_APPLY, 0, Duration.ZERO);
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status for {@link Kind#SERVER_ERROR}, {@link Kind#TOO_MANY_REQUESTS} and {@link Kind#FORBIDDEN}; 0 otherwise. */
    public int status() {
        return status;
    }

    /** The {@code Retry-After} of a 429, or the delay of a latency fault; zero otherwise. */
    public Duration duration() {
        return duration;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QueueFault && ((QueueFault) o).kind == kind && ((QueueFault) o).status == status
                && ((QueueFault) o).duration.equals(duration);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, status, duration);
    }

    @Override
    public String toString() {
        switch (kind) {
            case SERVER_ERROR:
                return "QueueFault[HTTP " + status + "]";
            case TOO_MANY_REQUESTS:
                return "QueueFault[HTTP 429, Retry-After " + duration + "]";
            case LATENCY:
                return "QueueFault[latency " + duration + "]";
            default:
                return "QueueFault[" + kind + "]";
        }
    }
}
