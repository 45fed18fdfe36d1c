package ai.rootkey.connector.spring;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.micrometer.ConnectorMetrics;
import ai.rootkey.connector.r2.R2ConnectorConfig;
import ai.rootkey.connector.r2.R2EventCodec;
import ai.rootkey.connector.r2.Secret;
import ai.rootkey.connector.spring.internal.ConnectorHealthIndicator;
import ai.rootkey.connector.spring.internal.ConnectorPropertiesFailureAnalyzer;
import ai.rootkey.connector.spring.internal.SecretSanitizingFunction;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.FakeCloudflareQueues;
import ai.rootkey.connector.testkit.FakeRootkeyApi;
import ai.rootkey.connector.testkit.ReceivedFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Every condition of {@link RootkeyConnectorAutoConfiguration}, on the R2 path (no test kit annotation). */
class RootkeyConnectorAutoConfigurationTest {
    private static final String SECRET_API_KEY = "rk-live-do-not-print-4f1c";
    private static final String SECRET_TOKEN = "cf-token-do-not-print-77aa";
    private static final String SECRET_R2 = "r2-secret-do-not-print-9b0e";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RootkeyConnectorAutoConfiguration.class,
                    RootkeyConnectorSanitizingAutoConfiguration.class));

    private FakeCloudflareQueues queues;
    private FakeRootkeyApi api;
    private String queueId;

    @BeforeEach
    void startStandIns() {
        queues = FakeCloudflareQueues.builder().seed(7).build().start();
        api = FakeRootkeyApi.builder().seed(7).build().start();
        queueId = queues.createQueue("acme-documents-events");
    }

    @AfterEach
    void stopStandIns() {
        api.close();
        queues.close();
    }

    /** Properties that point the connector at the stand-ins (the R2 endpoint is never called: see the tests). */
    private String[] standInProperties() {
        return new String[] {
                "rootkey.connector.cloudflare.account-id=" + queues.accountId(),
                "rootkey.connector.cloudflare.api-token=" + queues.token(),
                "rootkey.connector.cloudflare.api-base-url=" + queues.baseUrl(),
                "rootkey.connector.r2.queue-id=" + queueId,
                "rootkey.connector.r2.bucket=acme-documents",
                "rootkey.connector.r2.access-key-id=AKIAEXAMPLE",
                "rootkey.connector.r2.secret-access-key=" + SECRET_R2,
                "rootkey.connector.r2.endpoint=http://127.0.0.1:9",
                "rootkey.connector.api-url=" + api.baseUrl(),
                "rootkey.connector.api-key=" + api.apiKey(),
                "rootkey.connector.allow-insecure-loopback=true",
                "rootkey.connector.engine.idle-backoff.min=5ms",
                "rootkey.connector.engine.idle-backoff.max=20ms",
                "rootkey.connector.engine.settle.max-delay=5ms",
                "rootkey.connector.engine.drain-timeout=5s"};
    }

    private void publishPut(String key, int size) {
        ObjectEvent event = ObjectEvent.builder().bucket("acme-documents").key(key).action(EventAction.PUT_OBJECT)
                .size(size).eTag("0123456789abcdef0123456789abcdef").eventTime(queues.now()).build();
        queues.publish(queueId, R2EventCodec.standard().toJson(event, queues.accountId()));
    }

    @Test
    void noProperties_failStartup_listingEveryRequiredPropertyByName() {
        runner.run(context -> {
            assertThat(context).hasFailed();
            InvalidConnectorPropertiesException failure = rootCause(context.getStartupFailure(),
                    InvalidConnectorPropertiesException.class);
            assertThat(failure.problems()).containsExactlyInAnyOrder(
                    "rootkey.connector.cloudflare.account-id is not set",
                    "rootkey.connector.cloudflare.api-token is not set",
                    "rootkey.connector.r2.queue-id is not set",
                    "rootkey.connector.r2.bucket is not set",
                    "rootkey.connector.r2.access-key-id is not set",
                    "rootkey.connector.r2.secret-access-key is not set",
                    "rootkey.connector.api-key is not set");
        });
    }

    @Test
    void badProperties_failStartup_listingEveryProblemAtOnce_withoutPrintingSecrets() {
        runner.withPropertyValues(
                        "rootkey.connector.cloudflare.account-id=ACME",
                        "rootkey.connector.cloudflare.api-token=" + SECRET_TOKEN.substring(0, 4) + "\u0007"
                                + SECRET_TOKEN.substring(4),
                        "rootkey.connector.r2.queue-id=rootkey-r2-events",
                        "rootkey.connector.r2.bucket=Acme_Documents",
                        "rootkey.connector.r2.access-key-id=AKIAEXAMPLE",
                        "rootkey.connector.r2.secret-access-key=" + SECRET_R2,
                        "rootkey.connector.r2.jurisdiction=eu",
                        "rootkey.connector.r2.endpoint=https://minio.example.com",
                        "rootkey.connector.r2.visibility-timeout=13h",
                        "rootkey.connector.api-url=http://api.rootkey.example.com",
                        "rootkey.connector.api-key=" + SECRET_API_KEY,
                        "rootkey.connector.max-file-size=0",
                        "rootkey.connector.engine.concurrency=0",
                        "rootkey.connector.engine.batch-size=101",
                        "rootkey.connector.engine.retry.max-retries=-1",
                        "rootkey.connector.engine.idle-backoff.min=2s",
                        "rootkey.connector.engine.idle-backoff.max=1s")
                .run(context -> {
                    assertThat(context).hasFailed();
                    InvalidConnectorPropertiesException failure = rootCause(context.getStartupFailure(),
                            InvalidConnectorPropertiesException.class);
                    List<String> problems = failure.problems();
                    assertThat(problems).hasSize(12);
                    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("rootkey.connector.cloudflare.account-id"))
                            .anySatisfy(p -> assertThat(p).startsWith("rootkey.connector.cloudflare.api-token must not contain"))
                            .anySatisfy(p -> assertThat(p).startsWith("rootkey.connector.r2.queue-id must be a queue id"))
                            .anySatisfy(p -> assertThat(p).startsWith("rootkey.connector.r2.bucket must match"))
                            .anySatisfy(p -> assertThat(p).startsWith("rootkey.connector.r2.jurisdiction and "
                                    + "rootkey.connector.r2.endpoint are both set"))
                            .anySatisfy(p -> assertThat(p).startsWith("rootkey.connector.r2.visibility-timeout must be"))
                            .anySatisfy(p -> assertThat(p).contains("rootkey.connector.api-url")
                                    .contains("rootkey.connector.allow-insecure-loopback"))
                            .anySatisfy(p -> assertThat(p).startsWith("rootkey.connector.max-file-size must be"))
                            .anySatisfy(p -> assertThat(p).startsWith("rootkey.connector.engine.concurrency:"))
                            .anySatisfy(p -> assertThat(p).startsWith("rootkey.connector.engine.batch-size:"))
                            .anySatisfy(p -> assertThat(p).startsWith("rootkey.connector.engine.retry:"))
                            .anySatisfy(p -> assertThat(p).startsWith("rootkey.connector.engine.idle-backoff:"));
                    assertThat(problems).noneSatisfy(p -> assertThat(p).containsAnyOf("CLOUDFLARE_", "R2_", "ROOTKEY_"));
                    assertThat(failure.getMessage()).doesNotContain(SECRET_TOKEN.substring(4), SECRET_R2,
                            SECRET_API_KEY);
                });
    }

    @Test
    void failureAnalyzer_describesTheProblemsAndTheFix() {
        runner.run(context -> {
            FailureAnalysis analysis = new ConnectorPropertiesFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("rootkey.connector.r2.bucket is not set");
            assertThat(analysis.getAction()).contains("rootkey.connector.enabled=false");
        });
    }

    @Test
    void disabled_configuresNothing_butStillMasksSecrets() {
        runner.withPropertyValues("rootkey.connector.enabled=false").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(Connector.class).doesNotHaveBean(ConnectorLifecycle.class)
                    .doesNotHaveBean(R2ConnectorConfig.class).doesNotHaveBean(RootkeyConnectorProperties.class);
            assertThat(context).hasSingleBean(SecretSanitizingFunction.class);
        });
    }

    @Test
    void validProperties_anchorThroughTheApplicationsClients_withItsFiltersAndListeners_andLeaveClientsOpen() {
        byte[] pdf = "%PDF-1.7 invoice".getBytes(StandardCharsets.UTF_8);
        RecordingS3Client s3 = new RecordingS3Client(Map.of("invoices/a.pdf", pdf, "invoices/b.txt", pdf));
        CountingHttpClient http = new CountingHttpClient();
        List<Outcome> outcomes = new CopyOnWriteArrayList<>();
        runner.withPropertyValues(standInProperties())
                .withBean(S3Client.class, () -> s3)
                .withBean(HttpClient.class, () -> http)
                .withBean(EventFilter.class, () -> EventFilter.suffix(".pdf"))
                .withBean(ConnectorListener.class, () -> new ConnectorListener() {
                    @Override
                    public void onOutcome(Outcome outcome) {
                        outcomes.add(outcome);
                    }
                })
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(Connector.class)
                            .hasSingleBean(ConnectorLifecycle.class).hasSingleBean(R2ConnectorConfig.class);
                    publishPut("invoices/b.txt", pdf.length);
                    publishPut("invoices/a.pdf", pdf.length);
                    List<ReceivedFile> files = api.awaitFiles(1, Duration.ofSeconds(20));
                    assertThat(files).extracting(ReceivedFile::key).containsExactly("invoices/a.pdf");
                    assertThat(files.get(0).content()).hasValueSatisfying(c -> assertThat(c).isEqualTo(pdf));
                    awaitOutcomes(outcomes, 2);
                    assertThat(outcomes).extracting(Outcome::kind)
                            .containsExactlyInAnyOrder(Outcome.Kind.ANCHORED, Outcome.Kind.SKIPPED);
                    assertThat(s3.requestedKeys()).containsExactly("invoices/a.pdf");
                    assertThat(http.sent()).isPositive();
                    context.getBean(Connector.class).close();
                    assertThat(s3.closed()).as("the application's S3Client is left open").isFalse();
                });
        assertThat(queues.queue(queueId).backlog()).isEmpty();
        assertThat(queues.queue(queueId).inFlight()).isEmpty();
        assertThat(queues.queue(queueId).acked()).hasSize(2);
    }

    @Test
    void namedClientBeans_winOverOtherClientsOfTheApplication() {
        byte[] pdf = "%PDF-1.7".getBytes(StandardCharsets.UTF_8);
        RecordingS3Client forR2 = new RecordingS3Client(Map.of("a.pdf", pdf));
        RecordingS3Client forAws = new RecordingS3Client(Map.of());
        runner.withPropertyValues(standInProperties())
                .withBean("awsS3Client", S3Client.class, () -> forAws)
                .withBean(RootkeyConnectorAutoConfiguration.S3_CLIENT_BEAN, S3Client.class, () -> forR2)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    publishPut("a.pdf", pdf.length);
                    api.awaitFiles(1, Duration.ofSeconds(20));
                    assertThat(forR2.requestedKeys()).containsExactly("a.pdf");
                    assertThat(forAws.requestedKeys()).isEmpty();
                });
    }

    @Test
    void httpClientThatFollowsRedirects_isRefusedAtStartup() {
        runner.withPropertyValues(standInProperties())
                .withBean(HttpClient.class, () -> HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                        .build())
                .run(context -> assertThat(context).hasFailed()
                        .getFailure().rootCause().hasMessageContaining("redirect"));
    }

    @Test
    void relaxedBinding_environmentVariablesAndCamelCaseKeys_bind() {
        runner.withPropertyValues(standInProperties())
                .withPropertyValues("rootkey.connector.engine.batchSize=7", "rootkey.connector.r2.visibilityTimeout=90")
                .withInitializer(context -> {
                    var sources = context.getEnvironment().getPropertySources();
                    sources.addFirst(new SystemEnvironmentPropertySource(
                            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                            Map.of("ROOTKEY_CONNECTOR_R2_PREFIX", "invoices/",
                                    "ROOTKEY_CONNECTOR_MAXFILESIZE", "10MB")));
                    ConfigurationPropertySources.attach(context.getEnvironment());
                })
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    RootkeyConnectorProperties properties = context.getBean(RootkeyConnectorProperties.class);
                    assertThat(properties.getEngine().getBatchSize()).isEqualTo(7);
                    assertThat(properties.getR2().getVisibilityTimeout()).isEqualTo(Duration.ofSeconds(90));
                    R2ConnectorConfig config = context.getBean(R2ConnectorConfig.class);
                    assertThat(config.prefix()).contains("invoices/");
                    assertThat(config.maxFileSizeBytes()).isEqualTo(10L * 1024 * 1024);
                });
    }

    @Test
    void applicationR2ConnectorConfigBean_replacesTheProperties() {
        R2ConnectorConfig own = R2ConnectorConfig.builder().accountId(queues.accountId())
                .apiToken(Secret.fromSupplier(queues::token)).apiBaseUrl(queues.baseUrl())
                .queueId(queueId).bucket("acme-documents").accessKeyId("AKIAEXAMPLE")
                .secretAccessKey(Secret.of(SECRET_R2)).r2Endpoint(java.net.URI.create("http://127.0.0.1:9"))
                .rootkeyApiUrl(api.baseUrl()).rootkeyApiKey(Secret.of(api.apiKey())).allowInsecureLoopback(true)
                .build();
        runner.withBean(R2ConnectorConfig.class, () -> own).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(R2ConnectorConfig.class)).isSameAs(own);
            assertThat(context).hasSingleBean(Connector.class);
        });
    }

    @Test
    void applicationConnectorBean_turnsOffTheR2Connector_andIsStartedAndDrainedByTheStarter() {
        ConnectorTestKit kit = ConnectorTestKit.create();
        Connector own = kit.connectorBuilder().build();
        runner.withBean(Connector.class, () -> own).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(Connector.class)
                    .doesNotHaveBean(R2ConnectorConfig.class).doesNotHaveBean(ConnectorMetrics.class);
            assertThat(context.getBean(Connector.class)).isSameAs(own);
            assertThat(own.health().status()).isEqualTo(ai.rootkey.connector.Health.Status.UP);
        });
        assertThat(own.health().reason()).contains("closed");
        kit.close();
    }

    @Test
    void withActuator_healthIndicatorAndMeters() {
        runner.withPropertyValues(standInProperties()).run(context -> {
            assertThat(context).hasSingleBean(ConnectorHealthIndicator.class).hasSingleBean(ConnectorMetrics.class);
            assertThat(context).hasBean("rootkeyConnectorHealthIndicator");
        });
    }

    @Test
    void withoutActuator_noHealthIndicatorNorMeters_theConnectorStillRuns() {
        runner.withPropertyValues(standInProperties())
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.health", "io.micrometer",
                        "org.springframework.boot.actuate"))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(Connector.class)
                            .doesNotHaveBean(ConnectorHealthIndicator.class).doesNotHaveBean(ConnectorMetrics.class)
                            .doesNotHaveBean(SecretSanitizingFunction.class);
                    assertThat(context.getBean(ConnectorLifecycle.class).isRunning()).isTrue();
                });
    }

    @Test
    void healthIndicator_turnedOffLikeActuatorsOwn() {
        runner.withPropertyValues(standInProperties())
                .withPropertyValues("management.health.rootkey-connector.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(ConnectorHealthIndicator.class));
        runner.withPropertyValues(standInProperties())
                .withPropertyValues("management.health.defaults.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(ConnectorHealthIndicator.class));
        runner.withPropertyValues(standInProperties())
                .withPropertyValues("management.health.defaults.enabled=false",
                        "management.health.rootkey-connector.enabled=true")
                .run(context -> assertThat(context).hasSingleBean(ConnectorHealthIndicator.class));
    }

    private static void awaitOutcomes(List<Outcome> outcomes, int count) {
        ai.rootkey.connector.testkit.Await.until(() -> outcomes.size() >= count, Duration.ofSeconds(20),
                count + " outcomes");
    }

    private static <T extends Throwable> T rootCause(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + failure, failure);
    }
}
