package ai.rootkey.connector.it;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.Health;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.RetryPolicy;
import ai.rootkey.connector.r2.R2Connector;
import ai.rootkey.connector.r2.R2ConnectorConfig;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.LogCapture;
import ai.rootkey.connector.testkit.QueueEndpoint;
import ai.rootkey.connector.testkit.ReceivedFile;
import ai.rootkey.connector.local.LoopbackStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real {@link R2Connector} end to end on loopback: objects put through the AWS SDK into S3Proxy, the R2 events
 * published to the fake Cloudflare Queues, files arriving at the fake ROOTKey API.
 */
class R2ConnectorEndToEndIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static LoopbackStack stack;

    private final List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    private final List<Connector> started = new ArrayList<>();

    @BeforeAll
    static void startStack() throws Exception {
        stack = LoopbackStack.start();
    }

    @AfterAll
    static void stopStack() {
        stack.close();
    }

    @AfterEach
    void cleanUp() {
        started.forEach(Connector::close);
        stack.api().clear();
        stack.api().clearFaults();
        stack.api().acceptCredentials();
        stack.queues().clearFaults();
        assertThat(stack.queues().queue(stack.queueId()).backlog()).as("queue drained by the test").isEmpty();
    }

    private Connector start(Consumer<R2Connector.Builder> customizer) {
        R2Connector.Builder builder = R2Connector.builder()
                .config(stack.config())
                .listener(new ConnectorListener() {
                    @Override
                    public void onOutcome(Outcome outcome) {
                        outcomes.add(outcome);
                    }
                })
                .engine(b -> b.retryPolicy(RetryPolicy.defaults().withDelays(Duration.ofMillis(1), Duration.ofMillis(1)))
                        .idleBackoff(Duration.ofMillis(5), Duration.ofMillis(50))
                        .probeInterval(Duration.ofMillis(100))
                        .settleEvery(25, Duration.ofMillis(20)));
        customizer.accept(builder);
        Connector connector = builder.start();
        started.add(connector);
        return connector;
    }

    private Connector start() {
        return start(b -> { });
    }

    private static String sha256(byte[] content) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }

    private void awaitQueueDrained() {
        Await.until(() -> stack.queues().queue(stack.queueId()).backlog().isEmpty(), WAIT, "event queue drained");
    }

    private List<Outcome> outcomes(Outcome.Kind kind) {
        return outcomes.stream().filter(o -> o.kind() == kind).toList();
    }

    @Test
    void rootkeyApiSettings_reachTheUploadClient_andAGivenHttpClientServesOnlyTheQueue() throws Exception {
        java.net.http.HttpClient queueClient = java.net.http.HttpClient.newBuilder()
                .followRedirects(java.net.http.HttpClient.Redirect.NEVER).build();
        stack.put("e2e/settings/r\u00e9sum\u00e9.pdf", "settings".getBytes());
        start(b -> b.httpClient(queueClient).rootkeyApi(a -> a.userAgent("acme-sync/2.1")
                .idleTimeout(Duration.ofSeconds(30))));
        ReceivedFile file = stack.api().awaitFiles(1, WAIT).get(0);
        awaitQueueDrained();
        assertThat(file.header("User-Agent")).contains("acme-sync/2.1");
        assertThat(file.key()).isEqualTo("e2e/settings/r\u00e9sum\u00e9.pdf");
        assertThat(file.keyWasPercentEncoded()).isFalse();
    }

    @Test
    void anchorsEveryObjectByteExact_unicodeHostileAndEmptyKeysIncluded() throws Exception {
        Map<String, byte[]> objects = new LinkedHashMap<>();
        objects.put("e2e/docs/a.pdf", "a pdf".getBytes());
        objects.put("e2e/relatórios/Q3 résumé + notes%20v2 日本.pdf", "unicode".getBytes());
        objects.put("e2e/emoji/\uD83D\uDCC4 file.txt", "emoji".getBytes());
        objects.put("e2e/line\r\nbreak: x-injected.txt", "crlf".getBytes());
        objects.put("e2e/tab\there \"quoted\" back\\slash.txt", "tab".getBytes());
        objects.put("e2e/rtl/\u202Egnp.exe", "rtl".getBytes());
        objects.put("e2e/empty.bin", new byte[0]);
        objects.put("e2e/" + "k".repeat(1020), "long key".getBytes());
        byte[] mib = new byte[3 * 1024 * 1024 + 7];
        new Random(11).nextBytes(mib);
        objects.put("e2e/three-mib.bin", mib);
        int ackedBefore = stack.queues().queue(stack.queueId()).acked().size();
        Map<String, String> eTags = new LinkedHashMap<>();
        objects.forEach((key, content) -> eTags.put(key, stack.put(key, content)));

        start();
        List<ReceivedFile> files = stack.api().awaitFiles(objects.size(), WAIT);
        awaitQueueDrained();

        assertThat(files).extracting(ReceivedFile::key).containsExactlyInAnyOrderElementsOf(objects.keySet());
        for (ReceivedFile file : files) {
            assertThat(file.bucket()).isEqualTo(LoopbackStack.DEFAULT_BUCKET);
            assertThat(file.sha256()).as(file.key()).isEqualTo(sha256(objects.get(file.key())));
            assertThat(file.size()).isEqualTo(objects.get(file.key()).length);
            assertThat(file.eTag()).hasValue(eTags.get(file.key()));
            assertThat(file.duplicate()).isFalse();
        }
        // DESIGN 6.4: percent form only for keys the Worker cannot send; the rest go as their UTF-8 bytes.
        assertThat(files).filteredOn(f -> f.key().contains("\r\n") || f.key().contains("\t"))
                .isNotEmpty().allSatisfy(f -> assertThat(f.keyWasPercentEncoded()).isTrue());
        assertThat(files).filteredOn(f -> f.key().contains("日本") || f.key().contains("\u202E"))
                .isNotEmpty().allSatisfy(f -> {
                    assertThat(f.keyWasPercentEncoded()).isFalse();
                    assertThat(f.headerBytes("x-rootkey-source-key")).hasValueSatisfying(bytes ->
                            assertThat(bytes).isEqualTo(f.key().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                });
        assertThat(files).filteredOn(f -> f.key().equals("e2e/docs/a.pdf")).singleElement()
                .satisfies(f -> assertThat(f.keyWasPercentEncoded()).isFalse());
        assertThat(stack.queues().queue(stack.queueId()).acked()).hasSize(ackedBefore + objects.size());
    }

    @Test
    void oversizeEvent_isTerminalWithoutRead() throws Exception {
        AtomicInteger gets = new AtomicInteger();
        ExecutionInterceptor countGets = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof GetObjectRequest) {
                    gets.incrementAndGet();
                }
            }
        };
        try (S3Client client = stack.s3().readerClientWith(countGets)) {
            stack.put("oversize/big.bin", new byte[4096]);
            start(b -> b.config(stack.configBuilder().maxFileSizeBytes(1024).build()).s3Client(client));
            awaitQueueDrained();
            Await.until(() -> outcomes.size() == 1, WAIT, "one outcome");
            assertThat(outcomes).singleElement().satisfies(o -> {
                assertThat(o.kind()).isEqualTo(Outcome.Kind.TERMINAL);
                assertThat(o.reason()).isEqualTo("oversize");
            });
            assertThat(gets).hasValue(0);
            assertThat(stack.api().files()).isEmpty();
        }
    }

    @Test
    void objectDeletedBeforeRead_isTerminal() {
        stack.put("deleted/gone.pdf", "soon gone".getBytes());
        stack.deleteSilently("deleted/gone.pdf");
        start();
        awaitQueueDrained();
        Await.until(() -> !outcomes.isEmpty(), WAIT, "an outcome");
        assertThat(outcomes).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Outcome.Kind.TERMINAL);
            assertThat(o.reason()).isEqualTo("object_missing");
        });
    }

    @Test
    void serviceUnavailable_thenSuccess() {
        stack.api().failNext(1, Fault.status(503));
        stack.put("retry/a.pdf", "retried".getBytes());
        start();
        stack.api().awaitFiles(1, WAIT);
        awaitQueueDrained();
        assertThat(outcomes(Outcome.Kind.RETRIED)).singleElement()
                .satisfies(o -> assertThat(o.reason()).isEqualTo("http_503"));
        assertThat(outcomes(Outcome.Kind.ANCHORED)).singleElement()
                .satisfies(o -> assertThat(o.attempt()).isEqualTo(2));
    }

    @Test
    void badRequest_isTerminal_withTheMarker() {
        try (LogCapture logs = LogCapture.connector()) {
            stack.api().failNext(1, Fault.status(400));
            stack.put("terminal/rejected.pdf", "rejected".getBytes());
            start();
            awaitQueueDrained();
            Await.until(() -> !logs.lines("rootkey.event.dlq_terminal_failure").isEmpty(), WAIT, "terminal log line");
            assertThat(logs.lines("rootkey.event.dlq_terminal_failure")).singleElement().satisfies(line -> assertThat(line)
                    .contains("bucket=\"acme-documents\"").contains("key=\"terminal/rejected.pdf\"")
                    .contains("reason=\"http_400\"").contains("attempt=1"));
            assertThat(stack.queues().queue(stack.queueId()).deadLettered()).isEmpty();
        }
    }

    @Test
    void revokedApiKeyMidRun_noAcks_resumesWhenFixed() {
        Connector connector = start();
        stack.put("auth/first.pdf", "first".getBytes());
        stack.api().awaitFiles(1, WAIT);
        awaitQueueDrained();
        int ackedBefore = stack.queues().queue(stack.queueId()).acked().size();

        stack.api().refuseCredentials();
        for (int i = 0; i < 5; i++) {
            stack.put("auth/during-" + i + ".pdf", ("during " + i).getBytes());
        }
        Await.until(() -> connector.health().status() == Health.Status.DOWN, WAIT, "paused on 401");
        assertThat(connector.health().reason()).contains("401").contains("ROOTKEY_API_KEY");
        Await.until(() -> stack.queues().queue(stack.queueId()).inFlight().isEmpty(), WAIT, "held messages released");
        assertThat(stack.queues().queue(stack.queueId()).acked()).hasSize(ackedBefore);
        assertThat(outcomes(Outcome.Kind.TERMINAL)).isEmpty();

        stack.api().acceptCredentials();
        stack.api().awaitFiles(6, WAIT);
        awaitQueueDrained();
        Await.until(() -> connector.health().status() == Health.Status.UP, WAIT, "healthy again");
        assertThat(stack.queues().queue(stack.queueId()).deadLettered()).isEmpty();
    }

    @Test
    void queueFailuresOnPullAndAck_loseNothing() {
        stack.queues().faultRate(QueueEndpoint.PULL, 0.3, Fault.status(503), Fault.dropBeforeApply(),
                Fault.status(429, Duration.ofMillis(200)));
        stack.queues().faultRate(QueueEndpoint.ACK, 0.3, Fault.status(500), Fault.dropAfterApply(),
                Fault.dropBeforeApply());
        int n = 60;
        for (int i = 0; i < n; i++) {
            stack.put("flaky-queue/" + i + ".txt", ("content " + i).getBytes());
        }
        start();
        Await.until(() -> stack.api().uniqueFiles().size() == n, WAIT, n + " unique files");
        awaitQueueDrained();
        stack.queues().clearFaults();
        assertThat(stack.queues().queue(stack.queueId()).deadLettered()).isEmpty();
        assertThat(stack.api().uniqueFiles()).extracting(ReceivedFile::key).doesNotHaveDuplicates().hasSize(n);
        assertThat(stack.queues().injectedFaults()).contains(Fault.status(503));
    }

    @Test
    void duplicateEvents_oneUploadPerETagAtTheApi() {
        String eTag = stack.put("dup/one.pdf", "once".getBytes());
        ObjectEvent again = ObjectEvent.builder().bucket(LoopbackStack.DEFAULT_BUCKET).key("dup/one.pdf")
                .action(EventAction.PUT_OBJECT).size(4).eTag(eTag).eventTime(stack.queues().now()).build();
        stack.publish(again);
        stack.publish(again);
        start();
        awaitQueueDrained();
        Await.until(() -> outcomes.size() == 3, WAIT, "three outcomes");
        assertThat(stack.api().uniqueFiles()).singleElement().satisfies(f -> assertThat(f.eTag()).hasValue(eTag));
        assertThat(stack.api().files()).allSatisfy(f -> assertThat(f.eTag()).hasValue(eTag));
    }

    @Test
    void copyEvents_anchorTheCopy() {
        stack.put("copy/src.pdf", "copied content".getBytes());
        stack.copy("copy/src.pdf", "copy/dst.pdf");
        start();
        stack.api().awaitFiles(2, WAIT);
        awaitQueueDrained();
        assertThat(stack.api().uniqueFiles()).extracting(ReceivedFile::key)
                .containsExactlyInAnyOrder("copy/src.pdf", "copy/dst.pdf");
    }

    @Test
    void foreignBucketEvents_areTerminal_andPrefixFilterSkips() {
        stack.publish(ObjectEvent.builder().bucket("someone-else").key("x.pdf").size(1).eTag("e").build());
        stack.put("outside/skip.pdf", "skip".getBytes());
        stack.put("inside/keep.pdf", "keep".getBytes());
        start(b -> b.config(stack.configBuilder().prefix("inside/").build()));
        stack.api().awaitFiles(1, WAIT);
        awaitQueueDrained();
        Await.until(() -> outcomes.size() == 3, WAIT, "three outcomes");
        assertThat(stack.api().files()).extracting(ReceivedFile::key).containsExactly("inside/keep.pdf");
        assertThat(outcomes(Outcome.Kind.TERMINAL)).singleElement()
                .satisfies(o -> assertThat(o.reason()).isEqualTo("foreign_bucket"));
        assertThat(outcomes(Outcome.Kind.SKIPPED)).singleElement()
                .satisfies(o -> assertThat(o.reason()).isEqualTo("filtered"));
    }

    @Test
    void close_leavesUserSuppliedClientsOpen() {
        try (S3Client client = stack.s3().readerClientWith()) {
            R2ConnectorConfig config = stack.config();
            Connector connector = R2Connector.builder().config(config).s3Client(client).start();
            connector.close();
            stack.s3().client().putObject(b -> b.bucket(LoopbackStack.DEFAULT_BUCKET).key("open/check"),
                    software.amazon.awssdk.core.sync.RequestBody.fromString("x"));
            assertThat(client.headObject(b -> b.bucket(LoopbackStack.DEFAULT_BUCKET).key("open/check")).contentLength())
                    .isEqualTo(1);
        }
    }
}
