package ai.rootkey.connector.cli;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorStats;
import ai.rootkey.connector.Health;
import ai.rootkey.connector.micrometer.ConnectorMetrics;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The service endpoints in-process, over a real connector (the test kit's engine) and a real HTTP client. */
class HttpEndpointsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ConnectorTestKit kit = ConnectorTestKit.create();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        kit.close();
    }

    private HttpEndpoints serve(Connector connector, String connectorName, ConnectorMetrics metrics)
            throws IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics.bindTo(registry);
        HttpEndpoints endpoints = HttpEndpoints.bind(new InetSocketAddress("127.0.0.1", 0),
                new ServiceHealth(connector, connectorName), registry).start();
        toClose.add(endpoints);
        return endpoints;
    }

    private HttpResponse<String> send(HttpEndpoints endpoints, String method, String path, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoints.baseUri().resolve(path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> get(HttpEndpoints endpoints, String path) {
        try {
            return send(endpoints, "GET", path);
        } catch (IOException e) {
            throw new AssertionError("GET " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        return JSON.readTree(response.body());
    }

    @Test
    void ready_is200_thenDown503WithTheReason_whileCredentialsAreRefused_then200AfterResume() throws Exception {
        ConnectorMetrics metrics = ConnectorMetrics.forBucket(kit.bucket().name());
        Connector connector = kit.start(b -> b.listener(metrics));
        HttpEndpoints endpoints = serve(connector, "testkit-connector", metrics);

        kit.bucket().put("docs/a.pdf", "first");
        Await.until(() -> connector.stats().anchored() == 1, WAIT, "first file anchored");
        HttpResponse<String> ready = get(endpoints, HttpEndpoints.READY);
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(json(ready).get("ready").asBoolean()).isTrue();
        assertThat(json(ready).get("status").asText()).isEqualTo("UP");
        assertThat(json(ready).get("lastSuccess").asText()).isNotEmpty();

        kit.anchorer().refuseCredentials();
        kit.bucket().put("docs/b.pdf", "second");
        HttpResponse<String> down = Await.until(() -> get(endpoints, HttpEndpoints.READY),
                r -> r.statusCode() == 503, WAIT);
        assertThat(json(down).get("ready").asBoolean()).isFalse();
        assertThat(json(down).get("status").asText()).isEqualTo("DOWN");
        assertThat(json(down).get("reason").asText()).contains("rejects the API key (401)", "ROOTKEY_API_KEY");
        assertThat(get(endpoints, HttpEndpoints.LIVE).statusCode()).as("a paused connector is alive").isEqualTo(200);
        assertThat(scrape(endpoints).value("rootkey_connector_health", Map.of("status", "down"))).contains(1.0);

        kit.anchorer().acceptCredentials();
        Await.until(() -> get(endpoints, HttpEndpoints.READY), r -> r.statusCode() == 200, WAIT);
        Await.until(() -> connector.stats().anchored() == 2, WAIT, "second file anchored after the resume");
        assertThat(scrape(endpoints).value("rootkey_connector_health", Map.of("status", "up"))).contains(1.0);
    }

    @Test
    void metrics_isPrometheusText_withTheConnectorMeters() throws Exception {
        ConnectorMetrics metrics = ConnectorMetrics.forBucket(kit.bucket().name());
        Connector connector = kit.start(b -> b.listener(metrics));
        HttpEndpoints endpoints = serve(connector, "testkit-connector", metrics);
        for (int i = 0; i < 5; i++) {
            kit.bucket().put("docs/" + i + ".pdf", "content " + i);
        }
        kit.runUntilIdle(connector);
        kit.bucket().delete("docs/0.pdf");
        kit.runUntilIdle(connector);

        HttpResponse<String> response = get(endpoints, HttpEndpoints.METRICS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains(HttpEndpoints.PROMETHEUS_TEXT);
        PrometheusText text = PrometheusText.parse(response.body());
        Map<String, String> bucket = Map.of("bucket", kit.bucket().name());
        assertThat(text.type("rootkey_connector_deliveries_total")).contains("counter");
        assertThat(text.value("rootkey_connector_deliveries_total",
                Map.of("bucket", kit.bucket().name(), "outcome", "anchored"))).contains(5.0);
        assertThat(text.value("rootkey_connector_deliveries_total",
                Map.of("bucket", kit.bucket().name(), "outcome", "skipped"))).contains(1.0);
        assertThat(text.value("rootkey_connector_received_total", bucket)).contains(6.0);
        assertThat(text.value("rootkey_connector_anchored_bytes_total", bucket)).contains(
                (double) connector.stats().bytesAnchored());
        assertThat(text.value("rootkey_connector_in_flight", bucket)).contains(0.0);
        assertThat(text.type("rootkey_connector_upload_duration_seconds")).isPresent();
    }

    @Test
    void metrics_servesOpenMetrics_whenTheScraperAsksForIt() throws Exception {
        ConnectorMetrics metrics = ConnectorMetrics.forBucket(kit.bucket().name());
        HttpEndpoints endpoints = serve(kit.start(b -> b.listener(metrics)), "testkit-connector", metrics);
        HttpResponse<String> response = send(endpoints, "GET", HttpEndpoints.METRICS, "Accept",
                "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains(HttpEndpoints.OPENMETRICS_TEXT);
        assertThat(response.body()).contains("rootkey_connector_deliveries_total{").endsWith("# EOF\n");
    }

    @Test
    void ready_is200WhenDegraded_503WhenDown_andTheJsonCarriesQuotesSafely() throws Exception {
        StubConnector stub = new StubConnector();
        HttpEndpoints endpoints = serve(stub, "stub", ConnectorMetrics.forBucket("b"));

        stub.health = health(Health.Status.DEGRADED, "queue pull failing: 503 for 2 min (14 consecutive failures)");
        HttpResponse<String> degraded = get(endpoints, HttpEndpoints.READY);
        assertThat(degraded.statusCode()).isEqualTo(200);
        assertThat(json(degraded).get("status").asText()).isEqualTo("DEGRADED");

        String reason = "R2 AccessDenied on bucket \"acme\" (HTTP 403): check \\ the token\n";
        stub.health = health(Health.Status.DOWN, reason);
        HttpResponse<String> down = get(endpoints, HttpEndpoints.READY);
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(json(down).get("reason").asText()).isEqualTo(reason);
        assertThat(json(down).get("since").asText()).isEqualTo("2025-01-02T03:04:05Z");
    }

    @Test
    void live_is503NamingTheThreads_whenTheConnectorThreadsDoNotRun() throws Exception {
        StubConnector stub = new StubConnector();
        HttpEndpoints endpoints = serve(stub, "no-such-connector", ConnectorMetrics.forBucket("b"));
        HttpResponse<String> live = get(endpoints, HttpEndpoints.LIVE);
        assertThat(live.statusCode()).isEqualTo(503);
        assertThat(json(live).get("live").asBoolean()).isFalse();
        assertThat(json(live).get("reason").asText())
                .contains("no-such-connector-poller", "no-such-connector-settler", "restart");
    }

    @Test
    void live_is200_whileTheConnectorRuns_and503_afterItsThreadsEnded() throws Exception {
        ConnectorMetrics metrics = ConnectorMetrics.forBucket(kit.bucket().name());
        Connector connector = kit.start(b -> b.listener(metrics));
        HttpEndpoints endpoints = serve(connector, "testkit-connector", metrics);
        HttpResponse<String> live = get(endpoints, HttpEndpoints.LIVE);
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(json(live).get("live").asBoolean()).isTrue();

        connector.close(); // not through draining(): as if the threads had died
        Await.until(() -> get(endpoints, HttpEndpoints.LIVE).statusCode() == 503, WAIT, "liveness fails");
    }

    @Test
    void whileDraining_readyIs503_andLiveStays200() throws Exception {
        ConnectorMetrics metrics = ConnectorMetrics.forBucket(kit.bucket().name());
        Connector connector = kit.start(b -> b.listener(metrics));
        ServiceHealth health = new ServiceHealth(connector, "testkit-connector");
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        HttpEndpoints endpoints = HttpEndpoints.bind(new InetSocketAddress("127.0.0.1", 0), health, registry).start();
        toClose.add(endpoints);
        assertThat(get(endpoints, HttpEndpoints.READY).statusCode()).isEqualTo(200);

        health.draining();
        connector.close();
        HttpResponse<String> ready = get(endpoints, HttpEndpoints.READY);
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(json(ready).get("reason").asText()).startsWith("draining");
        assertThat(get(endpoints, HttpEndpoints.LIVE).statusCode()).isEqualTo(200);
    }

    @Test
    void otherMethods_get405WithAllow_otherPaths404_andHeadHasNoBody() throws Exception {
        HttpEndpoints endpoints = serve(new StubConnector(), "stub", ConnectorMetrics.forBucket("b"));
        for (String method : List.of("POST", "PUT", "DELETE", "OPTIONS", "PATCH")) {
            HttpResponse<String> response = send(endpoints, method, HttpEndpoints.READY);
            assertThat(response.statusCode()).as(method).isEqualTo(405);
            assertThat(response.headers().firstValue("Allow")).as(method).contains("GET, HEAD");
        }
        for (String path : List.of("/", "/health", "/health/ready/x", "/metrics/", "/Metrics", "/health/live%20")) {
            assertThat(get(endpoints, path).statusCode()).as(path).isEqualTo(404);
        }
        assertThat(get(endpoints, "/metrics?name[]=x").statusCode()).as("query ignored").isEqualTo(200);

        HttpResponse<String> head = send(endpoints, "HEAD", HttpEndpoints.METRICS);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValueAsLong("Content-Length").orElse(0)).isPositive();
    }

    @Test
    void aClientThatNeverFinishesItsRequest_holdsOneThread_andOthersAreStillAnswered() throws Exception {
        HttpEndpoints endpoints = serve(new StubConnector(), "stub", ConnectorMetrics.forBucket("b"));
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < HttpEndpoints.THREADS - 1; i++) {
                Socket socket = new Socket("127.0.0.1", endpoints.address().getPort());
                slow.add(socket);
                OutputStream out = socket.getOutputStream();
                out.write("GET /health/ready HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            for (int i = 0; i < 20; i++) {
                assertThat(get(endpoints, HttpEndpoints.READY).statusCode()).isEqualTo(503);
            }
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    /**
     * A kept-alive connection with a request half sent is closed by {@code close()}. The first request is answered
     * before the close, so the server has accepted the connection: the JDK server closes the connections it knows of
     * when it stops, but one still in the accept queue at that moment can be accepted after that sweep and left open
     * (seen once in a CI run: the read timed out).
     */
    @Test
    void close_closesOpenConnections() throws Exception {
        HttpEndpoints endpoints = serve(new StubConnector(), "stub", ConnectorMetrics.forBucket("b"));
        try (Socket socket = new Socket("127.0.0.1", endpoints.address().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /health/ready HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 503")
                    .doesNotContainIgnoringCase("connection: close"); // kept alive: only close() may end it
            out.write("GET /health/ready HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            endpoints.close();
            InputStream in = socket.getInputStream();
            int read;
            try {
                read = in.read();
            } catch (SocketException reset) {
                read = -1; // closed with a reset: closed all the same
            }
            assertThat(read).as("the connection is closed").isEqualTo(-1);
        }
    }

    /** Reads one response with a Content-Length body; returns its status line and headers. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed inside the response head: " + head);
            }
            head.append((char) b);
        }
        Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        long remaining = length.find() ? Long.parseLong(length.group(1)) : 0;
        while (remaining > 0) {
            if (in.read() < 0) {
                throw new IOException("connection closed inside the response body");
            }
            remaining--;
        }
        return head.toString();
    }

    private PrometheusText scrape(HttpEndpoints endpoints) {
        return PrometheusText.parse(get(endpoints, HttpEndpoints.METRICS).body());
    }

    private static Health health(Health.Status status, String reason) {
        return new Health(status, reason, Instant.parse("2025-01-02T03:04:05Z"), Optional.empty(), Optional.empty(),
                Instant.parse("2025-01-02T03:05:00Z"));
    }

    /** A connector that only reports the health it is given (DOWN, not started, at first). */
    private static final class StubConnector implements Connector {
        volatile Health health = HttpEndpointsTest.health(Health.Status.DOWN, "not started");

        @Override
        public Connector start() {
            return this;
        }

        @Override
        public ConnectorStats stats() {
            throw new UnsupportedOperationException("not needed by the endpoints");
        }

        @Override
        public Health health() {
            return health;
        }

        @Override
        public void close() {
        }
    }
}
