package ai.rootkey.connector.cli;

import ai.rootkey.connector.cli.demo.DemoRun;
import ai.rootkey.connector.cli.demo.SampleSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line in-process: help, configuration errors, and the demo end to end. */
class CliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Map<String, String> env, String... args) {
        return Main.execute(args, new Main.Cli(env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void help_listsTheCommands() {
        assertThat(run(Map.of(), "--help")).isZero();
        assertThat(out()).contains("run", "demo", "Anchors files that land in a Cloudflare R2 bucket");
    }

    @Test
    void eachCommand_hasHelp() {
        assertThat(run(Map.of(), "run", "--help")).isZero();
        assertThat(out()).contains("CLOUDFLARE_ACCOUNT_ID", "--status-interval", "drains");
        assertThat(out()).contains("--http-port", "--http-host", "--probe-interval", "--visibility-timeout", "/health/live", "/health/ready",
                "/metrics", "Exit codes:", "the drain was clean", "75   stopped by a signal; uploads still running");
        assertThat(run(Map.of(), "demo", "--help")).isZero();
        assertThat(out()).contains("--fault-rate", "--files", "--size-mix");
    }

    @Test
    void run_withBadConfiguration_listsEveryProblem_andExits2_withoutShowingSecrets() {
        Map<String, String> env = Map.of("CLOUDFLARE_ACCOUNT_ID", "not-hex", "CLOUDFLARE_API_TOKEN", "SECRET-TOKEN-42",
                "R2_BUCKET", "Bad_Bucket");
        assertThat(run(env, "run")).isEqualTo(2);
        assertThat(err()).contains("CLOUDFLARE_ACCOUNT_ID must be 32 lowercase hex characters")
                .contains("R2_BUCKET must match").contains("ROOTKEY_API_KEY is not set")
                .doesNotContain("SECRET-TOKEN-42");
    }

    @Test
    void run_withBadServiceOptions_exits2_beforeReadingTheConfiguration() {
        assertThat(run(Map.of(), "run", "--http-port", "70000")).isEqualTo(2);
        assertThat(err()).contains("--http-port must be between 0 and 65535, was 70000");
        assertThat(run(Map.of(), "run", "--probe-interval", "0")).isEqualTo(2);
        assertThat(err()).contains("--probe-interval must be between 1 and 3600 seconds, was 0");
        assertThat(run(Map.of(), "run", "--visibility-timeout", "43201")).isEqualTo(2);
        assertThat(err()).contains("--visibility-timeout must be between 1 and 43200 seconds (12 h), was 43201");
        assertThat(run(Map.of(), "run", "--drain-timeout", "-1")).isEqualTo(2);
        assertThat(err()).contains("--drain-timeout must be between 0 and 3600 seconds");
        assertThat(err()).doesNotContain("Configuration problems");
    }

    @Test
    void noCommand_withCloudflareSettings_runs_notTheDemo() {
        assertThat(run(Map.of("CLOUDFLARE_ACCOUNT_ID", "x"))).isEqualTo(2);
        assertThat(err()).contains("Configuration problems").doesNotContain("demo");
    }

    @Test
    void demo_badOption_exits2() {
        assertThat(run(Map.of(), "demo", "--fault-rate", "2")).isEqualTo(2);
        assertThat(err()).contains("fault rate must be between 0 and 0.9");
    }

    @Test
    void demo_runsEndToEnd_andItsCheckHolds(@TempDir Path dir) {
        assertThat(run(Map.of(), "demo", "--files", "12", "--size-mix", "small", "--log-file",
                dir.resolve("demo.log").toString())).as(out() + err()).isZero();
        assertThat(out()).contains("Summary", "anchored", "terminal failures",
                "\"archive/raw-scan-full-resolution.tiff\"  oversize", "\"tmp/upload-7731.part\"  object_missing",
                "Check: all 12 expected files arrived byte-exact");
        assertThat(err()).contains("100% 16/16");
    }

    @Test
    void demoWithFaults_retriesAndStillDeliversEverything() throws Exception {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        DemoRun.Result result = new DemoRun(new DemoRun.Options(20, SampleSet.SizeMix.SMALL, 0.3, 11, 1024 * 1024, 8,
                Duration.ofSeconds(60)), sink, sink, false).run();
        assertThat(result.problems()).isEmpty();
        assertThat(result.verified()).isTrue();
        assertThat(result.retried()).isPositive();
        assertThat(result.anchored()).isEqualTo(20);
        assertThat(result.terminal()).isEqualTo(2);
    }
}
