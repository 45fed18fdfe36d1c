package ai.rootkey.connector.it;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.Health;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.RetryPolicy;
import ai.rootkey.connector.SourceRef;
import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.local.LoopbackStack;
import ai.rootkey.connector.r2.CloudflareQueueSource;
import ai.rootkey.connector.r2.R2Connector;
import ai.rootkey.connector.r2.R2ConnectorConfig;
import ai.rootkey.connector.r2.R2ObjectReader;
import ai.rootkey.connector.r2.RootkeyAnchorer;
import ai.rootkey.connector.r2.Secret;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.FakeRootkeyApi;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.LogCapture;
import ai.rootkey.connector.testkit.QueueEndpoint;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.bridge.SLF4JBridgeHandler;
import org.slf4j.event.KeyValuePair;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Secrets stay secret. Every secret is a recognisable value; the connector runs with every logger at TRACE
 * (logback, and java.util.logging bridged into it, which is where the JDK's own {@code System.Logger}s such as
 * {@code jdk.httpclient} write), through TCP taps that record every byte sent to each party, with faults and
 * refused credentials along the way. No log line, exception message or {@code toString()} may show a secret; the
 * API key may reach only the ROOTKey API and only in {@code x-api-key}, the token only the Queues API and only in
 * {@code Authorization}, and the R2 secret never leaves the process (SigV4 sends a signature, not the key).
 */
