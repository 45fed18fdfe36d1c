package ai.rootkey.connector;

/**
 * The connector's own configuration or credentials are wrong: a missing or invalid setting, an API key or
 * token that is refused, a bucket that does not exist. Not a per-message problem: the engine never
 * acknowledges a message because of it. It pauses, reports unhealthy, and resumes once a probe succeeds.
 */
public class ConfigurationException extends ConnectorException {
    private static final long serialVersionUID = 1L;

    public ConfigurationException(String message) {
        super(message);
    }

    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
