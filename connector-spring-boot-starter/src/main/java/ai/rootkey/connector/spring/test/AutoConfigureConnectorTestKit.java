package ai.rootkey.connector.spring.test;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the application's connector on the in-memory test kit instead of R2: put it on a {@code @SpringBootTest}
 * class (with {@code connector-testkit} on the test classpath) and the context gets a
 * {@link ai.rootkey.connector.testkit.ConnectorTestKit} bean, whose bucket, queue and recording anchorer replace
 * R2, the Cloudflare queue and the ROOTKey API. The application's filters, listeners, classifier, customizers and
 * {@code rootkey.connector.r2.prefix} / {@code engine.*} properties apply as in production; no network, no
 * credentials.
 *
 * <pre>{@code
 * @SpringBootTest
 * @AutoConfigureConnectorTestKit
 * class InvoiceAnchoringTest {
 *     @Autowired ConnectorTestKit kit;
 *     @Autowired Connector connector;
 *
 *     @Test
 *     void anchorsInvoicePdfs() {
 *         kit.bucket().put("invoices/2026/a.pdf", bytes);
 *         kit.runUntilIdle(connector);
 *         assertThat(kit.anchorer().anchoredKeys()).containsExactly("invoices/2026/a.pdf");
 *     }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ImportAutoConfiguration
public @interface AutoConfigureConnectorTestKit {
}
