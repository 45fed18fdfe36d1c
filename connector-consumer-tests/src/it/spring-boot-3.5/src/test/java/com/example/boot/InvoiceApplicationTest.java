package com.example.boot;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.spring.test.AutoConfigureConnectorTestKit;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest
@AutoConfigureConnectorTestKit
class InvoiceApplicationTest {

    @Autowired
    ConnectorTestKit kit;

    @Autowired
    Connector connector;

    @Autowired
    HealthEndpoint health;

    @Test
    void runsOnTheJUnitTheBootParentManages() {
        assertThat(Test.class.getPackage().getImplementationVersion()).startsWith("5.12.");
    }

    @Test
    void anchorsThePdfsUnderThePrefix_andActuatorReportsTheConnector() {
        kit.bucket().put("invoices/a.pdf", "%PDF-1.7");
        kit.bucket().put("invoices/b.txt", "text");
        kit.bucket().put("other/c.pdf", "%PDF-1.7");
        kit.runUntilIdle(connector);
        assertThat(kit.anchorer().anchoredKeys()).containsExactly("invoices/a.pdf");
        assertThat(health.healthForPath("rootkeyConnector").getStatus().getCode()).isEqualTo("UP");
    }
}
