package ai.rootkey.connector.examples;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.LogCapture;
import ch.qos.logback.classic.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How a user tests their own wiring: the same {@code configure(...)} the application uses, run against the test
 * kit's in-memory bucket, queue and recording anchorer. No Cloudflare, no network, no sleeps.
 */
class ConnectorWiringTest {
    private final ConnectorTestKit kit = ConnectorTestKit.create();

    @AfterEach
    void tearDown() {
        kit.close();
    }

    @Test
    void onlyContractPdfsAreAnchored() {
        kit.bucket().put("contracts/acme/msa-signed.pdf", "%PDF-1.7 signed");
        kit.bucket().put("contracts/acme/MSA-COUNTERSIGNED.PDF", "%PDF-1.7 countersigned");
        kit.bucket().put("contracts/acme/~$msa-signed.pdf", "lock file");
        kit.bucket().put("contracts/acme/notes.docx", "not a pdf");
        kit.bucket().put("invoices/2026/inv-1.pdf", "not a contract");

        Connector connector = kit.start(CustomFilterExample::configure);
        kit.runUntilIdle(connector);

        assertThat(kit.anchorer().anchoredKeys())
                .containsExactlyInAnyOrder("contracts/acme/msa-signed.pdf", "contracts/acme/MSA-COUNTERSIGNED.PDF");
        assertThat(connector.stats().skipped()).isEqualTo(3);
        assertThat(kit.queue().acked()).hasSize(5);
        assertThat(kit.queue().deadLettered()).isEmpty();
    }

    @Test
    void transientApiErrors_areRetried_andTheAuditLogSeesEachContractOnce() {
        kit.bucket().put("contracts/acme/msa-signed.pdf", "%PDF-1.7 signed");
        kit.anchorer().failNext(2, Fault.status(503));
        List<Outcome> outcomes = new ArrayList<>();
        try (LogCapture audit = new LogCapture("audit.contracts", Level.INFO)) {
            ConnectorListener recorder = new ConnectorListener() {
                @Override
                public void onOutcome(Outcome outcome) {
                    synchronized (outcomes) {
                        outcomes.add(outcome);
                    }
                }
            };
            Connector connector = kit.start(b -> CustomFilterExample.configure(b).listener(recorder));
            kit.runUntilIdle(connector); // the queue's retry delays pass on the kit's manual clock

            assertThat(kit.anchorer().anchoredKeys()).containsExactly("contracts/acme/msa-signed.pdf");
            assertThat(outcomes).extracting(Outcome::kind)
                    .containsExactly(Outcome.Kind.RETRIED, Outcome.Kind.RETRIED, Outcome.Kind.ANCHORED);
            assertThat(audit.all()).singleElement()
                    .satisfies(line -> assertThat(line).contains("key=\"contracts/acme/msa-signed.pdf\""));
        }
    }

    @Test
    void anObjectDeletedBeforeItIsRead_isATerminalFailure_notALostEvent() {
        kit.bucket().put("contracts/acme/withdrawn.pdf", "%PDF-1.7");
        kit.bucket().deleteBeforeRead("contracts/acme/withdrawn.pdf");
        Connector connector = kit.start(CustomFilterExample::configure);
        kit.runUntilIdle(connector);
        assertThat(kit.anchorer().anchoredKeys()).isEmpty();
        assertThat(connector.stats().terminal()).isEqualTo(1);
    }
}
