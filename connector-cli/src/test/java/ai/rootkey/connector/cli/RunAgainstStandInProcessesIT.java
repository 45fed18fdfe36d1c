package ai.rootkey.connector.cli;

import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.r2.CloudflareQueueSource;
import ai.rootkey.connector.r2.R2ClientSettings;
import ai.rootkey.connector.r2.R2EventCodec;
import ai.rootkey.connector.r2.Secret;
import ai.rootkey.connector.local.EmbeddedS3;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.FakeCloudflareQueues;
import ai.rootkey.connector.testkit.FakeRootkeyApi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runnable jar's {@code run} mode against local stand-ins that each run in their own process, the way a user
 * points the jar at a staging API or any local stand-in: every endpoint from the environment. The keys include
 * accents, CJK, emoji and a TAB; the API stand-in prints the raw bytes of each {@code x-rootkey-source-key} it
 * received, which must be what the public R2 Worker sends (DESIGN 6.4).
 */
class RunAgainstStandInProcessesIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String BUCKET = "acme-documents";

    private final List<ChildProcess> processes = new ArrayList<>();

    @AfterEach
    void stopAll() {
        for (ChildProcess p : processes) {
            p.kill();
        }
    }

    private ChildProcess launch(Map<String, String> env, String... command) throws IOException {
        ChildProcess launched = ChildProcess.start(env, List.of(command));
        processes.add(launched);
        return launched;
    }

    private ChildProcess launchMain(Class<?> main, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ChildProcess.java(), "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return launch(Map.of(), command.toArray(String[]::new));
    }

    @Test
    void runMode_anchorsEverything_fromStandInsInOtherProcesses_andDrainsOnSigterm_exiting0() throws Exception {
        Path jar = Path.of(System.getProperty("cli.jar", "target/rootkey-connector.jar"));
        assertThat(jar).exists();
        ChildProcess s3 = launchMain(EmbeddedS3.class, "--bucket", BUCKET);
        ChildProcess queues = launchMain(FakeCloudflareQueues.class, "--port", "0");
        ChildProcess api = launchMain(FakeRootkeyApi.class, "--api-key", "stand-in-api-key");
        Await.until(() -> s3.variables().containsKey("R2_SECRET_ACCESS_KEY"), WAIT, () -> "S3 stand-in up: " + s3.output());
        Await.until(() -> queues.variables().containsKey("R2_DLQ_ID"), WAIT, () -> "queue stand-in up: " + queues.output());
        Await.until(() -> api.output().contains("listening on"), WAIT, () -> "API stand-in up: " + api.output());
        Matcher apiUrl = Pattern.compile("listening on (http://\\S+)").matcher(api.output());
        assertThat(apiUrl.find()).isTrue();

        Map<String, String> env = new HashMap<>(s3.variables());
        env.putAll(queues.variables());
        env.put("R2_BUCKET", BUCKET);
        env.put("ROOTKEY_API_URL", apiUrl.group(1));
        env.put("ROOTKEY_API_KEY", "stand-in-api-key");
        env.put("ROOTKEY_ALLOW_INSECURE_LOOPBACK", "true");

        int n = 25;
        publishObjects(env, n);
        ChildProcess connector = launch(env, ChildProcess.java(), "-Xmx128m", "-jar", jar.toString(), "run", "--status-interval", "1");

        Await.until(() -> api.lines.stream().filter(l -> l.startsWith("201 created")).count() == n, WAIT,
                () -> n + " files at the API; connector said:\n" + connector.output());
        List<String> created = api.lines.stream().filter(l -> l.startsWith("201 created")).toList();
        for (int i = 0; i < n; i++) {
            String expected = "key-header-hex=" + HexFormat.of().formatHex(sentKey(i).getBytes(StandardCharsets.UTF_8));
            assertThat(created).as("the bytes of key #%d at the API", i)
                    .anySatisfy(l -> assertThat(l).endsWith(expected));
        }
        Await.until(() -> connector.output().contains("rootkey.connector.status anchored=" + n), WAIT,
                () -> "a status line; connector said:\n" + connector.output());

        // SIGTERM: graceful drain, and exit code 0 (not 143), which systemd counts as a clean stop.
        assertThat(connector.sigterm()).isTrue();
        assertThat(connector.awaitExit(Duration.ofSeconds(30))).isTrue();
        assertThat(connector.process.exitValue()).as(connector.output()).isEqualTo(RunCommand.EXIT_OK);
        assertThat(connector.output()).contains("rootkey.cli.stopped exit_code=0");
        assertThat(connector.output()).contains("rootkey.connector.closed").contains("anchored=" + n)
                .contains("rootkey.event.anchored");
        assertThat(connector.output().lines().filter(l -> l.contains("rootkey.event.anchored")).count()).isEqualTo(n);
        assertThat(connector.output()).doesNotContain("stand-in-api-key").doesNotContain(EmbeddedS3.CREDENTIAL)
                .doesNotContain(env.get("CLOUDFLARE_API_TOKEN"));
        try (CloudflareQueueSource source = queueClient(env)) {
            assertThat(source.receive(10).deliveries()).as("nothing left in the queue").isEmpty();
        }
    }

    /** Object key #i: ASCII, accents and spaces, CJK, emoji, or a TAB (which the Worker cannot send). */
    private static String key(int i) {
        switch (i % 5) {
            case 0:
                return "from-processes/doc-" + i + ".pdf";
            case 1:
                return "from-processes/relat\u00f3rios/Q3 r\u00e9sum\u00e9 " + i + ".pdf";
            case 2:
                return "from-processes/\u5831\u544a\u66f8-" + i + ".pdf";
            case 3:
                return "from-processes/\uD83D\uDCC4 scan " + i + ".pdf";
            default:
                return "from-processes/tab\there " + i + ".pdf";
        }
    }

    /** What {@code x-rootkey-source-key} must carry for key #i: the key itself, or the percent form of a TAB key. */
    private static String sentKey(int i) {
        return i % 5 == 4 ? "from-processes/tab%09here%20" + i + ".pdf" : key(i);
    }

    private static CloudflareQueueSource queueClient(Map<String, String> env) {
        return CloudflareQueueSource.builder()
                .accountId(env.get("CLOUDFLARE_ACCOUNT_ID"))
                .queueId(env.get("R2_QUEUE_ID"))
                .apiToken(Secret.of(env.get("CLOUDFLARE_API_TOKEN")))
                .baseUrl(env.get("CLOUDFLARE_API_BASE_URL"))
                .allowInsecureLoopbackForTesting(true)
                .build();
    }

    private static void publishObjects(Map<String, String> env, int n) throws IOException {
        try (S3Client s3 = R2ClientSettings.applyTo(S3Client.builder())
                .region(Region.US_EAST_1) // S3Proxy refuses region "auto" for writes
                .endpointOverride(URI.create(env.get("R2_ENDPOINT")))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        env.get("R2_ACCESS_KEY_ID"), env.get("R2_SECRET_ACCESS_KEY"))))
                .build();
             CloudflareQueueSource queue = queueClient(env)) {
            List<String> events = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String key = key(i);
                byte[] content = ("document " + i).getBytes(StandardCharsets.UTF_8);
                String eTag = s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(content)).eTag()
                        .replace("\"", "");
                events.add(R2EventCodec.standard().toJson(ObjectEvent.builder().bucket(BUCKET).key(key)
                        .action(EventAction.PUT_OBJECT).size(content.length).eTag(eTag).build(),
                        env.get("CLOUDFLARE_ACCOUNT_ID")));
            }
            queue.publishBatch(events);
        }
    }
}
