package com.example.plain;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.Fault;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A user's test of their connector wiring, on the JUnit this project declares. */
class ConnectorWiringTest {

    @Test
    void runsOnTheJUnitThisProjectDeclares() {
        assertThat(Test.class.getPackage().getImplementationVersion()).isEqualTo("6.1.3");
    }

    @Test
    void filtersRetriesAndTheKitWork() {
        try (ConnectorTestKit kit = ConnectorTestKit.create()) {
            kit.bucket().put("docs/a.pdf", "%PDF-1.7");
            kit.bucket().put("docs/b.txt", "text");
            kit.anchorer().failNext(2, Fault.status(503));
            Connector connector = kit.start(b -> b.filter(EventFilter.suffix(".pdf")));
            kit.runUntilIdle(connector);
            assertThat(kit.anchorer().anchoredKeys()).containsExactly("docs/a.pdf");
            assertThat(connector.stats().retried()).isEqualTo(2);
            assertThat(connector.stats().skipped()).isEqualTo(1);
            assertThat(kit.queue().deadLettered()).isEmpty();
        }
    }
}
