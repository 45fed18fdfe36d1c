package ai.rootkey.connector.cli;

import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.local.LoopbackStack;
import ai.rootkey.connector.testkit.NotificationRule;
import ai.rootkey.connector.testkit.QueueConsumerSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code provision} in-process against the loopback stack started with an empty Cloudflare account. Each test
 * provisions its own bucket name and name suffix, so they share one stack without seeing each other's queues.
 */
class ProvisionCommandTest {
    private static final Path SAMPLES = Path.of("target", "command-output");
    private static LoopbackStack stack;

    @BeforeAll
    static void startStack() throws Exception {
        stack = LoopbackStack.builder().withoutQueues().start();
        Files.createDirectories(SAMPLES);
    }

    @AfterAll
    static void stopStack() {
        stack.close();
    }

    record Result(int exitCode, String out, String err) {
        /** The {@code NAME=value} lines of the output. */
        Map<String, String> variables() {
            Map<String, String> vars = new LinkedHashMap<>();
            for (String line : out.split("\n")) {
                int eq = line.indexOf('=');
                if (!line.startsWith("#") && eq > 0 && line.substring(0, eq).matches("[A-Z0-9_]+")) {
                    vars.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            return vars;
        }
    }

    static Result provision(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 1];
        all[0] = "provision";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = Main.execute(all, new Main.Cli(env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The stack's Cloudflare settings and token, for a bucket of the test's own. */
    private static Map<String, String> env(String bucket) {
        Map<String, String> env = new LinkedHashMap<>(stack.environment());
        env.put("R2_BUCKET", bucket);
        return env;
    }

    private static void keep(String name, String command, Result r) throws IOException {
        Files.writeString(SAMPLES.resolve(name + ".txt"), "$ rootkey-connector " + command + "\n" + r.out()
                + r.err() + "(exit " + r.exitCode() + ")\n");
    }

    @Test
    void dryRun_printsThePlan_andChangesNothing() throws IOException {
        Result r = provision(env("acme-documents"), "--name-suffix", "prod", "--prefix", "contracts/", "--dry-run");
        keep("provision-dry-run", "provision --name-suffix prod --prefix contracts/ --dry-run", r);

        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).startsWith("Dry run: would make 5 change(s) (create event queue, create dead-letter queue, "
                        + "create event queue consumer, create dead-letter queue consumer, create event notification); "
                        + "nothing was changed.")
                .containsPattern("event queue +create +rootkey-r2-events-prod-b7e13d3f")
                .contains("# R2_QUEUE_ID: the id of rootkey-r2-events-prod-b7e13d3f, once provision has created it")
                .contains("R2_VISIBILITY_TIMEOUT_SECONDS=625");
        assertThat(stack.queues().queueIds()).doesNotContainKey("rootkey-r2-events-prod-b7e13d3f");
        assertThat(stack.queues().notificationRules("acme-documents")).isEmpty();
    }

    @Test
    void provision_createsWhatTheModuleWould_andASecondRunSaysUnchanged() throws IOException {
        Map<String, String> env = env("invoices-2025");
        Result first = provision(env, "--name-suffix", "prod", "--prefix", "scans/", "--suffix", ".pdf");
        keep("provision", "provision --name-suffix prod --prefix scans/ --suffix .pdf", first);

        assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
        assertThat(first.out()).startsWith("Applied 5 change(s)");
        assertThat(first.err()).contains("applied: create event queue", "applied: create event notification");
        String events = "rootkey-r2-events-prod-" + Provisioned.hash("invoices-2025");
        String dlq = "rootkey-r2-dlq-prod-" + Provisioned.hash("invoices-2025");
        String eventsId = stack.queues().queueIds().get(events);
        String dlqId = stack.queues().queueIds().get(dlq);
        assertThat(first.variables()).containsEntry("R2_QUEUE_ID", eventsId).containsEntry("R2_DLQ_ID", dlqId)
                .containsEntry("R2_BUCKET", "invoices-2025").containsEntry("R2_PREFIX", "scans/")
                .containsEntry("ROOTKEY_MAX_FILE_SIZE_BYTES", "524288000")
                .containsEntry("ROOTKEY_ALLOW_INSECURE_LOOPBACK", "true")
                .doesNotContainKeys("CLOUDFLARE_API_TOKEN", "R2_SECRET_ACCESS_KEY", "ROOTKEY_API_KEY");
        assertThat(first.out() + first.err()).doesNotContain(stack.queues().token());
        assertThat(first.out()).contains("#   CLOUDFLARE_API_TOKEN: ", "#   ROOTKEY_API_KEY: ");
        assertThat(stack.queues().queue(eventsId).consumerType()).contains("http_pull");
        assertThat(stack.queues().queue(eventsId).consumer()).isEqualTo(new QueueConsumerSettings(25, 5,
                Duration.ofSeconds(625), Duration.ZERO, Optional.of(dlq)));
        assertThat(stack.queues().queue(dlqId).consumer().maxRetries()).isEqualTo(100);
        assertThat(stack.queues().notificationRules("invoices-2025")).containsExactly(Map.entry(eventsId, List.of(
                NotificationRule.of(EventAction.PUT_OBJECT, EventAction.COMPLETE_MULTIPART_UPLOAD,
                        EventAction.COPY_OBJECT).withPrefix("scans/").withSuffix(".pdf"))));

        Result second = provision(env, "--name-suffix", "prod", "--prefix", "scans/", "--suffix", ".pdf");
        keep("provision-again", "provision --name-suffix prod --prefix scans/ --suffix .pdf", second);

        assertThat(second.exitCode()).isZero();
        assertThat(second.out()).startsWith("Nothing to change: everything is in place (5 steps unchanged).");
        assertThat(second.out().lines().filter(l -> l.matches("^(event|dead-letter).* +unchanged +.*"))).hasSize(5);
        assertThat(second.err()).doesNotContain("applied:");
        assertThat(second.variables()).isEqualTo(first.variables());
    }

    @Test
    void aQueueTheWorkerConsumes_isRefusedWithoutTheFlag_andReplacedWithIt() throws IOException {
        String bucket = "worker-era";
        String events = "rootkey-r2-events-tfm-" + Provisioned.hash(bucket);
        String dlq = "rootkey-r2-dlq-tfm-" + Provisioned.hash(bucket);
        // what the Worker's Terraform module leaves behind
        String dlqId = stack.queues().createQueueWithoutConsumer(dlq);
        String eventsId = stack.queues().createQueueWithoutConsumer(events);
        stack.queues().addWorkerConsumer(eventsId, "rootkey-r2-tfm-" + Provisioned.hash(bucket),
                QueueConsumerSettings.defaults().withBatchSize(25).withMaxRetries(5).withDeadLetterQueue(dlq));
        stack.queues().addNotificationRule(bucket, eventsId, NotificationRule.of(EventAction.PUT_OBJECT,
                EventAction.COMPLETE_MULTIPART_UPLOAD, EventAction.COPY_OBJECT));

        Result refused = provision(env(bucket), "--name-suffix", "tfm");
        keep("provision-refused", "provision --name-suffix tfm", refused);

        assertThat(refused.exitCode()).isEqualTo(ProvisionCommand.EXIT_REFUSED);
        assertThat(refused.out()).startsWith("Refused: nothing was changed.")
                .containsPattern("event queue consumer +refused +" + events + " is consumed by a Worker consumer "
                        + "\\(script \"rootkey-r2-tfm-")
                .contains("fix: remove that consumer (see docs/MIGRATING.md), or run again with "
                        + "--replace-worker-consumer")
                .doesNotContain("R2_QUEUE_ID=");
        assertThat(stack.queues().queue(eventsId).consumerType()).contains("worker");
        assertThat(stack.queues().queue(dlqId).consumerType()).as("nothing changed, not even elsewhere").isEmpty();

        Result replaced = provision(env(bucket), "--name-suffix", "tfm", "--replace-worker-consumer");
        keep("provision-replace-worker", "provision --name-suffix tfm --replace-worker-consumer", replaced);

        assertThat(replaced.exitCode()).as(replaced.out() + replaced.err()).isZero();
        assertThat(replaced.out()).containsPattern("event queue consumer +update +replace a Worker consumer")
                .containsPattern("event queue +unchanged +" + events + " \\(id " + eventsId + "\\)")
                .containsPattern("event notification +unchanged +rule ");
        assertThat(stack.queues().queue(eventsId).consumerType()).contains("http_pull");
        assertThat(stack.queues().queue(eventsId).consumer().deadLetterQueue()).contains(dlq);
        assertThat(replaced.variables()).containsEntry("R2_QUEUE_ID", eventsId).containsEntry("R2_DLQ_ID", dlqId);
    }

    @Test
    void badInput_isReportedAllAtOnce_withExit2_andNothingIsCalled() {
        Map<String, String> env = Map.of("CLOUDFLARE_ACCOUNT_ID", "XYZ", "R2_BUCKET", "Bad_Bucket");
        long before = stack.queues().requestCount(ai.rootkey.connector.testkit.QueueEndpoint.QUEUES);

        Result r = provision(env, "--name-suffix", "x", "--max-file-size", "12MB", "--min-bandwidth", "0",
                "--jurisdiction", "mars");

        assertThat(r.exitCode()).isEqualTo(ProvisionCommand.EXIT_USAGE);
        assertThat(r.err()).startsWith("Cannot provision: 7 problems:")
                .contains("CLOUDFLARE_API_TOKEN is not set")
                .contains("--max-file-size must be a whole number (got \"12MB\")")
                .contains("--jurisdiction must be one of eu, fedramp, us")
                .contains("accountId must be 32 lowercase hex characters")
                .contains("bucket must match")
                .contains("nameSuffix must match ^[a-z0-9]{3,12}$")
                .contains("minBandwidthBytesPerSecond must be at least 1");
        assertThat(provision(Map.of()).err()).contains("--name-suffix is required");
        assertThat(stack.queues().requestCount(ai.rootkey.connector.testkit.QueueEndpoint.QUEUES)).isEqualTo(before);
    }

    @Test
    void aRefusedToken_exits1_withoutShowingIt() {
        Map<String, String> env = env("acme-documents");
        env.put("CLOUDFLARE_API_TOKEN", "a-revoked-token");

        Result r = provision(env, "--name-suffix", "prod");

        assertThat(r.exitCode()).isEqualTo(ProvisionCommand.EXIT_FAILED);
        assertThat(r.err()).contains("provision stopped: Cloudflare Queues list queues was refused (HTTP 401")
                .contains("check CLOUDFLARE_API_TOKEN").doesNotContain("a-revoked-token");
    }

    @Test
    void help_describesTheStepsAndTheExitCodes() {
        Result r = provision(Map.of(), "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("--name-suffix", "--dry-run", "--replace-worker-consumer", "--min-bandwidth",
                "Exit codes:", "3   a step was refused; nothing was changed");
    }

    /** The module's hash part of the names, computed here independently of the SDK. */
    static final class Provisioned {
        private Provisioned() {
        }

        static String hash(String bucket) {
            try {
                byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                        .digest(bucket.getBytes(StandardCharsets.UTF_8));
                return java.util.HexFormat.of().formatHex(d).substring(0, 8);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
