/**
 * Spring Boot auto-configuration for the R2 connector: add {@code connector-spring-boot-starter}, set the
 * {@code rootkey.connector.*} properties ({@link ai.rootkey.connector.spring.RootkeyConnectorProperties}), and declare
 * filters and listeners as beans.
 *
 * <pre>{@code
 * @Bean EventFilter invoicePdfs() { return EventFilter.suffix(".pdf"); }
 * @Bean ConnectorListener audit() { return new AuditListener(); }
 * // application.yml: rootkey.connector.r2.bucket: acme-documents, r2.prefix: invoices/, ...
 * @Autowired Connector connector;   // started when the context is ready, drained on shutdown
 * connector.health();               // also /actuator/health/rootkeyConnector
 * }</pre>
 */
package ai.rootkey.connector.spring;
