package ai.rootkey.connector.internal;

import ai.rootkey.connector.Backlog;
import ai.rootkey.connector.Failure;
import ai.rootkey.connector.Health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Works out the connector's {@link Health} from what the engine reports: lifecycle, configuration pauses, and
 * streaks of transient failures per stage. A stage that fails {@value #DEGRADED_AFTER} times in a row without a
 * success in between makes the connector DEGRADED. Thread-safe.
 */
final class HealthTracker {
    static final int DEGRADED_AFTER = 3;
    private static final Pattern HTTP_LABEL = Pattern.compile("^http_[0-9]{3}$");

    private enum Lifecycle { NOT_STARTED, RUNNING, CLOSED }

    private final Clock clock;
    private final Consumer<Health> onChange;

    private Lifecycle lifecycle = Lifecycle.NOT_STARTED;
    private String pauseReason;
    private int leaseStreak;
    private String leaseDetail;
    private final Map<Failure.Stage, Streak> streaks = new EnumMap<>(Failure.Stage.class);
    private Instant lastSuccess;
    private Backlog backlog;
    private Health.Status status = Health.Status.DOWN;
    private String reasonKey = "not started";
    private Instant since;

    HealthTracker(Clock clock, Consumer<Health> onChange) {
        this.clock = clock;
        this.onChange = onChange;
        this.since = clock.instant();
    }

    void started() {
        update(() -> lifecycle = Lifecycle.RUNNING);
    }

    void closed() {
        update(() -> lifecycle = Lifecycle.CLOSED);
    }

    void paused(String reason) {
        update(() -> pauseReason = reason);
    }

    void resumed() {
        update(() -> pauseReason = null);
    }

    void failure(Failure.Stage stage, String reason) {
        update(() -> {
            Streak streak = streaks.get(stage);
            if (streak == null) {
                streaks.put(stage, new Streak(clock.instant(), reason, 1));
            } else {
                streaks.put(stage, new Streak(streak.first, reason, streak.count + 1));
            }
        });
    }

    void success(Failure.Stage stage) {
        synchronized (this) {
            if (!streaks.containsKey(stage)) {
                return;
            }
        }
        update(() -> streaks.remove(stage));
    }

    void anchored(Failure.Stage stage) {
        update(() -> {
            lastSuccess = clock.instant();
            streaks.remove(Failure.Stage.READ);
            streaks.remove(stage);
        });
    }

    /** A delivery outlived its lease, or had too little lease left to start; {@code detail} says by how much. */
    void leaseLost(String detail) {
        update(() -> {
            leaseStreak++;
            leaseDetail = detail;
        });
    }

    /** A delivery was decided within its lease. */
    void leaseKept() {
        synchronized (this) {
            if (leaseStreak == 0) {
                return;
            }
        }
        update(() -> {
            leaseStreak = 0;
            leaseDetail = null;
        });
    }

    synchronized void backlog(Backlog latest) {
        this.backlog = latest;
    }

    synchronized Health current() {
        return new Health(status, describe(), since, Optional.ofNullable(lastSuccess), Optional.ofNullable(backlog),
                clock.instant());
    }

    private void update(Runnable change) {
        Health changedTo = null;
        synchronized (this) {
            change.run();
            Health.Status newStatus = computeStatus();
            String newKey = reasonKey();
            if (newStatus != status || !newKey.equals(reasonKey)) {
                if (newStatus != status) {
                    since = clock.instant();
                }
                status = newStatus;
                reasonKey = newKey;
                changedTo = current();
            }
        }
        if (changedTo != null) {
            onChange.accept(changedTo);
        }
    }

    private Health.Status computeStatus() {
        if (lifecycle != Lifecycle.RUNNING || pauseReason != null) {
            return Health.Status.DOWN;
        }
        return degradedStage().isPresent() || leaseStreak >= DEGRADED_AFTER ? Health.Status.DEGRADED
                : Health.Status.UP;
    }

    private String reasonKey() {
        if (lifecycle == Lifecycle.NOT_STARTED) {
            return "not started";
        }
        if (lifecycle == Lifecycle.CLOSED) {
            return "closed";
        }
        if (pauseReason != null) {
            return pauseReason;
        }
        return degradedStage().map(s -> s + ":" + streaks.get(s).reason)
                .orElse(leaseStreak >= DEGRADED_AFTER ? "leases" : "running");
    }

    private String describe() {
        if (status != Health.Status.DEGRADED) {
            return reasonKey;
        }
        Optional<Failure.Stage> stage = degradedStage();
        if (stage.isEmpty()) {
            return leaseStreak >= DEGRADED_AFTER
                    ? "deliveries outlive their queue lease (" + leaseStreak + " in a row; last: " + leaseDetail
                    + "): another consumer may process them twice; raise the queue's visibility timeout or lower "
                    + "the concurrency"
                    : reasonKey;
        }
        Streak streak = streaks.get(stage.get());
        Duration failingFor = Duration.between(streak.first, clock.instant());
        return dependency(stage.get()) + " failing: " + shown(streak.reason) + " for " + human(failingFor) + " ("
                + streak.count + " consecutive failures)";
    }

    /** A verdict label as people read it: {@code http_503} becomes {@code 503}; other labels stay as they are. */
    static String shown(String reason) {
        return HTTP_LABEL.matcher(reason).matches() ? reason.substring(5) : reason;
    }

    private Optional<Failure.Stage> degradedStage() {
        for (Failure.Stage stage : Failure.Stage.values()) {
            Streak streak = streaks.get(stage);
            if (streak != null && streak.count >= DEGRADED_AFTER) {
                return Optional.of(stage);
            }
        }
        return Optional.empty();
    }

    private static String dependency(Failure.Stage stage) {
        switch (stage) {
            case RECEIVE:
                return "queue pull";
            case SETTLE:
                return "queue ack";
            case READ:
                return "object store reads";
            default:
                return "ROOTKey API uploads";
        }
    }

    static String human(Duration d) {
        long seconds = Math.max(0, d.getSeconds());
        if (seconds < 120) {
            return seconds + " s";
        }
        if (seconds < 7200) {
            return (seconds / 60) + " min";
        }
        return (seconds / 3600) + " h";
    }

    private static final class Streak {
        final Instant first;
        final String reason;
        final int count;

        Streak(Instant first, String reason, int count) {
            this.first = first;
            this.reason = reason;
            this.count = count;
        }
    }
}
