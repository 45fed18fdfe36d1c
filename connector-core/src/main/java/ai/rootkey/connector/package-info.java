/**
 * The connector's API: a {@link ai.rootkey.connector.Connector} built from an
 * {@link ai.rootkey.connector.EventSource}, an {@link ai.rootkey.connector.ObjectReader} and an
 * {@link ai.rootkey.connector.Anchorer}, with filters, listeners and a {@link ai.rootkey.connector.FailureClassifier}
 * to plug in. Vendor implementations live in other modules ({@code connector-r2}, {@code connector-testkit}).
 *
 * <pre>{@code
 * try (Connector connector = Connector.builder().source(queue).reader(bucket).anchorer(vault)
 *         .filter(EventFilter.suffix(".pdf")).start()) {
 *     awaitShutdownSignal();   // the connector runs on its own threads until closed
 * }
 * }</pre>
 */
package ai.rootkey.connector;
