package ai.rootkey.connector.cli;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.r2.R2ConnectorConfig;

import java.util.Optional;

/** Reads the configuration from the command's environment, printing the problems when it is incomplete. */
final class Environment {
    private Environment() {
    }

    /** The configuration, or empty after printing every problem (the caller exits with 2). */
    static Optional<R2ConnectorConfig> config(Main.Cli cli) {
        try {
            return Optional.of(R2ConnectorConfig.fromEnvironment(cli.env()));
        } catch (ConfigurationException e) {
            cli.err().println("Configuration problems:\n" + e.getMessage());
            return Optional.empty();
        }
    }
}
