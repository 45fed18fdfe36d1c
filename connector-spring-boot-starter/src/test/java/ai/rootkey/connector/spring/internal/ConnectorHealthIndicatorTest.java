package ai.rootkey.connector.spring.internal;

import ai.rootkey.connector.Backlog;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorStats;
import ai.rootkey.connector.Health;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The mapping of the connector's three states to Actuator's, on a connector whose health the test sets. */
class ConnectorHealthIndicatorTest {
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    /** A connector that only reports what it is told. */
    private static final class ReportingConnector implements Connector {
        private volatile Health health;

        @Override
        public Connector start() {
            return this;
        }

        @Override
        public ConnectorStats stats() {
            return new ConnectorStats(10, 7, 2, 1, 0, 0, 0, 0, 0, 0, 1, 0, 4096);
        }

        @Override
        public Health health() {
            return health;
        }

        @Override
        public void close() {
        }
    }

    private final ReportingConnector connector = new ReportingConnector();
    private final ConnectorHealthIndicator indicator = new ConnectorHealthIndicator(connector);

    @Test
    void up_isUp() {
        connector.health = new Health(Health.Status.UP, "running", NOW, Optional.of(NOW), Optional.empty(), NOW);
        var health = indicator.health();
        assertThat(health.getStatus().getCode()).isEqualTo("UP");
        assertThat(health.getDetails()).containsEntry("state", "UP").containsEntry("reason", "running")
                .containsEntry("anchored", 7L).containsEntry("inFlight", 1L)
                .containsEntry("lastSuccess", NOW.toString());
    }

    @Test
    void degraded_isUpWithTheReasonInTheDetails() {
        connector.health = new Health(Health.Status.DEGRADED, "queue pull failing: 503 for 2 min", NOW,
                Optional.empty(), Optional.of(new Backlog(42, 1024, Optional.of(NOW.minusSeconds(90)))),
                NOW);
        var health = indicator.health();
        assertThat(health.getStatus().getCode()).isEqualTo("UP");
        assertThat(health.getDetails()).containsEntry("state", "DEGRADED")
                .containsEntry("reason", "queue pull failing: 503 for 2 min")
                .containsEntry("backlogMessages", 42L).containsEntry("oldestMessageAge", "PT1M30S")
                .doesNotContainKey("lastSuccess");
    }

    @Test
    void down_isDownWithTheReason() {
        connector.health = new Health(Health.Status.DOWN,
                "the ROOTKey API rejects the API key (401): check ROOTKEY_API_KEY", NOW, Optional.empty(),
                Optional.empty(), NOW);
        var health = indicator.health();
        assertThat(health.getStatus().getCode()).isEqualTo("DOWN");
        assertThat(health.getDetails()).containsEntry("state", "DOWN")
                .containsEntry("reason", "the ROOTKey API rejects the API key (401): check ROOTKEY_API_KEY");
    }
}
