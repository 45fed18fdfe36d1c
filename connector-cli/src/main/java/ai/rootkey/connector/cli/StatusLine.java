package ai.rootkey.connector.cli;

import ai.rootkey.connector.Backlog;
import ai.rootkey.connector.ConnectorStats;
import ai.rootkey.connector.Health;
import ai.rootkey.connector.cli.demo.Format;

import java.time.Clock;
import java.time.Duration;

/** Formats the periodic status line and byte counts. */
final class StatusLine {
    private StatusLine() {
    }

    /**
     * {@code anchored=.. skipped=.. retried=.. terminal=.. in_flight=.. backlog=.. oldest_age_s=.. rate=..}, with the
     * throughput over {@code interval} from the change in bytes anchored since {@code previous}.
     */
    static String format(ConnectorStats now, ConnectorStats previous, Duration interval, Health health, Clock clock) {
        double seconds = Math.max(0.001, interval.toMillis() / 1000.0);
        double bytesPerSecond = (now.bytesAnchored() - previous.bytesAnchored()) / seconds;
        StringBuilder line = new StringBuilder(160)
                .append("anchored=").append(now.anchored())
                .append(" skipped=").append(now.skipped())
                .append(" retried=").append(now.retried() + now.exhausted())
                .append(" terminal=").append(now.terminal())
                .append(" in_flight=").append(now.inFlight());
        if (health.backlog().isPresent()) {
            Backlog backlog = health.backlog().get();
            line.append(" backlog=").append(backlog.messages());
            backlog.oldestMessageAge(clock).ifPresent(age -> line.append(" oldest_age_s=").append(age.toSeconds()));
        }
        line.append(" rate=").append(Format.bytes((long) bytesPerSecond)).append("/s")
                .append(" health=").append(health.status());
        if (health.status() != Health.Status.UP) {
            line.append(" reason=\"").append(health.reason()).append('"');
        }
        return line.toString();
    }
}
