package ai.rootkey.connector.examples.spring;

import ai.rootkey.connector.local.LoopbackStack;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.QueueMessage;
import ai.rootkey.connector.testkit.ReceivedFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestExecutionListener;
import org.springframework.test.context.TestExecutionListeners;
import org.springframework.test.context.support.DependencyInjectionTestExecutionListener;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole application on a random port against the loopback stand-ins (S3Proxy, the fake Cloudflare queue, the
 * fake ROOTKey API), configured only through the environment variables its {@code application.yml} reads: it
 * anchors a file, reports its health through a pause (the API key refused) and the resumption, hides its secrets
 * from Actuator, and shuts down gracefully with nothing lost.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "management.endpoints.web.exposure.include=health,metrics,env,configprops",
        "management.endpoint.env.show-values=always",
        "management.endpoint.configprops.show-values=always",
        "rootkey.connector.engine.probe-interval=200ms",
        "rootkey.connector.engine.idle-backoff.min=10ms",
        "rootkey.connector.engine.idle-backoff.max=50ms",
        "rootkey.connector.engine.drain-timeout=10s"})
// Only the listeners this test needs: Spring's defaults include one (Mockito's reset) that would load the
// application again after the test shut it down.
@TestExecutionListeners({DependencyInjectionTestExecutionListener.class, PdfAnchoringLoopbackTest.ContextCloser.class})
class PdfAnchoringLoopbackTest {
    private static final LoopbackStack STACK = startStack();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;

    @Autowired
    ConfigurableApplicationContext context;

    @Autowired
    AuditListener audit;


    private static LoopbackStack startStack() {
        try {
            return LoopbackStack.builder().seed(13).start();
        } catch (Exception e) {
            throw new IllegalStateException("could not start the stand-ins", e);
        }
    }

    /** The stand-ins' coordinates as the environment variables a deployment would set. */
    @DynamicPropertySource
    static void environment(DynamicPropertyRegistry registry) {
        STACK.environment().forEach((name, value) -> registry.add(name, () -> value));
    }

    @AfterAll
    static void stopStack() {
        STACK.close();
    }

