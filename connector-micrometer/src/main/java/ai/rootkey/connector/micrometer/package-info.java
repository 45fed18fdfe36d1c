/**
 * Micrometer metrics for the ROOTKey connector.
 *
 * <pre>{@code
 * ConnectorMetrics metrics = ConnectorMetrics.forBucket("acme-documents");
 * Connector connector = R2Connector.builder().config(config).listener(metrics).start();
 * metrics.bindTo(meterRegistry);   // or expose it as a MeterBinder bean
 * }</pre>
 */
package ai.rootkey.connector.micrometer;
