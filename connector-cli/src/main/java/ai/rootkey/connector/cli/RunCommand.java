package ai.rootkey.connector.cli;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorStats;
import ai.rootkey.connector.r2.R2Connector;
import ai.rootkey.connector.r2.R2ConnectorConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Runs the real connector from the environment until the process is stopped (Ctrl-C or SIGTERM drains it). */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the connector for one R2 bucket until stopped; Ctrl-C (SIGTERM) drains gracefully.",
            "Configuration comes from the environment: CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_API_TOKEN, R2_QUEUE_ID,",
            "R2_BUCKET, R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY, ROOTKEY_API_KEY (required); CLOUDFLARE_API_BASE_URL,",
            "R2_DLQ_ID, R2_JURISDICTION, R2_ENDPOINT, R2_PREFIX, ROOTKEY_API_URL, ROOTKEY_MAX_FILE_SIZE_BYTES,",
            "ROOTKEY_ALLOW_INSECURE_LOOPBACK (optional). Every endpoint can point at a staging API or a local stand-in.",
            "Logs one line per outcome (rootkey.event.*) and a status line every --status-interval seconds."})
final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger("ai.rootkey.connector.cli");

    private final Main.Cli cli;

    @Option(names = "--concurrency", description = "Objects processed at once (default ${DEFAULT-VALUE}).")
    int concurrency = Connector.DEFAULT_CONCURRENCY;

    @Option(names = "--batch-size", description = "Messages per pull, 1-100 (default ${DEFAULT-VALUE}).")
    int batchSize = Connector.DEFAULT_BATCH_SIZE;

    @Option(names = "--status-interval", paramLabel = "SECONDS",
            description = "Seconds between status lines (default ${DEFAULT-VALUE}).")
    long statusIntervalSeconds = 30;

    @Option(names = "--drain-timeout", paramLabel = "SECONDS",
            description = "Seconds uploads in flight may take to finish on shutdown (default ${DEFAULT-VALUE}).")
    long drainTimeoutSeconds = Connector.DEFAULT_DRAIN_TIMEOUT.toSeconds();

    RunCommand(Main.Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws InterruptedException {
        R2ConnectorConfig config;
        try {
            config = R2ConnectorConfig.fromEnvironment(cli.env());
        } catch (ConfigurationException e) {
            cli.err().println("Configuration problems:\n" + e.getMessage());
            return 2;
        }
        Connector connector;
        try {
            connector = R2Connector.builder().config(config)
                    .engine(b -> b.concurrency(concurrency).batchSize(batchSize)
                            .drainTimeout(Duration.ofSeconds(drainTimeoutSeconds)))
                    .build();
        } catch (ConfigurationException | IllegalArgumentException | IllegalStateException e) {
            cli.err().println("Cannot start: " + e.getMessage());
            return 2;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            LOG.info("rootkey.cli.stopping: draining (up to {} s)", drainTimeoutSeconds);
            connector.close();
            stopped.countDown();
        }, "rootkey-connector-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        LOG.info("rootkey.cli.started {}", config);
        connector.start();
        Clock clock = Clock.systemUTC();
        ConnectorStats previous = connector.stats();
        long previousAt = System.nanoTime();
        while (!stopped.await(statusIntervalSeconds, TimeUnit.SECONDS)) {
            ConnectorStats now = connector.stats();
            long at = System.nanoTime();
            LOG.info("rootkey.connector.status {}", StatusLine.format(now, previous,
                    Duration.ofNanos(at - previousAt), connector.health(), clock));
            previous = now;
            previousAt = at;
        }
        return 0;
    }
}
