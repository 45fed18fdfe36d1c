package ai.rootkey.connector.examples.spring;

import ai.rootkey.connector.EventFilter;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

import java.util.Locale;

/**
 * A Spring Boot application that anchors the PDFs landing under {@code invoices/} in an R2 bucket, with an audit
 * log of every anchored file. The connector comes from {@code connector-spring-boot-starter}: the properties in
 * {@code application.yml} configure it, the beans below add a filter and a listener, and the application context
 * starts it, reports its health at {@code /actuator/health} and drains it on shutdown.
 *
 * <p>Run it with the variables of the README's configuration table set ({@code CLOUDFLARE_ACCOUNT_ID},
 * {@code R2_BUCKET}, ...): {@code application.yml} maps them to {@code rootkey.connector.*}.
 */
@SpringBootApplication
public class PdfAnchoringApplication {

    public static void main(String[] args) {
        SpringApplication.run(PdfAnchoringApplication.class, args);
    }

    /** Only PDFs, whatever the case of the extension; the key prefix is {@code rootkey.connector.r2.prefix}. */
    @Bean
    EventFilter pdfsOnly() {
        return event -> event.key().toLowerCase(Locale.ROOT).endsWith(".pdf");
    }

    /** One audit line per anchored file; the starter registers every ConnectorListener bean. */
    @Bean
    AuditListener auditListener() {
        return new AuditListener();
    }
}
