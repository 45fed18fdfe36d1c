package ai.rootkey.connector.cli;

import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.local.LoopbackStack;
import ai.rootkey.connector.r2.R2EventCodec;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.QueueConsumerSettings;
import ai.rootkey.connector.testkit.QueueEndpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The operator commands of the runnable jar, in-process against the loopback stack. */
class OperationsCommandsTest {
    private static LoopbackStack stack;
    private static final R2EventCodec CODEC = R2EventCodec.standard();
    /** Real output of each command, kept for docs/OPERATIONS.md. */
    private static final Path SAMPLES = Path.of("target", "command-output");

    @TempDir
    Path dir;

    @BeforeAll
    static void startStack() throws Exception {
        stack = LoopbackStack.start();
        Files.createDirectories(SAMPLES);
    }

    @AfterAll
    static void stopStack() {
        stack.close();
    }

    record Result(int exitCode, String out, String err) {
    }

    private static Result run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.execute(args, new Main.Cli(env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Result run(String... args) {
        return run(stack.environment(), args);
    }

    /** Runs the command and keeps its output as a sample for the docs. */
    private static Result keep(String name, String... args) throws IOException {
        Result r = run(args);
        Files.writeString(SAMPLES.resolve(name + ".txt"), "$ rootkey-connector " + String.join(" ", args) + "\n"
                + r.out() + (r.err().isEmpty() ? "" : r.err()) + "(exit " + r.exitCode() + ")\n");
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {"run", "demo", "dlq", "dlq peek", "dlq replay", "backfill", "doctor"})
    void everyCommand_hasHelp(String command) {
        String[] args = (command + " --help").split(" ");
        Result r = run(Map.of(), args);
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Usage: rootkey-connector " + command);
    }

    @Test
    void mainHelp_listsEveryCommand() {
        Result r = run(Map.of(), "--help");
        assertThat(r.out()).contains("run", "demo", "dlq", "backfill", "doctor");
    }

    @Test
    void doctor_onTheLoopbackStack_passesWithWarningsForPlainHttp() throws IOException {
        Result r = keep("doctor", "doctor");

        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).containsPattern("R2 bucket reachable +OK")
                .containsPattern("R2 bucket readable +OK")
                .containsPattern("queue reachable +OK")
                .containsPattern("queue consumer +OK +http_pull")
                .containsPattern("queue max_retries +OK +max_retries=5")
                .containsPattern("queue dead-letter queue +OK")
                .containsPattern("R2_DLQ_ID +OK .*max_retries=100")
                .containsPattern("ROOTKey API URL +WARN")
                .containsPattern("ROOTKey API answers +OK")
                .containsPattern("size limit vs lease +OK")
                .contains("No failures; 1 warning(s).");
    }

    @Test
    void doctor_withARefusedApiKeyAndAHugeSizeLimit_failsAndSaysWhatToFix() throws IOException {
        Map<String, String> env = new LinkedHashMap<>(stack.environment());
        env.put("ROOTKEY_API_KEY", "a-revoked-key");
        env.put("ROOTKEY_MAX_FILE_SIZE_BYTES", Long.toString(5L * 1024 * 1024 * 1024));
        Result r = run(env, "doctor");
        Files.writeString(SAMPLES.resolve("doctor-failing.txt"), "$ ROOTKEY_API_KEY=a-revoked-key "
                + "ROOTKEY_MAX_FILE_SIZE_BYTES=5368709120 rootkey-connector doctor\n" + r.out() + "(exit "
                + r.exitCode() + ")\n");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).containsPattern("ROOTKey API answers +FAIL +the ROOTKey API rejects the API key \\(401\\)")
                .contains("fix: check ROOTKEY_API_KEY")
                .containsPattern("size limit vs lease +WARN")
                .contains("raise the visibility timeout to at least 1 h 26 min")
                .contains("1 check(s) failed");
        assertThat(r.out() + r.err()).doesNotContain("a-revoked-key");
    }

