package ai.rootkey.connector.spring.internal;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorStats;
import ai.rootkey.connector.Health;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The connector's {@link Health} as Actuator shows it, for both Spring Boot lines: UP stays UP, DEGRADED is UP with
 * {@code state=DEGRADED} and the reason in the details (the application still works; the queue or a dependency is
 * failing transiently), DOWN is DOWN with the reason. The details carry no secret: the engine's reasons name the
 * setting to check, never its value.
 */
final class HealthDetails {
    private HealthDetails() {
    }

    /** True unless the connector is DOWN. */
    static boolean isUp(Health health) {
        return health.status() != Health.Status.DOWN;
    }

    /** The details: state, reason, since, last success, queue lag, and the counters. */
    static Map<String, Object> of(Health health, Connector connector) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("state", health.status().name());
        details.put("reason", health.reason());
        details.put("since", health.since().toString());
        health.lastSuccess().ifPresent(t -> details.put("lastSuccess", t.toString()));
        health.backlogMessages().ifPresent(n -> details.put("backlogMessages", n));
        health.oldestMessageAge().ifPresent(age -> details.put("oldestMessageAge", age.toString()));
        ConnectorStats stats = connector.stats();
        details.put("received", stats.received());
        details.put("anchored", stats.anchored());
        details.put("skipped", stats.skipped());
        details.put("retried", stats.retried());
        details.put("terminal", stats.terminal());
        details.put("inFlight", stats.inFlight());
        return details;
    }
}