    @Test
    void anchors_reportsHealthThroughPauseAndResume_hidesSecrets_andShutsDownWithNothingLost() throws Exception {
        byte[] first = "%PDF-1.7 invoice 1".getBytes(StandardCharsets.UTF_8);
        STACK.put("invoices/2026/0001.pdf", first);
        STACK.put("invoices/2026/readme.txt", "skipped".getBytes(StandardCharsets.UTF_8));
        List<ReceivedFile> files = STACK.api().awaitFiles(1, Duration.ofSeconds(30));
        assertThat(files).extracting(ReceivedFile::key).containsExactly("invoices/2026/0001.pdf");
        assertThat(files.get(0).content()).hasValueSatisfying(c -> assertThat(c).isEqualTo(first));
        Await.until(() -> audit.recent().size() == 1, Duration.ofSeconds(10), "audit entry");

        JsonNode up = connectorHealth(get("/actuator/health"));
        assertThat(up.path("status").asText()).isEqualTo("UP");
        assertThat(up.path("details").path("state").asText()).isEqualTo("UP");
        assertThat(up.path("details").path("anchored").asLong()).isEqualTo(1);

        // The API key is revoked: the connector pauses without acknowledging anything, and health says why.
        STACK.api().refuseCredentials();
        STACK.put("invoices/2026/0002.pdf", "%PDF-1.7 invoice 2".getBytes(StandardCharsets.UTF_8));
        JsonNode down = connectorHealth(awaitHealth(503));
        assertThat(down.path("status").asText()).isEqualTo("DOWN");
        assertThat(down.path("details").path("reason").asText()).contains("rejects the API key (401)");

        // The key works again: the probe notices, the connector resumes and anchors what waited.
        STACK.api().acceptCredentials();
        assertThat(connectorHealth(awaitHealth(200)).path("details").path("state").asText()).isEqualTo("UP");
        STACK.api().awaitFiles(2, Duration.ofSeconds(30));

        assertSecretsMasked();
        assertThat(get("/actuator/metrics/rootkey.connector.deliveries").body()).contains("\"outcome\"");

        // Shutdown while uploads are in flight: they finish and are acknowledged, the rest goes back to the queue.
        STACK.api().failNext(3, Fault.latency(Duration.ofMillis(800)));
        int requestsBefore = STACK.api().requestCount();
        Set<String> burst = IntStream.range(3, 9).mapToObj(i -> "invoices/2026/000" + i + ".pdf")
                .collect(Collectors.toCollection(HashSet::new));
        burst.forEach(key -> STACK.put(key, ("%PDF-1.7 " + key).getBytes(StandardCharsets.UTF_8)));
        Await.until(() -> STACK.api().requestCount() >= requestsBefore + 3, Duration.ofSeconds(10),
                "three uploads held by the API");
        ContextCloser.closeApplication();
        assertThat(context.isActive()).isFalse();

        var queue = STACK.queues().queue(STACK.queueId());
        Set<String> stored = STACK.api().uniqueFiles().stream().map(ReceivedFile::key).collect(Collectors.toSet());
        Set<String> acked = queue.acked().stream().map(PdfAnchoringLoopbackTest::key).collect(Collectors.toSet());
        Set<String> waiting = queue.backlog().stream().map(PdfAnchoringLoopbackTest::key).collect(Collectors.toSet());
        assertThat(queue.inFlight()).as("nothing left leased").isEmpty();
        assertThat(queue.deadLettered()).isEmpty();
        Set<String> storedFromBurst = burst.stream().filter(stored::contains).collect(Collectors.toSet());
        assertThat(storedFromBurst).as("the uploads in flight at shutdown finished").hasSizeGreaterThanOrEqualTo(3);
        assertThat(acked).as("and were acknowledged").containsAll(storedFromBurst);
        for (String key : burst) {
            assertThat(stored.contains(key) || waiting.contains(key)).as(key + " anchored or back in the queue")
                    .isTrue();
        }
        assertThat(stored).contains("invoices/2026/0001.pdf", "invoices/2026/0002.pdf");
    }

    private void assertSecretsMasked() throws IOException, InterruptedException {
        var env = STACK.environment();
        List<String> secrets = List.of(env.get("ROOTKEY_API_KEY"), env.get("CLOUDFLARE_API_TOKEN"),
                env.get("R2_SECRET_ACCESS_KEY"));
        for (String path : List.of("/actuator/env", "/actuator/configprops")) {
            Response response = get(path);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).as(path + " shows other values").contains(STACK.bucket());
            for (String secret : secrets) {
                assertThat(response.body()).as(path).doesNotContain(secret);
            }
        }
    }

    private static JsonNode connectorHealth(Response health) throws IOException {
        return JSON.readTree(health.body()).path("components").path("rootkeyConnector");
    }

    private Response awaitHealth(int status) {
        return Await.until(() -> {
            try {
                return get("/actuator/health");
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, r -> r.status() == status, Duration.ofSeconds(30));
    }

    private Response get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return new Response(response.statusCode(), response.body());
    }

    private record Response(int status, String body) {
    }

    /**
     * Lets the test shut the application down mid-test as {@code @DirtiesContext} does: the context leaves Spring's
     * test context cache, then closes (graceful shutdown, connector drained). Closing it directly would leave a
     * closed context in the cache for Spring's listeners to restart.
     */
    static final class ContextCloser implements TestExecutionListener {
        private static final ThreadLocal<TestContext> CURRENT = new ThreadLocal<>();

        @Override
        public void beforeTestMethod(TestContext testContext) {
            CURRENT.set(testContext);
        }

        @Override
        public void afterTestMethod(TestContext testContext) {
            CURRENT.remove();
        }

        static void closeApplication() {
            CURRENT.get().markApplicationContextDirty(DirtiesContext.HierarchyMode.EXHAUSTIVE);
        }
    }

    private static String key(QueueMessage message) {
        String body = message.body();
        int at = body.indexOf("\"key\":\"") + 7;
        return body.substring(at, body.indexOf('"', at));
    }
}
