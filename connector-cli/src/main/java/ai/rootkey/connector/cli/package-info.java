/**
 * The runnable jar ({@code rootkey-connector.jar}): the commands an operator runs, each on the public API of
 * {@code connector-r2} and configured from the environment ({@code R2ConnectorConfig.fromEnvironment}). Not a
 * library API: embed {@code connector-r2} instead.
 *
 * <pre>{@code
 * java -jar rootkey-connector.jar doctor                     # check every dependency and setting
 * java -jar rootkey-connector.jar run --http-port 8080       # the connector as a service, health and metrics
 * java -jar rootkey-connector.jar dlq peek                   # what the dead-letter queue holds
 * }</pre>
 */
package ai.rootkey.connector.cli;
