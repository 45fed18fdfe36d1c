package ai.rootkey.connector.cli;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorStats;
import ai.rootkey.connector.micrometer.ConnectorMetrics;
import ai.rootkey.connector.r2.CloudflareQueueSource;
import ai.rootkey.connector.r2.R2Connector;
import ai.rootkey.connector.r2.R2ConnectorConfig;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real connector from the environment until the process is stopped. SIGTERM, SIGINT (Ctrl-C) and SIGHUP
 * drain it; the process then exits {@value #EXIT_OK}, or {@value #EXIT_DRAIN_TIMED_OUT} when uploads were still
 * running at the drain timeout and were handed back to the queue.
 */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the connector for one R2 bucket until stopped. SIGTERM or Ctrl-C drains it:",
            "uploads in flight may finish for --drain-timeout seconds, the rest goes back",
            "to the queue.",
            "",
            "Configuration comes from the environment. Required: CLOUDFLARE_ACCOUNT_ID,",
            "CLOUDFLARE_API_TOKEN, R2_QUEUE_ID, R2_BUCKET, R2_ACCESS_KEY_ID,",
            "R2_SECRET_ACCESS_KEY, ROOTKEY_API_KEY. Optional: CLOUDFLARE_API_BASE_URL,",
            "R2_DLQ_ID, R2_SESSION_TOKEN, R2_JURISDICTION, R2_ENDPOINT, R2_PREFIX,",
            "R2_VISIBILITY_TIMEOUT_SECONDS, ROOTKEY_API_URL, ROOTKEY_MAX_FILE_SIZE_BYTES,",
            "ROOTKEY_ALLOW_INSECURE_LOOPBACK. Every endpoint can point at a staging API or a",
            "local stand-in.",
            "",
            "Logs one line per outcome (rootkey.event.*) and a status line every",
            "--status-interval seconds. With --http-port it serves (GET or HEAD):",
            "  /health/live   200 while the connector's threads run (also while paused)",
            "  /health/ready  200 when UP or DEGRADED; 503 when DOWN or draining;",
            "                 a JSON body with the status and the reason",
            "  /metrics       Prometheus text format (OpenMetrics when asked for)",
            "See docs/DEPLOYING.md for systemd and Kubernetes."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:stopped by a signal; the drain was clean",
            " 1:unexpected error",
            " 2:bad configuration or options, or the HTTP port cannot be bound",
            "75:stopped by a signal; uploads still running at the drain timeout were handed back to the queue "
                + "(redelivered, never acked)"})
