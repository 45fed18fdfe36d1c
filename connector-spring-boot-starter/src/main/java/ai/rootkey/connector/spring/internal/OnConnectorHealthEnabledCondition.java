package ai.rootkey.connector.spring.internal;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches unless {@code management.health.rootkey-connector.enabled} is false, or it is unset and
 * {@code management.health.defaults.enabled} is false: Actuator's rule for its own health indicators, the same on
 * Spring Boot 3.5 and 4.0.
 */
public final class OnConnectorHealthEnabledCondition extends SpringBootCondition {
    static final String PROPERTY = "management.health.rootkey-connector.enabled";
    static final String DEFAULTS = "management.health.defaults.enabled";

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Boolean own = context.getEnvironment().getProperty(PROPERTY, Boolean.class);
        if (own != null) {
            return new ConditionOutcome(own, PROPERTY + " is " + own);
        }
        boolean defaults = context.getEnvironment().getProperty(DEFAULTS, Boolean.class, true);
        return new ConditionOutcome(defaults, DEFAULTS + " is " + defaults);
    }
}