class SecretsIT {
    static final String API_KEY = "SECRET-API-KEY-7f3a";
    static final String TOKEN = "SECRET-CF-TOKEN-91c2";
    static final String R2_SECRET = "SECRET-R2-KEY-5d1e";
    static final List<String> SECRETS = List.of(API_KEY, TOKEN, R2_SECRET);
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aFullRunAtTrace_withFaultsAndRefusedCredentials_showsNoSecret_andSendsEachOnlyToItsParty() throws Exception {
        List<String> texts = new CopyOnWriteArrayList<>();
        List<Outcome> outcomes = new CopyOnWriteArrayList<>();
        java.util.logging.Logger julRoot = java.util.logging.Logger.getLogger("");
        java.util.logging.Level julLevel = julRoot.getLevel();
        try (LoopbackStack stack = LoopbackStack.builder().seed(7).queueToken(TOKEN).rootkeyApiKey(API_KEY)
                .s3Credentials("r2-access-key-id", R2_SECRET).start();
             WireTap toQueues = WireTap.to(stack.queues().baseUrl());
             WireTap toS3 = WireTap.to(stack.s3().endpoint());
             WireTap toApi = WireTap.to(stack.api().baseUrl());
             LogCapture logs = LogCapture.everything(Level.TRACE)) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
            julRoot.setLevel(java.util.logging.Level.ALL);
            // The JDK's System.Logger (jdk.httpclient, jdk.internal.httpclient.debug) writes through JUL by default.
            System.getLogger("jdk.httpclient.bridge-check").log(System.Logger.Level.TRACE, "bridged");
            try {
                R2ConnectorConfig config = stack.configBuilder().apiBaseUrl(toQueues.uri()).r2Endpoint(toS3.uri())
                        .rootkeyApiUrl(toApi.uri()).build();
                texts.add(config.toString());
                texts.addAll(stack.environment().entrySet().stream()
                        .filter(e -> !SECRETS.contains(e.getValue())).map(Map.Entry::toString).toList());
                for (int i = 0; i < 6; i++) {
                    stack.put("secrets/file-" + i + ".pdf", ("content " + i).getBytes());
                }
                stack.api().failNext(1, Fault.status(503));
                stack.api().failNext(1, Fault.resetMidBody());
                stack.api().failNext(1, Fault.status(400));
                stack.queues().failNext(QueueEndpoint.PULL, 1, Fault.status(503));
                stack.queues().failNext(QueueEndpoint.ACK, 1, Fault.dropAfterApply());

                Connector connector = R2Connector.builder().config(config)
                        .listener(new ConnectorListener() {
                            @Override
                            public void onOutcome(Outcome outcome) {
                                outcomes.add(outcome);
                            }

                            @Override
                            public void onHealthChanged(Health health) {
                                texts.add(health.toString());
                            }
                        })
                        .engine(b -> b.retryPolicy(RetryPolicy.defaults().withDelays(Duration.ofMillis(1), Duration.ofMillis(1)))
                                .idleBackoff(Duration.ofMillis(5), Duration.ofMillis(50)).probeInterval(Duration.ofMillis(50))
                                .settleEvery(10, Duration.ofMillis(10)))
                        .start();
                try {
                    texts.add(connector.toString());
                    await(stack, connector, () -> stack.api().uniqueFiles().size() == 5, "five files anchored, one refused");

                    // The API key is revoked, then accepted again: pause, probes, resume.
                    stack.api().refuseCredentials();
                    stack.put("secrets/while-revoked.pdf", "revoked".getBytes());
                    await(stack, connector, () -> connector.health().status() == Health.Status.DOWN, "paused on 401");
                    texts.add(connector.health().toString());
                    stack.api().acceptCredentials();
                    await(stack, connector, () -> stack.api().uniqueFiles().size() == 6, "anchored after the key came back");

                    // The token is revoked, then accepted again.
                    stack.queues().refuseCredentials();
                    await(stack, connector, () -> connector.health().status() == Health.Status.DOWN, "paused on the token");
                    texts.add(connector.health().toString());
                    stack.queues().acceptCredentials();
                    stack.put("secrets/after-token.pdf", "token back".getBytes());
                    await(stack, connector, () -> stack.api().uniqueFiles().size() == 7, "anchored after the token came back");
                    await(stack, connector, () -> stack.queues().queue(stack.queueId()).backlog().isEmpty(), "queue drained");
                    texts.add(connector.stats().toString());
                } finally {
                    connector.close();
                }
            } finally {
                SLF4JBridgeHandler.uninstall();
                julRoot.setLevel(julLevel);
            }
            outcomes.forEach(o -> {
                texts.add(o.toString());
                o.receipt().ifPresent(r -> texts.add(r.serverReply()));
            });

            assertThat(logs.events()).as("events captured at TRACE").hasSizeGreaterThan(100);
            assertThat(logs.events()).extracting(ILoggingEvent::getLoggerName).as("loggers captured at TRACE")
                    .anyMatch(name -> name.startsWith("ai.rootkey.connector"))
                    .anyMatch(name -> name.startsWith("software.amazon.awssdk"))
                    .anyMatch(name -> name.startsWith("org.apache.hc.client5.http.wire"))
                    .anyMatch(name -> name.equals("jdk.httpclient.bridge-check"));
            System.out.println("SecretsIT: " + logs.events().size() + " log events checked at TRACE");
            assertNoSecretInLogs(logs);
            assertNoSecretIn(texts);

            String api = toApi.sentText();
            String queues = toQueues.sentText();
            String s3 = toS3.sentText();
            assertThat(count(api, API_KEY)).as("x-api-key sent to the API").isPositive()
                    .isEqualTo(headerCount(toApi, "x-api-key", API_KEY));
            assertThat(count(queues, TOKEN)).as("the token sent to the Queues API").isPositive()
                    .isEqualTo(headerCount(toQueues, "Authorization", "Bearer " + TOKEN));
            assertThat(api).doesNotContain(TOKEN).doesNotContain(R2_SECRET);
            assertThat(queues).doesNotContain(API_KEY).doesNotContain(R2_SECRET);
            assertThat(s3).as("bytes sent to the object store").doesNotContain(API_KEY).doesNotContain(TOKEN)
                    .doesNotContain(R2_SECRET).contains("AWS4-HMAC-SHA256 Credential=r2-access-key-id/");
        }
    }

    @Test
    void refusedCredentialsAndBadSettings_exceptionsAndToStringsShowNoSecret() throws Exception {
        List<String> texts = new ArrayList<>();
        try (LoopbackStack stack = LoopbackStack.builder().seed(8).queueToken(TOKEN).rootkeyApiKey(API_KEY)
                .s3Credentials("r2-access-key-id", R2_SECRET).start()) {
            String wrongToken = TOKEN + "-WRONG";
            String wrongKey = API_KEY + "-WRONG";
            String wrongSecret = R2_SECRET + "-WRONG";
            try (CloudflareQueueSource source = CloudflareQueueSource.builder().accountId(stack.queues().accountId())
                    .queueId(stack.queueId()).apiToken(Secret.of(wrongToken)).baseUrl(stack.queues().baseUrl())
                    .allowInsecureLoopbackForTesting(true).build()) {
                texts.add(source.toString());
                texts.add(stackTrace(catchAny(() -> source.receive(1))));
                texts.add(stackTrace(catchAny(source::probe)));
            }
            try (RootkeyAnchorer anchorer = RootkeyAnchorer.builder().apiKey(Secret.of(wrongKey))
                    .apiUrl(stack.api().baseUrl()).allowInsecureLoopbackForTesting(true).build()) {
                texts.add(anchorer.toString());
                texts.add(stackTrace(catchAny(anchorer::probe)));
                texts.add(anchorer.anchor(new AnchorRequest(new SourceRef("b", "k", Optional.empty()), 1,
                        Optional.empty(), new ByteArrayInputStream(new byte[1]))).toString());
            }
            try (R2ObjectReader reader = R2ObjectReader.builder().endpoint(stack.s3().endpoint())
                    .allowInsecureLoopbackForTesting(true).accessKeyId("r2-access-key-id")
                    .secretAccessKey(Secret.of(wrongSecret)).build()) {
                texts.add(reader.toString());
                texts.add(stackTrace(catchAny(() -> reader.open(stack.bucket(), "any"))));
                texts.add(stackTrace(catchAny(() -> reader.probe(stack.bucket()))));
            }
            texts.add(RootkeyAnchorer.builder().apiKey(Secret.of(API_KEY)).toString());
            texts.add(Secret.of(API_KEY).toString());
            texts.add(stackTrace(catchAny(() -> Secret.fromSupplier(() -> " ").reveal())));
            texts.add(stackTrace(catchAny(() -> RootkeyAnchorer.builder().apiKey(Secret.of(API_KEY + "\r\n"))
                    .apiUrl(stack.api().baseUrl()).allowInsecureLoopbackForTesting(true).build().probe())));
            Map<String, String> env = new HashMap<>(stack.environment());
            env.put("CLOUDFLARE_API_TOKEN", " " + TOKEN);
            env.put("ROOTKEY_API_KEY", API_KEY + "\u0000");
            env.put("R2_SECRET_ACCESS_KEY", R2_SECRET + "\n");
            env.put("ROOTKEY_API_URL", "http://example.com/?key=" + API_KEY);
            env.put("CLOUDFLARE_API_BASE_URL", "https://" + TOKEN + "@api.example.com/client/v4");
            texts.add(stackTrace(catchAny(() -> R2ConnectorConfig.fromEnvironment(env))));
            texts.add(R2ConnectorConfig.fromEnvironment(stack.environment()).toString());
        }
        assertThat(texts).allSatisfy(text -> assertThat(text).isNotBlank());
        assertNoSecretIn(texts);
        for (String text : texts) {
            assertThat(text).doesNotContain(API_KEY.substring(7)).doesNotContain(TOKEN.substring(7))
                    .doesNotContain(R2_SECRET.substring(7));
        }
    }

    @Test
    void serversThatEchoTheSecret_inTheirErrors_areNotRepeatedInLogsOrMessages() throws Exception {
        WireMockServer echo = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        echo.start();
        try (LogCapture logs = LogCapture.everything(Level.DEBUG);
             ConnectorTestKit kit = ConnectorTestKit.create()) {
            echo.stubFor(post(urlEqualTo(RootkeyAnchorer.UPLOAD_PATH)).willReturn(aResponse().withStatus(400)
                    .withBody("{\"error\":\"invalid request for api key " + API_KEY + "\"}")));
            echo.stubFor(any(urlEqualTo(RootkeyAnchorer.UPLOAD_PATH)).atPriority(10).willReturn(aResponse()
                    .withStatus(401).withBody("{\"error\":\"unknown api key " + API_KEY + "\"}")));
            echo.stubFor(post(urlPathMatching("/client/v4/.*")).willReturn(aResponse().withStatus(400)
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"success\":false,\"errors\":[{\"code\":10400,\"message\":\"bad header Authorization: "
                            + "Bearer " + TOKEN + "\"}],\"messages\":[],\"result\":null}")));
            List<String> texts = new ArrayList<>();
            try (RootkeyAnchorer anchorer = RootkeyAnchorer.builder().apiKey(Secret.of(API_KEY))
                    .apiUrl(echo.baseUrl()).allowInsecureLoopbackForTesting(true).build();
                 CloudflareQueueSource source = CloudflareQueueSource.builder()
                         .accountId(FakeQueuesIds.ACCOUNT).queueId(FakeQueuesIds.QUEUE).apiToken(Secret.of(TOKEN))
                         .baseUrl(echo.baseUrl() + "/client/v4").allowInsecureLoopbackForTesting(true).build()) {
                kit.bucket().put("echo/a.pdf", "a".getBytes());
                List<Outcome> outcomes = new CopyOnWriteArrayList<>();
                Connector connector = kit.start(b -> b.anchorer(anchorer).listener(new ConnectorListener() {
                    @Override
                    public void onOutcome(Outcome outcome) {
                        outcomes.add(outcome);
                    }
                }));
                Await.until(() -> !outcomes.isEmpty(), WAIT, "the upload was refused");
                connector.close();
                outcomes.forEach(o -> texts.add(o.toString() + o.receipt().map(r -> r.serverReply()).orElse("")));
                texts.add(stackTrace(catchAny(() -> source.receive(1))));
                Connector pulling = Connector.builder().source(source).reader(kit.bucket()).anchorer(anchorer)
                        .idleBackoff(Duration.ofMillis(5), Duration.ofMillis(20)).build().start();
                Await.until(() -> logs.all().stream().anyMatch(l -> l.startsWith("rootkey.source.receive_failed")), WAIT,
                        "a failed pull logged");
                pulling.close();
            }
            assertNoSecretIn(texts);
            assertNoSecretInLogs(logs);
        } finally {
            echo.stop();
        }
    }

    @Test
    void theApiKeyNeverGoesOverPlainHttp_exceptThroughTheLoopbackSwitch() {
        try (FakeRootkeyApi api = FakeRootkeyApi.builder().apiKey(API_KEY).seed(9).build().start();
             WireTap tap = WireTap.to(api.baseUrl())) {
            // Plain http to loopback, but the switch is off: refused before anything is sent.
            assertThatThrownBy(() -> RootkeyAnchorer.builder().apiKey(Secret.of(API_KEY)).apiUrl(tap.uri()).build())
                    .isInstanceOf(ConfigurationException.class).hasMessageContaining("must be https");
            // Plain http to anything that is not loopback: refused, switch or not.
            for (String url : List.of("http://api.rootkey.ai", "http://10.0.0.1:" + tap.uri().getPort(),
                    "http://localhost.example.com", "http://127.0.0.1.nip.io")) {
                assertThatThrownBy(() -> RootkeyAnchorer.builder().apiKey(Secret.of(API_KEY)).apiUrl(url)
                        .allowInsecureLoopbackForTesting(true).build()).as(url)
                        .isInstanceOf(ConfigurationException.class).hasMessageNotContaining(API_KEY);
            }
            Map<String, String> env = new HashMap<>(Map.of("CLOUDFLARE_ACCOUNT_ID", FakeQueuesIds.ACCOUNT,
                    "CLOUDFLARE_API_TOKEN", TOKEN, "R2_QUEUE_ID", FakeQueuesIds.QUEUE, "R2_BUCKET", "acme-docs",
                    "R2_ACCESS_KEY_ID", "id", "R2_SECRET_ACCESS_KEY", R2_SECRET, "ROOTKEY_API_KEY", API_KEY,
                    "ROOTKEY_API_URL", tap.uri().toString()));
            assertThatThrownBy(() -> R2ConnectorConfig.fromEnvironment(env))
                    .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOTKEY_ALLOW_INSECURE_LOOPBACK");
            env.put("ROOTKEY_ALLOW_INSECURE_LOOPBACK", "true");
            env.put("ROOTKEY_API_URL", "http://api.rootkey.ai");
            assertThatThrownBy(() -> R2ConnectorConfig.fromEnvironment(env))
                    .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOTKEY_API_URL");
            assertThat(tap.sent()).as("bytes sent while refusing").isEmpty();
        }
    }

    /**
     * No main source disables TLS verification: no trust-all trust manager, no hostname verifier that accepts
     * everything, no JDK switch that turns verification off, no insecure SSL context or SDK option.
     */
    @Test
    void mainSources_neverDisableTlsVerification() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Pattern trustAll = Pattern.compile("X509TrustManager|TrustManager\\b|checkServerTrusted|HostnameVerifier"
                + "|disableHostnameVerification|trustAll|TrustAll|InsecureTrustManagerFactory|TrustSelfSigned"
                + "|NoopHostnameVerifier|ALLOW_ALL_HOSTNAME|SSLContext\\.getInstance|tlsTrustManagersProvider"
                + "|trustAllCertificates|setDefaultSSLSocketFactory|SSLSocketFactory");
        List<String> hits = new ArrayList<>();
        List<Path> sources;
        try (Stream<Path> files = Files.walk(root)) {
            sources = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> p.toString().contains("/src/main/")).toList();
        }
        for (Path file : sources) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = trustAll.matcher(lines.get(i));
                if (m.find()) {
                    hits.add(root.relativize(file) + ":" + (i + 1) + ": " + lines.get(i).trim());
                }
            }
        }
        assertThat(sources).as("main sources scanned").hasSizeGreaterThan(50);
        assertThat(hits).as("TLS verification must never be turned off").isEmpty();
    }

    // ------------------------------------------------------------------ helpers

    /** Waits for {@code done}; while the connector holds nothing, retry delays pass on the fake queue's clock. */
    private static void await(LoopbackStack stack, Connector connector, java.util.function.BooleanSupplier done,
                              String what) {
        Await.until(() -> {
            if (done.getAsBoolean()) {
                return true;
            }
            if (connector.stats().inFlight() == 0) {
                stack.queues().advanceTime(Duration.ofSeconds(1));
            }
            return false;
        }, WAIT, what);
    }

    /** Ids in the formats the builders accept, for sources that never reach a real queue. */
    private static final class FakeQueuesIds {
        static final String ACCOUNT = "0123456789abcdef0123456789abcdef";
        static final String QUEUE = "fedcba9876543210fedcba9876543210";
    }

    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }

    private static Throwable catchAny(Call call) {
        try {
            call.run();
        } catch (Throwable t) {
            return t;
        }
        throw new AssertionError("expected the call to fail");
    }

    private static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return t + "\n" + out;
    }

    private static void assertNoSecretIn(List<String> texts) {
        for (String text : texts) {
            for (String secret : SECRETS) {
                assertThat(text).as("a message or toString()").doesNotContain(secret);
            }
        }
    }

    private static void assertNoSecretInLogs(LogCapture logs) {
        for (ILoggingEvent event : logs.events()) {
            List<String> parts = new ArrayList<>();
            parts.add(event.getFormattedMessage());
            parts.add(String.valueOf(event.getMessage()));
            if (event.getArgumentArray() != null) {
                for (Object argument : event.getArgumentArray()) {
                    parts.add(String.valueOf(argument));
                }
            }
            if (event.getKeyValuePairs() != null) {
                for (KeyValuePair kv : event.getKeyValuePairs()) {
                    parts.add(kv.key + "=" + kv.value);
                }
            }
            if (event.getMarkerList() != null) {
                event.getMarkerList().stream().map(Marker::getName).forEach(parts::add);
            }
            parts.add(String.valueOf(event.getMDCPropertyMap()));
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                parts.add(t.getClassName() + ": " + t.getMessage());
                for (IThrowableProxy suppressed : t.getSuppressed()) {
                    parts.add(suppressed.getClassName() + ": " + suppressed.getMessage());
                }
                for (StackTraceElementProxy frame : t.getStackTraceElementProxyArray()) {
                    parts.add(frame.getSTEAsString());
                }
            }
            for (String part : parts) {
                for (String secret : SECRETS) {
                    assertThat(part).as("a log event of %s at %s", event.getLoggerName(), event.getLevel())
                            .doesNotContain(secret);
                }
            }
        }
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
            n++;
        }
        return n;
    }

    private static int headerCount(WireTap tap, String name, String value) {
        int n = 0;
        for (WireTap.Request request : tap.requests()) {
            for (String line : request.headerLines()) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)
                        && line.substring(colon + 1).trim().equals(value)) {
                    n++;
                }
            }
        }
        return n;
    }
}