final class RunCommand implements Callable<Integer> {
    /** Stopped by a signal after a clean drain. */
    static final int EXIT_OK = 0;
    /** Bad configuration or options. */
    static final int EXIT_USAGE = 2;
    /**
     * Stopped, but the drain timed out: uploads in flight were cut off and handed back for redelivery. sysexits.h's
     * EX_TEMPFAIL ("a temporary failure; the user is invited to retry"): the work is not lost, the queue redelivers it.
     */
    static final int EXIT_DRAIN_TIMED_OUT = 75;

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
            description = "Seconds uploads in flight may take to finish on shutdown (default ${DEFAULT-VALUE}); "
                    + "uploads still running then are handed back to the queue and the exit code is 75.")
    long drainTimeoutSeconds = Connector.DEFAULT_DRAIN_TIMEOUT.toSeconds();

    @Option(names = "--visibility-timeout", paramLabel = "SECONDS",
            description = "Lease of each pulled message, at most 43200; overrides R2_VISIBILITY_TIMEOUT_SECONDS "
                    + "(default 600). It cannot be extended: size it with docs/DEPLOYING.md (largest object, upload "
                    + "rate, concurrency).")
    Long visibilityTimeoutSeconds;

    @Option(names = "--probe-interval", paramLabel = "SECONDS",
            description = "While paused because credentials are refused: seconds between checks whether they work "
                    + "again (default ${DEFAULT-VALUE}). The connector resumes by itself when one passes.")
    long probeIntervalSeconds = Connector.DEFAULT_PROBE_INTERVAL.toSeconds();

    @Option(names = "--http-port", paramLabel = "PORT",
            description = "Serve /health/live, /health/ready and /metrics on this port (0: any free port, logged). "
                    + "Off by default.")
    Integer httpPort;

    @Option(names = "--http-host", paramLabel = "HOST",
            description = "Address the endpoints listen on (default ${DEFAULT-VALUE}: this machine only); 0.0.0.0 "
                    + "for every interface (Kubernetes probes need it).")
    String httpHost = "127.0.0.1";

    RunCommand(Main.Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws InterruptedException {
        Optional<String> badOption = checkOptions();
        if (badOption.isPresent()) {
            cli.err().println(badOption.get());
            return EXIT_USAGE;
        }
        R2ConnectorConfig config;
        try {
            config = R2ConnectorConfig.fromEnvironment(cli.env());
        } catch (ConfigurationException e) {
            cli.err().println("Configuration problems:\n" + e.getMessage());
            return EXIT_USAGE;
        }
        // The engine names its threads after the connector; liveness looks for them by this name.
        String name = "r2-" + config.bucket();
        DrainReport drain = new DrainReport();
        ConnectorMetrics metrics = ConnectorMetrics.forBucket(config.bucket());
        Connector connector;
        try {
            R2Connector.Builder builder = R2Connector.builder().config(config).listener(drain).listener(metrics);
            if (visibilityTimeoutSeconds != null) {
                builder.visibilityTimeout(Duration.ofSeconds(visibilityTimeoutSeconds));
            }
            connector = builder
                    .engine(b -> b.name(name).concurrency(concurrency).batchSize(batchSize)
                            .drainTimeout(Duration.ofSeconds(drainTimeoutSeconds))
                            .probeInterval(Duration.ofSeconds(probeIntervalSeconds)))
                    .build();
        } catch (ConfigurationException | IllegalArgumentException | IllegalStateException e) {
            cli.err().println("Cannot start: " + e.getMessage());
            return EXIT_USAGE;
        }
        ServiceHealth health = new ServiceHealth(connector, name);
        HttpEndpoints endpoints = null;
        if (httpPort != null) {
            try {
                endpoints = serve(health, metrics);
            } catch (IOException | RuntimeException e) {
                connector.close();
                cli.err().println("Cannot serve HTTP on " + httpHost + ":" + httpPort + ": " + e.getMessage()
                        + ": choose another --http-port or --http-host");
                return EXIT_USAGE;
            }
        }
        Stopper stopper = new Stopper(connector, health, endpoints, drain);
        // On SIGTERM/SIGINT/SIGHUP the JVM runs this hook and would then exit with 128 + the signal number (143 for
        // SIGTERM), which systemd counts as a failure. The hook drains, then halts with the drain's exit code:
        // halt() from a hook is allowed (unlike exit(), which would block forever) and ends the JVM with that code.
        Thread hook = new Thread(() -> Runtime.getRuntime().halt(stopper.stop()), "rootkey-connector-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            LOG.info("rootkey.cli.started {}", config);
            connector.start();
            if (endpoints != null) {
                endpoints.start();
                LOG.info("rootkey.cli.http_listening url={} endpoints={}", endpoints.baseUri(),
                        String.join(",", HttpEndpoints.PATHS));
            }
            Clock clock = Clock.systemUTC();
            ConnectorStats previous = connector.stats();
            long previousAt = System.nanoTime();
            while (!stopper.awaitStopped(statusIntervalSeconds)) {
                ConnectorStats now = connector.stats();
                long at = System.nanoTime();
                LOG.info("rootkey.connector.status {}", StatusLine.format(now, previous,
                        Duration.ofNanos(at - previousAt), connector.health(), clock));
                previous = now;
                previousAt = at;
            }
            return stopper.stop();
        } finally {
            stopper.stop(); // drains when we leave by an exception; no-op after a stop
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running (a signal): it ends the process with the exit code
            }
        }
    }

    private Optional<String> checkOptions() {
        if (statusIntervalSeconds < 1) {
            return Optional.of("--status-interval must be at least 1 second, was " + statusIntervalSeconds);
        }
        if (drainTimeoutSeconds < 0 || drainTimeoutSeconds > 3600) {
            return Optional.of("--drain-timeout must be between 0 and 3600 seconds, was " + drainTimeoutSeconds);
        }
        if (visibilityTimeoutSeconds != null && (visibilityTimeoutSeconds < 1
                || visibilityTimeoutSeconds > CloudflareQueueSource.MAX_VISIBILITY_TIMEOUT.toSeconds())) {
            return Optional.of("--visibility-timeout must be between 1 and "
                    + CloudflareQueueSource.MAX_VISIBILITY_TIMEOUT.toSeconds() + " seconds (12 h), was "
                    + visibilityTimeoutSeconds);
        }
        if (probeIntervalSeconds < 1 || probeIntervalSeconds > 3600) {
            return Optional.of("--probe-interval must be between 1 and 3600 seconds, was " + probeIntervalSeconds);
        }
        if (httpPort != null && (httpPort < 0 || httpPort > 65535)) {
            return Optional.of("--http-port must be between 0 and 65535, was " + httpPort);
        }
        if (httpHost.isBlank()) {
            return Optional.of("--http-host must not be blank: use 127.0.0.1 (default) or 0.0.0.0");
        }
        return Optional.empty();
    }

    private HttpEndpoints serve(ServiceHealth health, ConnectorMetrics metrics) throws IOException {
        InetSocketAddress address = new InetSocketAddress(httpHost, httpPort);
        if (address.isUnresolved()) {
            throw new IOException("unknown host");
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics.bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        HttpEndpoints.configureJdkServerLimits();
        return HttpEndpoints.bind(address, health, registry);
    }

    /** Drains once, from the shutdown hook or the main thread, and keeps the exit code. */
    private final class Stopper {
        private final Connector connector;
        private final ServiceHealth health;
        private final HttpEndpoints endpoints; // null without --http-port
        private final DrainReport drain;
        private final CountDownLatch stopped = new CountDownLatch(1);
        private Integer exitCode; // guarded by this

        Stopper(Connector connector, ServiceHealth health, HttpEndpoints endpoints, DrainReport drain) {
            this.connector = connector;
            this.health = health;
            this.endpoints = endpoints;
            this.drain = drain;
        }

        boolean awaitStopped(long seconds) throws InterruptedException {
            return stopped.await(seconds, TimeUnit.SECONDS);
        }

        /** Marks the service draining (readiness 503), closes the connector, then stops serving HTTP. */
        synchronized int stop() {
            if (exitCode != null) {
                return exitCode;
            }
            LOG.info("rootkey.cli.stopping: draining (up to {} s)", drainTimeoutSeconds);
            health.draining();
            connector.close();
            exitCode = drain.exitCode();
            if (exitCode == EXIT_OK) {
                LOG.info("rootkey.cli.stopped exit_code={} handed_back_unstarted={}", exitCode, drain.notStarted());
            } else {
                LOG.warn("rootkey.cli.drain_timed_out exit_code={} cut_off={} handed_back_unstarted={} note=\"uploads "
                        + "still running after --drain-timeout were handed back to the queue for redelivery\"",
                        exitCode, drain.cutOff(), drain.notStarted());
            }
            if (endpoints != null) {
                endpoints.close();
            }
            stopped.countDown();
            return exitCode;
        }
    }
}
