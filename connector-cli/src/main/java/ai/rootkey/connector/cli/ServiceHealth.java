package ai.rootkey.connector.cli;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.Health;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code /health/live} and {@code /health/ready} answer for one connector in this process.
 *
 * <p>Readiness follows {@link Connector#health()}: 200 when UP or DEGRADED (working, perhaps slowly), 503 when DOWN
 * (not started, closed, or paused because credentials or configuration are refused), and 503 from the moment the
 * process starts to drain. Liveness says whether the process still needs no restart: 200 while the connector's
 * poller and settler threads run and no threads are deadlocked, 503 otherwise; 200 while draining. A paused
 * connector is live: it probes and resumes by itself, so restarting it would not help. Thread-safe.
 */
final class ServiceHealth {
    /** An HTTP status and a JSON body. */
    record Probe(int status, String json) {
        Probe {
            Objects.requireNonNull(json, "json");
        }
    }

    private final Connector connector;
    private final List<String> threadNames;
    private volatile boolean draining;

    /**
     * @param connectorName the connector's {@code name(...)}: the engine names its receiving thread
     *                      {@code <name>-poller} and its settling thread {@code <name>-settler}
     */
    ServiceHealth(Connector connector, String connectorName) {
        this.connector = Objects.requireNonNull(connector, "connector");
        this.threadNames = List.of(connectorName + "-poller", connectorName + "-settler");
    }

    /** From now on readiness is 503 and liveness says the process is draining. */
    void draining() {
        draining = true;
    }

    Probe liveness() {
        if (draining) {
            return new Probe(200, new Json().put("live", true)
                    .put("reason", "draining: finishing uploads in flight before exit").toString());
        }
        Optional<String> problem = threadProblem(threadNames);
        return problem
                .map(p -> new Probe(503, new Json().put("live", false).put("reason", p).toString()))
                .orElseGet(() -> new Probe(200, new Json().put("live", true)
                        .put("reason", "connector threads running").toString()));
    }

    Probe readiness() {
        Health health = connector.health();
        boolean ready = !draining && health.status() != Health.Status.DOWN;
        Json json = new Json().put("ready", ready)
                .put("status", draining ? Health.Status.DOWN.name() : health.status().name())
                .put("reason", draining ? "draining: finishing uploads in flight before exit" : health.reason())
                .put("since", health.since().toString());
        health.lastSuccess().ifPresent(t -> json.put("lastSuccess", t.toString()));
        health.backlogMessages().ifPresent(n -> json.put("backlogMessages", n));
        health.oldestMessageAge().ifPresent(age -> json.put("oldestMessageAgeSeconds", age.toSeconds()));
        return new Probe(ready ? 200 : 503, json.toString());
    }

    /** Empty when every named thread runs and no threads are deadlocked; otherwise what is wrong. */
    static Optional<String> threadProblem(List<String> required) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long[] deadlocked = threads.isSynchronizerUsageSupported()
                ? threads.findDeadlockedThreads() : threads.findMonitorDeadlockedThreads();
        if (deadlocked != null && deadlocked.length > 0) {
            List<String> names = new ArrayList<>();
            for (ThreadInfo info : threads.getThreadInfo(deadlocked)) {
                if (info != null) {
                    names.add(info.getThreadName());
                }
            }
            return Optional.of("deadlocked threads " + names + ": restart the process");
        }
        Set<String> alive = new HashSet<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null) {
                alive.add(info.getThreadName());
            }
        }
        List<String> missing = required.stream().filter(name -> !alive.contains(name)).toList();
        return missing.isEmpty() ? Optional.empty()
                : Optional.of("connector threads not running " + missing + ": restart the process");
    }
}
