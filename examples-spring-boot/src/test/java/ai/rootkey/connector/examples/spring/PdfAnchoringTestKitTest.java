package ai.rootkey.connector.examples.spring;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.spring.ConnectorLifecycle;
import ai.rootkey.connector.spring.test.AutoConfigureConnectorTestKit;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.Fault;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application's wiring (prefix, PDF filter, audit listener) on the in-memory test kit: no network, no
 * credentials, retry delays pass on the kit's manual clock.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@AutoConfigureConnectorTestKit
class PdfAnchoringTestKitTest {

    @Autowired
    ConnectorTestKit kit;

    @Autowired
    Connector connector;

    @Autowired
    AuditListener audit;

    @Autowired
    ConnectorLifecycle lifecycle;

    @Test
    void theConnectorDrainsInBootsGracefulShutdownPhase() {
        assertThat(lifecycle.getPhase()).isEqualTo(WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE);
        assertThat(lifecycle.isRunning()).isTrue();
    }

    @Test
    void anchorsOnlyThePdfsUnderInvoices_andAuditsThem_evenAfterARetry() {
        kit.anchorer().failNext(1, Fault.status(503));
        kit.bucket().put("invoices/2026/0001.pdf", "%PDF-1.7 first");
        kit.bucket().put("invoices/2026/0002.PDF", "%PDF-1.7 second");
        kit.bucket().put("invoices/2026/notes.txt", "not a pdf");
        kit.bucket().put("contracts/0003.pdf", "%PDF-1.7 other prefix");

        kit.runUntilIdle(connector);

        assertThat(kit.anchorer().anchoredKeys())
                .containsExactlyInAnyOrder("invoices/2026/0001.pdf", "invoices/2026/0002.PDF");
        assertThat(audit.recent()).extracting(AuditListener.Entry::key)
                .containsExactlyInAnyOrder("invoices/2026/0001.pdf", "invoices/2026/0002.PDF");
        assertThat(audit.recent()).allSatisfy(e -> assertThat(e.sha256()).hasSize(64));
        assertThat(kit.queue().deadLettered()).isEmpty();
        assertThat(connector.stats().skipped()).isEqualTo(2);
        assertThat(connector.stats().retried()).isEqualTo(1);
    }
}
