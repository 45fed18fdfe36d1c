package ai.rootkey.connector.cli;

import ai.rootkey.connector.local.LoopbackStack;
import ai.rootkey.connector.r2.CloudflareQueueSource;
import ai.rootkey.connector.r2.Secret;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.Fault;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runnable jar as a service: {@code run --http-port} in its own process against the loopback stand-ins (in this
 * JVM, so faults can be scripted), probed with a real HTTP client and stopped with a real SIGTERM.
 */
class RunAsServiceProcessesIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern LISTENING = Pattern.compile("rootkey\\.cli\\.http_listening url=(http://\\S+)");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Real responses, kept for docs/DEPLOYING.md. */
    private static final Path SAMPLES = Path.of("target", "command-output");

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<ChildProcess> processes = new ArrayList<>();
    private LoopbackStack stack;

    @BeforeEach
    void startStack() throws Exception {
        stack = LoopbackStack.start();
    }

    @AfterEach
    void stopAll() {
        for (ChildProcess p : processes) {
            p.kill();
        }
        stack.close();
    }

    private ChildProcess runJar(String... args) throws IOException {
        Path jar = Path.of(System.getProperty("cli.jar", "target/rootkey-connector.jar"));
        assertThat(jar).exists();
        List<String> command = new ArrayList<>(List.of(ChildProcess.java(), "-Xmx128m", "-jar", jar.toString(), "run",
                "--status-interval", "1"));
        command.addAll(List.of(args));
        ChildProcess connector = ChildProcess.start(stack.environment(), command);
        processes.add(connector);
        return connector;
    }

    private static URI endpoints(ChildProcess connector) {
        Await.until(() -> LISTENING.matcher(connector.output()).find(), WAIT,
                () -> "the endpoints are up; connector said:\n" + connector.output());
        Matcher m = LISTENING.matcher(connector.output());
        assertThat(m.find()).isTrue();
        return URI.create(m.group(1));
    }

    private HttpResponse<String> get(URI base, String path) {
        try {
            return client.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("GET " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    private PrometheusText scrape(URI base) {
        HttpResponse<String> response = get(base, HttpEndpoints.METRICS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains(HttpEndpoints.PROMETHEUS_TEXT);
        return PrometheusText.parse(response.body());
    }

    private Map<String, String> anchored() {
        return Map.of("bucket", stack.bucket(), "outcome", "anchored");
    }

    @Test
    void readyGoes200_503_200_throughPauseAndResume_liveStays200_metricsCountAnchoredFiles_sigtermExits0()
            throws Exception {
        ChildProcess connector = runJar("--http-port", "0", "--probe-interval", "1");
        URI base = endpoints(connector);
        assertThat(base.getHost()).as("loopback by default").isEqualTo("127.0.0.1");

        for (int i = 0; i < 3; i++) {
            stack.put("service/doc-" + i + ".pdf", ("document " + i).getBytes(StandardCharsets.UTF_8));
        }
        stack.api().awaitFiles(3, WAIT);
        Await.until(() -> scrape(base).value("rootkey_connector_deliveries_total", anchored()).orElse(0.0) == 3.0,
                WAIT, "3 anchored deliveries in /metrics");
        HttpResponse<String> ready = get(base, HttpEndpoints.READY);
        sample("service-ready-up.json", ready.body());
        sample("service-live.json", get(base, HttpEndpoints.LIVE).body());
        sample("service-metrics.txt", get(base, HttpEndpoints.METRICS).body());
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(json(ready).get("status").asText()).isEqualTo("UP");
        PrometheusText up = scrape(base);
        assertThat(up.value("rootkey_connector_health", Map.of("status", "up"))).contains(1.0);
        assertThat(up.value("rootkey_connector_anchored_bytes_total", Map.of("bucket", stack.bucket())))
                .contains((double) "document 0".length() * 3);
        assertThat(up.value("jvm_threads_live_threads", Map.of())).hasValueSatisfying(n -> assertThat(n).isPositive());

        // The API key is revoked: the next upload is refused, the connector pauses and reports DOWN.
        stack.api().refuseCredentials();
        stack.put("service/during-pause.pdf", "paused".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> down = Await.until(() -> get(base, HttpEndpoints.READY), r -> r.statusCode() == 503,
                WAIT);
        sample("service-ready-down.json", down.body());
        assertThat(json(down).get("ready").asBoolean()).isFalse();
        assertThat(json(down).get("status").asText()).isEqualTo("DOWN");
        assertThat(json(down).get("reason").asText()).contains("rejects the API key (401)", "ROOTKEY_API_KEY");
        assertThat(get(base, HttpEndpoints.LIVE).statusCode()).as("paused, yet alive: no restart").isEqualTo(200);
        assertThat(scrape(base).value("rootkey_connector_health", Map.of("status", "down"))).contains(1.0);

        // The key works again: the next probe passes, the connector resumes and anchors the file it held back.
        stack.api().acceptCredentials();
        Await.until(() -> get(base, HttpEndpoints.READY), r -> r.statusCode() == 200, WAIT);
        stack.api().awaitFiles(4, WAIT);
        Await.until(() -> scrape(base).value("rootkey_connector_deliveries_total", anchored()).orElse(0.0) == 4.0,
                WAIT, "4 anchored deliveries in /metrics");

        assertThat(connector.sigterm()).isTrue();
        assertThat(connector.awaitExit(WAIT)).isTrue();
        assertThat(connector.process.exitValue()).as(connector.output()).isEqualTo(RunCommand.EXIT_OK);
        assertThat(connector.output()).contains("rootkey.cli.stopping", "rootkey.cli.stopped exit_code=0",
                "rootkey.connector.closed");
        assertThat(connector.output()).doesNotContain(stack.api().apiKey());
    }

    @Test
    void sigterm_whileAnUploadOutlivesTheDrainTimeout_handsItBack_andExits75() throws Exception {
        stack.api().failNext(1, Fault.latency(Duration.ofSeconds(30)));
        ChildProcess connector = runJar("--drain-timeout", "1");
        stack.put("service/slow.pdf", "slow".getBytes(StandardCharsets.UTF_8));
        // The API has the file and holds its answer back: the upload is in flight.
        Await.until(() -> stack.api().files().size() == 1, WAIT, () -> "the upload reached the API; connector said:\n"
                + connector.output());

        assertThat(connector.sigterm()).isTrue();
        assertThat(connector.awaitExit(WAIT)).isTrue();
        assertThat(connector.process.exitValue()).as(connector.output()).isEqualTo(RunCommand.EXIT_DRAIN_TIMED_OUT);
        assertThat(connector.output()).contains("rootkey.cli.drain_timed_out exit_code=75 cut_off=1")
                .contains("drain_timeout");
        try (CloudflareQueueSource queue = queueClient()) {
            assertThat(queue.receive(10).deliveries()).as("handed back, not acked: redelivered at once").hasSize(1);
        }
    }

    @Test
    void clientsThatNeverFinishTheirRequest_areCutOffByTheRequestTimeout_whileTheConnectorKeepsAnchoring()
            throws Exception {
        ChildProcess connector = runJar("--http-port", "0");
        URI base = endpoints(connector);
        List<Socket> slow = new ArrayList<>();
        try {
            // More half-sent requests than the server has threads: they hold every thread until the request timeout.
            for (int i = 0; i < HttpEndpoints.THREADS + 2; i++) {
                Socket socket = new Socket(base.getHost(), base.getPort());
                socket.setSoTimeout((int) WAIT.toMillis());
                OutputStream out = socket.getOutputStream();
                out.write("GET /health/live HTTP/1.1\r\nHost: x\r\nX-Never-Ends: ".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                slow.add(socket);
            }
            for (int i = 0; i < 5; i++) {
                stack.put("service/under-attack-" + i + ".pdf", ("doc " + i).getBytes(StandardCharsets.UTF_8));
            }
            stack.api().awaitFiles(5, WAIT);

            long started = System.nanoTime();
            HttpResponse<String> live = get(base, HttpEndpoints.LIVE);
            Duration waited = Duration.ofNanos(System.nanoTime() - started);
            assertThat(live.statusCode()).isEqualTo(200);
            assertThat(waited).as("answered once the request timeout freed a thread").isLessThan(Duration.ofSeconds(25));
            for (Socket socket : slow) {
                assertThat(readUntilClosed(socket.getInputStream())).as("the server closed the slow connection")
                        .isTrue();
            }
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
        assertThat(connector.sigterm()).isTrue();
        assertThat(connector.awaitExit(WAIT)).isTrue();
        assertThat(connector.process.exitValue()).isZero();
    }

    @Test
    void visibilityTimeout_isTheLeaseOfEachPull_aMessageHeldLongerIsRedelivered() throws Exception {
        stack.api().failNext(1, Fault.latency(Duration.ofSeconds(60)));
        ChildProcess connector = runJar("--visibility-timeout", "120", "--drain-timeout", "1");
        stack.put("service/longer-than-the-lease.pdf", "slow".getBytes(StandardCharsets.UTF_8));
        Await.until(() -> stack.api().files().size() == 1, WAIT, () -> "the upload reached the API; connector said:\n"
                + connector.output());
        var queue = stack.queues().queue(stack.queueId());

        stack.queues().advanceTime(Duration.ofSeconds(100)); // the queue's clock: 100 s of the 120 s lease
        assertThat(queue.inFlight()).as("still leased").hasSize(1);
        assertThat(queue.deliveredCount()).isEqualTo(1);

        stack.queues().advanceTime(Duration.ofSeconds(21)); // past the lease: the next pull gets it again
        Await.until(() -> queue.deliveredCount() == 2, WAIT, () -> "redelivered to the connector; connector said:\n"
                + connector.output());
    }

    @Test
    void anHttpPortInUse_exits2_sayingWhatToChange() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ChildProcess connector = runJar("--http-port", Integer.toString(taken.getLocalPort()));
            assertThat(connector.awaitExit(WAIT)).isTrue();
            assertThat(connector.process.exitValue()).isEqualTo(RunCommand.EXIT_USAGE);
            assertThat(connector.output()).contains("Cannot serve HTTP on 127.0.0.1:" + taken.getLocalPort())
                    .contains("choose another --http-port");
        }
    }

    /** Keeps real output for docs/DEPLOYING.md. */
    private static void sample(String name, String content) throws IOException {
        Files.createDirectories(SAMPLES);
        Files.writeString(SAMPLES.resolve(name), content, StandardCharsets.UTF_8);
    }

    /** True when the peer closes the connection (end of stream or reset) before the socket's read timeout. */
    private static boolean readUntilClosed(InputStream in) throws IOException {
        byte[] buffer = new byte[1024];
        try {
            while (in.read(buffer) >= 0) {
                // a 408 or anything else the server sends before closing
            }
            return true;
        } catch (SocketException reset) {
            return true;
        }
    }

    private CloudflareQueueSource queueClient() {
        Map<String, String> env = stack.environment();
        return CloudflareQueueSource.builder()
                .accountId(env.get("CLOUDFLARE_ACCOUNT_ID"))
                .queueId(env.get("R2_QUEUE_ID"))
                .apiToken(Secret.of(env.get("CLOUDFLARE_API_TOKEN")))
                .baseUrl(env.get("CLOUDFLARE_API_BASE_URL"))
                .allowInsecureLoopbackForTesting(true)
                .build();
    }
}
