package ai.rootkey.connector.cli;

import ai.rootkey.connector.cli.demo.DemoRun;
import ai.rootkey.connector.cli.demo.SampleSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** The self-contained demo on local stand-ins. */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the real connector against local stand-ins on 127.0.0.1 (S3Proxy as the R2 bucket, a fake",
            "Cloudflare Queue with a dead-letter queue, a fake ROOTKey API), with a realistic sample set, a progress",
            "bar, a summary, and a byte-exact check of every expected file. Exits 0 only if the check holds.",
            "Options can also be set with DEMO_FILES, DEMO_SIZE_MIX, DEMO_FAULT_RATE, DEMO_SEED."})
final class DemoCommand implements Callable<Integer> {
    private final Main.Cli cli;

    @Option(names = "--files", paramLabel = "N", description = "Ordinary documents, plus four special cases (default ${DEFAULT-VALUE}).")
    Integer files;

    @Option(names = "--size-mix", paramLabel = "MIX", description = "SMALL, MIXED or LARGE (default MIXED).")
    SampleSet.SizeMix sizeMix;

    @Option(names = "--fault-rate", paramLabel = "R",
            description = "Share of uploads that fail transiently (503, 429, reset), 0 to 0.9, to watch retries (default 0).")
    Double faultRate;

    @Option(names = "--seed", description = "Seed for content and faults (default 7).")
    Long seed;

    @Option(names = "--max-file-size-mib", paramLabel = "MIB", description = "The lowered size limit (default ${DEFAULT-VALUE}).")
    long maxFileSizeMib = 8;

    @Option(names = "--concurrency", description = "Objects processed at once (default ${DEFAULT-VALUE}).")
    int concurrency = 8;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Give up waiting after this long (default ${DEFAULT-VALUE}).")
    long timeoutSeconds = 50;

    @Option(names = "--log-file", paramLabel = "PATH", description = "Where the connector's log lines go (default: a file in the temp directory).")
    Path logFile;

    DemoCommand(Main.Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
        DemoRun.Options options;
        try {
            options = new DemoRun.Options(
                    files != null ? files : Integer.parseInt(cli.env().getOrDefault("DEMO_FILES", "40")),
                    sizeMix != null ? sizeMix : SampleSet.SizeMix.valueOf(cli.env().getOrDefault("DEMO_SIZE_MIX", "MIXED")
                            .toUpperCase(java.util.Locale.ROOT)),
                    faultRate != null ? faultRate : Double.parseDouble(cli.env().getOrDefault("DEMO_FAULT_RATE", "0")),
                    seed != null ? seed : Long.parseLong(cli.env().getOrDefault("DEMO_SEED", "7")),
                    maxFileSizeMib * 1024 * 1024, concurrency, Duration.ofSeconds(timeoutSeconds));
        } catch (IllegalArgumentException e) {
            cli.err().println("Invalid demo option: " + e.getMessage());
            return 2;
        }
        Path log = logFile != null ? logFile : Path.of(System.getProperty("java.io.tmpdir"), "rootkey-demo.log");
        CliLogging.toFile(log);
        cli.out().println("ROOTKey connector demo (connector log: " + log + ")");
        DemoRun.Result result = new DemoRun(options, cli.out(), cli.err(), System.console() != null).run();
        return result.verified() ? 0 : 1;
    }
}
