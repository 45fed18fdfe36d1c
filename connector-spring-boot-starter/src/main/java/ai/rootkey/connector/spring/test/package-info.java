/**
 * The in-memory test kit in a Spring Boot test: {@link ai.rootkey.connector.spring.test.AutoConfigureConnectorTestKit}.
 *
 * <pre>{@code
 * @SpringBootTest @AutoConfigureConnectorTestKit
 * class MyWiringTest {
 *     @Autowired ConnectorTestKit kit; @Autowired Connector connector;
 *     @Test void anchorsPdfs() { kit.bucket().put("docs/a.pdf", bytes); kit.runUntilIdle(connector); }
 * }
 * }</pre>
 */
package ai.rootkey.connector.spring.test;
