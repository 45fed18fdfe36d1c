package ai.rootkey.connector.spring;

import ai.rootkey.connector.ConfigurationException;

import java.util.List;

/**
 * The {@code rootkey.connector.*} properties break one or more rules; the message lists every problem, one per line,
 * naming the property. It never contains a secret value.
 */
public final class InvalidConnectorPropertiesException extends ConfigurationException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public InvalidConnectorPropertiesException(List<String> problems) {
        super("the rootkey.connector properties have " + problems.size()
                + (problems.size() == 1 ? " problem:" : " problems:") + System.lineSeparator() + "  "
                + String.join(System.lineSeparator() + "  ", problems));
        this.problems = List.copyOf(problems);
    }

    /** The problems, one sentence each. */
    public List<String> problems() {
        return problems;
    }
}
