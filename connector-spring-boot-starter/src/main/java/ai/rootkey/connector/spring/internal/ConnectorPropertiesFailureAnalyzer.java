package ai.rootkey.connector.spring.internal;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.spring.InvalidConnectorPropertiesException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a connector configuration failure at startup into Spring Boot's "APPLICATION FAILED TO START" report: the
 * problems as the description, and what to do as the action, instead of a stack trace.
 */
public final class ConnectorPropertiesFailureAnalyzer extends AbstractFailureAnalyzer<ConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ConfigurationException cause) {
        String action = cause instanceof InvalidConnectorPropertiesException
                ? "Set or correct the rootkey.connector properties listed above (in application.yml, or as environment "
                + "variables such as ROOTKEY_CONNECTOR_R2_BUCKET), or turn the connector off with "
                + "rootkey.connector.enabled=false."
                : "Correct the connector's configuration as the description says, or turn the connector off with "
                + "rootkey.connector.enabled=false.";
        return new FailureAnalysis("The ROOTKey connector could not be configured: " + cause.getMessage(), action,
                cause);
    }
}
