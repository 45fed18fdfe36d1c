package ai.rootkey.connector;

/** The root of the exceptions this SDK throws. Unchecked; the message says what went wrong and what to do. */
public class ConnectorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConnectorException(String message) {
        super(message);
    }

    public ConnectorException(String message, Throwable cause) {
        super(message, cause);
    }
}
