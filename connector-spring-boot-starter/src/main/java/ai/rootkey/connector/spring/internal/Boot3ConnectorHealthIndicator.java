package ai.rootkey.connector.spring.internal;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

import java.util.Objects;

/**
 * The connector's health for Spring Boot 3.5 Actuator ({@code org.springframework.boot.actuate.health}, which Boot
 * 4.0 moved); see {@link HealthDetails}. Only loaded when that package is on the classpath.
 */
public final class Boot3ConnectorHealthIndicator implements HealthIndicator {
    private final Connector connector;

    public Boot3ConnectorHealthIndicator(Connector connector) {
        this.connector = Objects.requireNonNull(connector, "connector");
    }

    @Override
    public org.springframework.boot.actuate.health.Health health() {
        Health health = connector.health();
        var builder = HealthDetails.isUp(health) ? org.springframework.boot.actuate.health.Health.up()
                : org.springframework.boot.actuate.health.Health.down();
        return builder.withDetails(HealthDetails.of(health, connector)).build();
    }
}
