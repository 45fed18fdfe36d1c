package ai.rootkey.connector;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The queue's backlog as reported with the last receive (Cloudflare's pull metrics).
 *
 * @param messages          messages waiting in the queue, leased ones included
 * @param bytes             their total size in bytes
 * @param oldestMessageTime when the oldest waiting message was published, when known
 */
public record Backlog(long messages, long bytes, Optional<Instant> oldestMessageTime) {
    public Backlog {
        if (messages < 0 || bytes < 0) {
            throw new IllegalArgumentException("backlog counts must be >= 0");
        }
        Values.requireOptional(oldestMessageTime, "oldestMessageTime");
    }

    /** How long the oldest waiting message has waited, as of {@code clock}; empty when unknown. */
    public Optional<Duration> oldestMessageAge(Clock clock) {
        Objects.requireNonNull(clock, "clock");
        return oldestMessageTime.map(t -> {
            Duration age = Duration.between(t, clock.instant());
            return age.isNegative() ? Duration.ZERO : age;
        });
    }
}
