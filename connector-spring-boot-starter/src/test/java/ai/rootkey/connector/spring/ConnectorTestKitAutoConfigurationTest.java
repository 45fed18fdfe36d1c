package ai.rootkey.connector.spring;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.Failure;
import ai.rootkey.connector.FailureClassifier;
import ai.rootkey.connector.Health;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Verdict;
import ai.rootkey.connector.spring.internal.ConnectorHealthIndicator;
import ai.rootkey.connector.spring.test.AutoConfigureConnectorTestKit;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.Fault;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link AutoConfigureConnectorTestKit}: the application's connector wiring on the in-memory test kit, as a user's
 * {@code @SpringBootTest} gets it (both auto-configurations imported and ordered together).
 */
class ConnectorTestKitAutoConfigurationTest {

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({RootkeyConnectorAutoConfiguration.class, RootkeyConnectorSanitizingAutoConfiguration.class})
    @AutoConfigureConnectorTestKit
    static class KitApplication {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(KitApplication.class);

    @Test
    void withoutAnyR2Property_theKitReplacesR2_andTheApplicationsBeansApply() {
        List<Outcome> outcomes = new CopyOnWriteArrayList<>();
        AtomicInteger classified = new AtomicInteger();
        FailureClassifier defaults = FailureClassifier.defaults();
        runner.withPropertyValues("rootkey.connector.r2.prefix=invoices/", "rootkey.connector.r2.bucket=acme-documents")
                .withBean(EventFilter.class, () -> EventFilter.suffix(".pdf"))
                .withBean(ConnectorListener.class, () -> new ConnectorListener() {
                    @Override
                    public void onOutcome(Outcome outcome) {
                        outcomes.add(outcome);
                    }
                })
                .withBean(FailureClassifier.class, () -> new FailureClassifier() {
                    @Override
                    public Verdict classify(Failure failure) {
                        classified.incrementAndGet();
                        return defaults.classify(failure);
                    }
                })
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(ConnectorTestKit.class)
                            .hasSingleBean(Connector.class).hasSingleBean(ConnectorHealthIndicator.class);
                    ConnectorTestKit kit = context.getBean(ConnectorTestKit.class);
                    Connector connector = context.getBean(Connector.class);
                    assertThat(kit.bucket().name()).isEqualTo("acme-documents");
                    kit.anchorer().failNext(1, Fault.status(503));
                    kit.bucket().put("invoices/2026/a.pdf", "%PDF-1.7 a");
                    kit.bucket().put("invoices/2026/b.txt", "not a pdf");
                    kit.bucket().put("contracts/c.pdf", "%PDF-1.7 c");
                    kit.runUntilIdle(connector);
                    assertThat(kit.anchorer().anchoredKeys()).containsExactly("invoices/2026/a.pdf");
                    assertThat(kit.queue().deadLettered()).isEmpty();
                    assertThat(classified.get()).as("the application's classifier saw the 503").isEqualTo(1);
                    assertThat(outcomes).filteredOn(o -> o.kind() == Outcome.Kind.SKIPPED).hasSize(2);
                    assertThat(outcomes).filteredOn(o -> o.kind() == Outcome.Kind.ANCHORED).hasSize(1);
                });
    }

    @Test
    void customizers_runAfterTheProperties() {
        runner.withPropertyValues("rootkey.connector.engine.concurrency=3")
                .withBean(ConnectorBuilderCustomizer.class, () -> builder -> builder.concurrency(2))
                .run(context -> {
                    ConnectorTestKit kit = context.getBean(ConnectorTestKit.class);
                    kit.anchorer().latency(Duration.ofMillis(50));
                    for (int i = 0; i < 12; i++) {
                        kit.bucket().put("k" + i + ".pdf", "x");
                    }
                    kit.runUntilIdle(context.getBean(Connector.class));
                    assertThat(kit.anchorer().anchoredKeys()).hasSize(12);
                    assertThat(kit.anchorer().maxConcurrentUploads()).isLessThanOrEqualTo(2);
                });
    }

    @Test
    void badEngineProperties_failStartup_evenOnTheKit() {
        runner.withPropertyValues("rootkey.connector.engine.concurrency=0", "rootkey.connector.max-file-size=-1")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause()
                            .isInstanceOf(InvalidConnectorPropertiesException.class)
                            .hasMessageContaining("rootkey.connector.engine.concurrency")
                            .hasMessageContaining("rootkey.connector.max-file-size");
                });
    }

    @Test
    void disabled_noKitNoConnector() {
        runner.withPropertyValues("rootkey.connector.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(Connector.class)
                        .doesNotHaveBean(ConnectorTestKit.class));
    }

    @Test
    void health_isDownWithTheReasonWhileCredentialsAreRefused_andUpAgainAfter() {
        runner.run(context -> {
            ConnectorTestKit kit = context.getBean(ConnectorTestKit.class);
            ConnectorHealthIndicator indicator = context.getBean(ConnectorHealthIndicator.class);
            assertThat(indicator.health().getStatus().getCode()).isEqualTo("UP");

            kit.anchorer().refuseCredentials();
            kit.bucket().put("a.pdf", "x");
            Await.until(() -> indicator.health().getStatus().getCode().equals("DOWN"), Duration.ofSeconds(10),
                    "health DOWN");
            var down = indicator.health();
            assertThat(down.getDetails()).containsEntry("state", "DOWN");
            assertThat((String) down.getDetails().get("reason")).contains("401");

            kit.anchorer().acceptCredentials();
            Await.until(() -> indicator.health().getStatus().getCode().equals("UP"), Duration.ofSeconds(10),
                    "health UP again");
            kit.runUntilIdle(context.getBean(Connector.class));
            assertThat(kit.anchorer().anchoredKeys()).containsExactly("a.pdf");
            assertThat(kit.queue().deadLettered()).isEmpty();
        });
    }

    @Test
    void meters_areBoundToTheApplicationsMeterRegistry() {
        runner.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
                        SimpleMetricsExportAutoConfiguration.class))
                .run(context -> {
                    ConnectorTestKit kit = context.getBean(ConnectorTestKit.class);
                    kit.bucket().put("a.pdf", "x");
                    kit.bucket().put("b.pdf", "y");
                    kit.runUntilIdle(context.getBean(Connector.class));
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    FunctionCounter anchored = registry.find("rootkey.connector.deliveries")
                            .tags("outcome", "anchored", "bucket", ConnectorTestKit.DEFAULT_BUCKET).functionCounter();
                    assertThat(anchored).isNotNull();
                    assertThat(anchored.count()).isEqualTo(2.0);
                    assertThat(registry.find("rootkey.connector.health").tag("status", "up").gauge().value())
                            .isEqualTo(1.0);
                });
    }

    @Test
    void contextStoppedAndStartedAgain_runsAFreshConnector() {
        runner.run(context -> {
            ConnectorTestKit kit = context.getBean(ConnectorTestKit.class);
            Connector connector = context.getBean(Connector.class);
            kit.bucket().put("before.pdf", "x");
            kit.runUntilIdle(connector);

            context.getSourceApplicationContext().stop();
            assertThat(connector.health().status()).isEqualTo(Health.Status.DOWN);
            kit.bucket().put("while-stopped.pdf", "y");
            context.getSourceApplicationContext().start();

            assertThat(context.getBean(ConnectorLifecycle.class).isRunning()).isTrue();
            kit.runUntilIdle(connector);
            assertThat(kit.anchorer().anchoredKeys()).containsExactly("before.pdf", "while-stopped.pdf");
        });
    }

    @Test
    void shutdown_letsAnUploadInFlightFinish() {
        runner.run(context -> {
            ConnectorTestKit kit = context.getBean(ConnectorTestKit.class);
            kit.anchorer().latency(Duration.ofMillis(700));
            kit.bucket().put("slow.pdf", "x");
            ConnectorLifecycle lifecycle = context.getBean(ConnectorLifecycle.class);
            Await.until(() -> kit.anchorer().calls() == 1, Duration.ofSeconds(10), "upload in progress");
            context.close();
            assertThat(kit.anchorer().anchoredKeys()).containsExactly("slow.pdf");
            assertThat(kit.queue().acked()).hasSize(1);
            assertThat(kit.queue().inFlight()).isZero();
            assertThat(lifecycle.isRunning()).isFalse();
        });
    }

    @Test
    void shutdown_handsBackWhatDidNotFinishWithinTheDrainTimeout() {
        runner.withBean(ConnectorBuilderCustomizer.class, () -> builder -> builder.drainTimeout(Duration.ofMillis(100)))
                .run(context -> {
                    ConnectorTestKit kit = context.getBean(ConnectorTestKit.class);
                    Connector connector = context.getBean(Connector.class);
                    kit.anchorer().latency(Duration.ofSeconds(30));
                    kit.bucket().put("huge.pdf", "x");
                    Await.until(() -> kit.anchorer().calls() == 1, Duration.ofSeconds(10), "upload in progress");
                    long start = System.nanoTime();
                    context.close();
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
                    assertThat(kit.anchorer().anchoredKeys()).isEmpty();
                    assertThat(kit.queue().acked()).isEmpty();
                    assertThat(kit.queue().deadLettered()).isEmpty();
                    assertThat(kit.queue().inFlight()).as("handed back, not leased").isZero();
                    assertThat(kit.queue().visible()).isEqualTo(1);
                    assertThat(connector.health().status()).isEqualTo(Health.Status.DOWN);
                });
    }
}