    @Test
    void doctor_whenTheTokenMayNotReadConsumerSettings_skipsThoseRows() {
        stack.queues().failNext(QueueEndpoint.CONSUMERS, 1, Fault.status(403));
        Result r = run("doctor");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).containsPattern("queue consumer +SKIPPED +skipped: token may not read consumer settings "
                + "\\(HTTP 403\\)").containsPattern("queue max_retries +SKIPPED");
    }

    @Test
    void doctor_withCloudflaresDefaultConsumer_warnsAboutMaxRetriesAndTheMissingDeadLetterQueue() {
        var queue = stack.queues().queue(stack.queueId());
        var expected = queue.consumer();
        stack.queues().configureConsumer(stack.queueId(), QueueConsumerSettings.defaults());
        try {
            Result r = run("doctor");
            assertThat(r.exitCode()).isZero();
            assertThat(r.out()).containsPattern("queue max_retries +WARN +max_retries=3")
                    .contains("fix: set max_retries to 5")
                    .containsPattern("queue dead-letter queue +WARN +none: messages that exhaust their retries are "
                            + "deleted");
        } finally {
            stack.queues().configureConsumer(stack.queueId(), expected);
        }
    }

    @Test
    void doctor_withAMissingBucket_fails() {
        Map<String, String> env = new LinkedHashMap<>(stack.environment());
        env.put("R2_BUCKET", "no-such-bucket");
        Result r = run(env, "doctor");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).containsPattern("R2 bucket reachable +FAIL +R2 answered").contains("fix: check R2_BUCKET")
                .containsPattern("R2 bucket readable +SKIPPED");
    }

    @Test
    void doctor_withoutEnvironment_exits2AndListsWhatIsMissing() {
        Result r = run(Map.of(), "doctor");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("CLOUDFLARE_ACCOUNT_ID is not set");
    }

    @Test
    void dlqPeekAndReplay_listThenMoveTheMessages() throws IOException {
        String dlq = stack.deadLetterQueueId();
        for (String key : new String[] {"invoices/2024/0001.pdf", "invoices/2024/0002.pdf", "receipts/r-17.pdf"}) {
            stack.queues().publish(dlq, CODEC.toJson(ObjectEvent.builder().bucket(stack.bucket()).key(key)
                    .action(EventAction.PUT_OBJECT).size(48_213).eTag("9b2cf535f27731c974343645a3985328")
                    .eventTime(stack.queues().now()).build(), stack.queues().accountId()));
        }
        int events = stack.queues().queue(stack.queueId()).backlog().size();

        Result peek = keep("dlq-peek", "dlq", "peek", "--limit", "10");
        assertThat(peek.exitCode()).isZero();
        assertThat(peek.out()).contains("invoices/2024/0001.pdf", "receipts/r-17.pdf", "AGE", "ATTEMPTS")
                .contains("3 message(s) shown").contains("not leased, no attempt counted");
        assertThat(stack.queues().queue(dlq).backlog()).hasSize(3).extracting(m -> m.attempts()).containsOnly(0);

        Result dry = keep("dlq-replay-dry-run", "dlq", "replay", "--dry-run", "--prefix", "invoices/");
        assertThat(dry.out()).contains("Dry run: would replay 2, examined 3");
        assertThat(stack.queues().queue(stack.queueId()).backlog()).hasSize(events);

        Result replay = run("dlq", "replay", "--prefix", "invoices/", "--limit", "1");
        assertThat(replay.exitCode()).isZero();
        assertThat(replay.out()).contains("Done: replayed 1");
        Files.writeString(SAMPLES.resolve("dlq-replay.txt"), "$ rootkey-connector dlq replay --prefix invoices/ "
                + "--limit 1\n" + replay.out() + "(exit " + replay.exitCode() + ")\n");
        assertThat(stack.queues().queue(dlq).backlog()).hasSize(2);
        assertThat(stack.queues().queue(stack.queueId()).backlog()).hasSize(events + 1);
        assertThat(run("dlq", "replay").exitCode()).isZero(); // empty the DLQ again for the other tests
    }

    @Test
    void backfill_anchorsExistingObjects_printsASummary_andResumesNothingWhenComplete() throws IOException {
        for (int i = 0; i < 40; i++) {
            stack.s3().putObjectDirect(stack.bucket(), String.format("archive/2023/%03d.pdf", i),
                    ("old document " + i).repeat(50).getBytes(StandardCharsets.UTF_8));
        }
        Path checkpoint = dir.resolve("backfill.json");
        Path log = dir.resolve("backfill.log");
        Result r = run("backfill", "--prefix", "archive/", "--checkpoint", checkpoint.toString(),
                "--log-file", log.toString());
        Files.writeString(SAMPLES.resolve("backfill.txt"), "$ rootkey-connector backfill --prefix archive/ "
                + "--checkpoint backfill.json\n" + r.out().replace(checkpoint.toString(), "backfill.json")
                .replace(log.toString(), "/tmp/rootkey-backfill.log") + "(exit " + r.exitCode() + ")\n");

        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("Backfill complete.").contains("anchored        40")
                .contains("100% 40/40");
        assertThat(Files.readString(checkpoint)).contains("\"complete\" : true");
        assertThat(stack.api().files()).filteredOn(f -> f.key().startsWith("archive/")).hasSize(40);

        Result again = run("backfill", "--prefix", "archive/", "--checkpoint", checkpoint.toString(),
                "--log-file", log.toString());
        assertThat(again.exitCode()).isZero();
        assertThat(again.out()).contains("listed          0 objects");
    }
}
