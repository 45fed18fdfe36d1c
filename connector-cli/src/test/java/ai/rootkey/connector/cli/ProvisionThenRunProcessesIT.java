package ai.rootkey.connector.cli;

import ai.rootkey.connector.local.EmbeddedS3;
import ai.rootkey.connector.local.LoopbackStack;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ReceivedFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coming from nothing: the loopback stand-ins with an empty Cloudflare account (no queue, no consumer, no rule),
 * then {@code provision}, then the runnable jar's {@code run} in its own process with the environment provision
 * printed (plus the secrets, which it never prints), then {@code doctor}: everything OK, and a file put in the bucket
 * arrives at the ROOTKey API because the rule provision made announces it.
 */
class ProvisionThenRunProcessesIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path SAMPLES = Path.of("target", "command-output");

    private final List<ChildProcess> processes = new ArrayList<>();
    private LoopbackStack stack;

    @BeforeEach
    void startStack() throws Exception {
        stack = LoopbackStack.builder().withoutQueues().start();
        Files.createDirectories(SAMPLES);
    }

    @AfterEach
    void stopAll() {
        for (ChildProcess p : processes) {
            p.kill();
        }
        stack.close();
    }

    /** What the operator has before provisioning: the account, the token, the API root; no queue ids. */
    private Map<String, String> cloudflare() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CLOUDFLARE_ACCOUNT_ID", stack.queues().accountId());
        env.put("CLOUDFLARE_API_TOKEN", stack.queues().token());
        env.put("CLOUDFLARE_API_BASE_URL", stack.queues().baseUrl().toString());
        env.put("ROOTKEY_ALLOW_INSECURE_LOOPBACK", "true");
        return env;
    }

    /** The secrets provision names but never prints, and the endpoints of the other two stand-ins. */
    private Map<String, String> secretsAndStandIns() {
        return Map.of("CLOUDFLARE_API_TOKEN", stack.queues().token(),
                "R2_ACCESS_KEY_ID", stack.s3().identity(), "R2_SECRET_ACCESS_KEY", stack.s3().credential(),
                "ROOTKEY_API_KEY", stack.api().apiKey(),
                "R2_ENDPOINT", stack.s3().endpoint().toString(), "ROOTKEY_API_URL", stack.api().baseUrl().toString());
    }

    @Test
    void provision_thenRunWithThePrintedEnvironment_thenDoctor_allOk_andAFileArrives() throws Exception {
        ProvisionCommandTest.Result provisioned = ProvisionCommandTest.provision(cloudflare(), "--bucket",
                stack.bucket(), "--name-suffix", "demo", "--prefix", "docs/");
        assertThat(provisioned.exitCode()).as(provisioned.out() + provisioned.err()).isZero();
        Map<String, String> printed = provisioned.variables();
        assertThat(printed).containsKeys("CLOUDFLARE_ACCOUNT_ID", "R2_QUEUE_ID", "R2_DLQ_ID", "R2_BUCKET", "R2_PREFIX",
                "R2_VISIBILITY_TIMEOUT_SECONDS", "ROOTKEY_MAX_FILE_SIZE_BYTES");
        assertThat(printed.values()).doesNotContain(stack.queues().token(), stack.api().apiKey(),
                EmbeddedS3.CREDENTIAL);

        Map<String, String> env = new LinkedHashMap<>(printed);
        env.putAll(secretsAndStandIns());
        Path jar = Path.of(System.getProperty("cli.jar", "target/rootkey-connector.jar"));
        assertThat(jar).exists();
        ChildProcess connector = ChildProcess.start(env, List.of(ChildProcess.java(), "-Xmx128m", "-jar",
                jar.toString(), "run", "--status-interval", "1"));
        processes.add(connector);

        byte[] content = "a contract, signed".getBytes(StandardCharsets.UTF_8);
        stack.put("docs/contract-17.pdf", content);
        stack.put("tmp/scratch.bin", "outside the prefix".getBytes(StandardCharsets.UTF_8));
        List<ReceivedFile> files = stack.api().awaitFiles(1, WAIT);
        assertThat(files).singleElement().satisfies(f -> {
            assertThat(f.key()).isEqualTo("docs/contract-17.pdf");
            assertThat(f.size()).isEqualTo(content.length);
        });
        String queueId = printed.get("R2_QUEUE_ID");
        stack.queues().queue(queueId).awaitAcked(1, WAIT);
        assertThat(stack.queues().queue(queueId).deliveredCount()).as("tmp/ was not announced: the rule's prefix")
                .isEqualTo(1);

        ProvisionCommandTest.Result doctor = doctor(env);
        Files.writeString(SAMPLES.resolve("doctor-after-provision.txt"), "$ rootkey-connector doctor\n"
                + doctor.out() + "(exit " + doctor.exitCode() + ")\n");
        assertThat(doctor.exitCode()).as(doctor.out() + doctor.err()).isZero();
        assertThat(doctor.out()).containsPattern("queue consumer +OK +http_pull")
                .containsPattern("queue max_retries +OK +max_retries=5")
                .containsPattern("queue dead-letter queue +OK +\"rootkey-r2-dlq-demo-")
                .containsPattern("queue message retention +OK")
                .containsPattern("R2_DLQ_ID +OK .*max_retries=100")
                .containsPattern("bucket event notifications +OK +PutObject, CompleteMultipartUpload, CopyObject for "
                        + "keys under \"docs/\"")
                .containsPattern("size limit vs lease +OK +a 500 MiB file must upload within the 11 min lease")
                .doesNotContain("FAIL")
                .contains("No failures; 1 warning(s).");
        assertThat(doctor.out()).containsPattern("ROOTKey API URL +WARN +http://127.0.0.1:\\d+ is plain http to "
                + "loopback");

        assertThat(connector.sigterm()).isTrue();
        assertThat(connector.awaitExit(Duration.ofSeconds(30))).isTrue();
        assertThat(connector.process.exitValue()).as(connector.output()).isEqualTo(RunCommand.EXIT_OK);
        assertThat(connector.output()).contains("rootkey.event.anchored").doesNotContain(stack.api().apiKey());
    }

    private static ProvisionCommandTest.Result doctor(Map<String, String> env) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = Main.execute(new String[] {"doctor"}, new Main.Cli(env,
                new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, StandardCharsets.UTF_8)));
        return new ProvisionCommandTest.Result(code, out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8));
    }
}
