package ai.rootkey.connector.cli;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.LogSafe;
import ai.rootkey.connector.cli.demo.Format;
import ai.rootkey.connector.cli.demo.ProgressBar;
import ai.rootkey.connector.r2.Backfill;
import ai.rootkey.connector.r2.R2ConnectorConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** Anchors objects that already exist in the bucket. */
@Command(name = "backfill",
        mixinStandardHelpOptions = true,
        description = {
            "Anchors objects that already exist in the bucket (the event queue only announces new ones): lists the",
            "bucket with ListObjectsV2 and runs every object through the connector's own pipeline (R2_PREFIX, the",
            "size limit, the same idempotency headers, the same concurrency). Shows objects, bytes and an ETA, and",
            "records progress in a checkpoint file: run the same command again after an interruption (Ctrl-C",
            "drains and saves) and it resumes after the last key whose predecessors are all settled.",
            "Exits 0 when every object was anchored or skipped, 1 when some failed, 3 when stopped early."})
final class BackfillCommand implements Callable<Integer> {
    private final Main.Cli cli;

    @Option(names = "--prefix", paramLabel = "KEY_PREFIX",
            description = "Only keys starting with this (default: R2_PREFIX, else all).")
    String prefix;

    @Option(names = "--start-after", paramLabel = "KEY",
            description = "Start after this key (a checkpoint further on wins).")
    String startAfter = "";

    @Option(names = "--checkpoint", paramLabel = "PATH",
            description = "The checkpoint file (default: rootkey-backfill-<bucket>.json in the current directory).")
    Path checkpoint;

    @Option(names = "--concurrency", description = "Objects processed at once (default ${DEFAULT-VALUE}).")
    int concurrency = Connector.DEFAULT_CONCURRENCY;

    @Option(names = "--no-count", description = "Skip the first listing pass that counts objects for the ETA.")
    boolean noCount;

    @Option(names = "--log-file", paramLabel = "PATH",
            description = "Where the per-object log lines go (default: a file in the temp directory).")
    Path logFile;

    BackfillCommand(Main.Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
        Optional<R2ConnectorConfig> config = Environment.config(cli);
        if (config.isEmpty()) {
            return 2;
        }
        Path file = checkpoint != null ? checkpoint : Path.of("rootkey-backfill-" + config.get().bucket() + ".json");
        Path log = logFile != null ? logFile : Path.of(System.getProperty("java.io.tmpdir"), "rootkey-backfill.log");
        CliLogging.toFile(log);
        ProgressBar bar = new ProgressBar(cli.out(), System.console() != null);
        Backfill backfill;
        try {
            Backfill.Builder builder = Backfill.builder().config(config.get()).startAfter(startAfter)
                    .checkpointFile(file).countFirst(!noCount)
                    .engine(b -> b.concurrency(concurrency))
                    .onProgress(Duration.ofMillis(500), p -> bar.update(p.settled(),
                            p.totalObjects().orElse(Math.max(p.listed(), 1)), detail(p)));
            if (prefix != null) {
                builder.prefix(prefix);
            }
            backfill = builder.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            cli.err().println("Invalid backfill option: " + e.getMessage());
            return 2;
        }
        cli.out().println("Backfill of bucket " + config.get().bucket() + " (checkpoint: " + file + ", log: " + log
                + ")");
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            backfill.stop();
            try {
                finished.await(); // let run() drain and write the checkpoint before the JVM exits
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "rootkey-backfill-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Backfill.Progress result;
        try {
            result = backfill.run();
        } catch (ConfigurationException | IOException e) {
            cli.err().println("Backfill failed: " + e.getMessage());
            return 2;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it waited for us
            }
        }
        bar.finish(result.settled(), result.totalObjects().orElse(Math.max(result.listed(), 1)), detail(result));
        cli.out().print(summary(result, file));
        if (!result.complete()) {
            return 3;
        }
        return result.failed() > 0 ? 1 : 0;
    }

    static String detail(Backfill.Progress p) {
        StringBuilder s = new StringBuilder();
        s.append(Format.bytes(p.bytesAnchored()));
        p.totalBytes().ifPresent(total -> s.append(" of ").append(Format.bytes(total)));
        s.append("  anchored ").append(p.anchored()).append(", skipped ").append(p.skipped())
                .append(", failed ").append(p.failed());
        if (!p.complete()) {
            p.eta().ifPresent(eta -> s.append("  ETA ").append(DlqCommand.age(eta)));
        }
        return s.toString();
    }

    static String summary(Backfill.Progress p, Path file) {
        String nl = System.lineSeparator();
        StringBuilder s = new StringBuilder();
        s.append(p.complete() ? "Backfill complete." : "Backfill stopped before the end; run the same command "
                + "again to resume.").append(nl);
        p.resumedAfter().ifPresent(k -> s.append("  resumed after   ").append(LogSafe.quoted(k)).append(nl));
        s.append("  listed          ").append(p.listed()).append(" objects, ").append(Format.bytes(p.listedBytes()))
                .append(nl);
        s.append("  anchored        ").append(p.anchored()).append(" (").append(Format.bytes(p.bytesAnchored()))
                .append(")").append(nl);
        s.append("  skipped         ").append(p.skipped()).append(nl);
        s.append("  failed          ").append(p.failed()).append(nl);
        for (String key : p.failedKeys()) {
            s.append("    ").append(LogSafe.quoted(key)).append(nl);
        }
        s.append("  checkpoint      ").append(p.checkpoint().map(LogSafe::quoted).orElse("(none yet)"))
                .append(" in ").append(file).append(nl);
        s.append("  took            ").append(DlqCommand.age(p.elapsed())).append(nl);
        return s.toString();
    }
}
