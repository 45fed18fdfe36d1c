package ai.rootkey.connector.spring.internal;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import java.util.Objects;

/** The connector's health for Spring Boot 4.0 Actuator ({@code org.springframework.boot.health}); see {@link HealthDetails}. */
public final class ConnectorHealthIndicator implements HealthIndicator {
    private final Connector connector;

    public ConnectorHealthIndicator(Connector connector) {
        this.connector = Objects.requireNonNull(connector, "connector");
    }

    @Override
    public org.springframework.boot.health.contributor.Health health() {
        Health health = connector.health();
        var builder = HealthDetails.isUp(health) ? org.springframework.boot.health.contributor.Health.up()
                : org.springframework.boot.health.contributor.Health.down();
        return builder.withDetails(HealthDetails.of(health, connector)).build();
    }
}
