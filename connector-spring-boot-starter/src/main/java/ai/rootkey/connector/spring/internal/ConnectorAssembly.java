package ai.rootkey.connector.spring.internal;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.RetryPolicy;
import ai.rootkey.connector.r2.R2Connector;
import ai.rootkey.connector.r2.R2ConnectorConfig;
import ai.rootkey.connector.spring.InvalidConnectorPropertiesException;
import ai.rootkey.connector.spring.RootkeyConnectorProperties;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns {@link RootkeyConnectorProperties} into a connector: validates them all at once (the same rules as
 * {@link R2ConnectorConfig}, plus the engine's ranges), then builds the R2 connector or, in tests, a connector on the
 * in-memory test kit.
 */
public final class ConnectorAssembly {
    private static final String PREFIX = RootkeyConnectorProperties.PREFIX + ".";

    private ConnectorAssembly() {
    }

    /**
     * The R2 configuration from {@code properties}, after checking every property.
     *
     * @throws ConfigurationException listing every problem, one per line, each naming its property; never a secret
     */
    public static R2ConnectorConfig validate(RootkeyConnectorProperties properties) {
        List<String> problems = new ArrayList<>();
        R2ConnectorConfig config = null;
        try {
            config = R2ConnectorConfig.fromEnvironment(PropertyMapping.asEnvironment(properties));
        } catch (ConfigurationException e) {
            problems.addAll(problemLines(e.getMessage()));
        }
        problems.addAll(applyEngine(Connector.builder(), properties.getEngine(), true));
        throwIfAny(problems);
        return config;
    }

    /**
     * Checks the properties a test-kit connector uses (the engine options, the key prefix and the maximum file size).
     *
     * @throws ConfigurationException listing every problem
     */
    public static void validateForTestKit(RootkeyConnectorProperties properties) {
        List<String> problems = new ArrayList<>(applyEngine(Connector.builder(), properties.getEngine(), false));
        check(problems, "max-file-size", () -> Connector.builder().maxFileSizeBytes(maxFileSizeBytes(properties)));
        check(problems, "r2.prefix", () -> prefixFilter(properties));
        throwIfAny(problems);
    }

    /** Builds the R2 connector (not started) for a validated configuration. */
    public static Connector r2(R2ConnectorConfig config, RootkeyConnectorProperties properties, ConnectorParts parts,
                               Optional<S3Client> s3Client, Optional<HttpClient> httpClient) {
        R2Connector.Builder builder = R2Connector.builder()
                .config(config)
                .checkBucket(properties.getEngine().isCheckBucket());
        s3Client.ifPresent(builder::s3Client);
        httpClient.ifPresent(builder::httpClient);
        parts.filters().forEach(builder::filter);
        parts.listeners().forEach(builder::listener);
        builder.engine(engine -> {
            throwIfAny(applyEngine(engine, properties.getEngine(), true));
            parts.classifier().ifPresent(engine::classifier);
            parts.customizers().forEach(c -> c.customize(engine));
        });
        return builder.build();
    }

    /**
     * Configures a test-kit connector builder ({@code ConnectorTestKit.connectorBuilder()}): the key prefix, the
     * maximum file size, the engine options that are not timings (the kit keeps its fast timings, seed and name),
     * and the application's parts.
     */
    public static Connector.Builder testKit(Connector.Builder builder, RootkeyConnectorProperties properties,
                                            ConnectorParts parts) {
        throwIfAny(applyEngine(builder, properties.getEngine(), false));
        builder.maxFileSizeBytes(maxFileSizeBytes(properties));
        prefixFilter(properties).ifPresent(builder::filter);
        parts.filters().forEach(builder::filter);
        parts.listeners().forEach(builder::listener);
        parts.classifier().ifPresent(builder::classifier);
        parts.customizers().forEach(c -> c.customize(builder));
        return builder;
    }

    /**
     * Applies the engine options to {@code builder}, collecting the problems instead of stopping at the first.
     * {@code timings} includes idle back-off, settlement, probe interval, drain timeout, seed and name.
     */
    static List<String> applyEngine(Connector.Builder builder, RootkeyConnectorProperties.Engine engine,
                                    boolean timings) {
        List<String> problems = new ArrayList<>();
        check(problems, "engine.concurrency", () -> builder.concurrency(engine.getConcurrency()));
        check(problems, "engine.batch-size", () -> builder.batchSize(engine.getBatchSize()));
        RootkeyConnectorProperties.Retry retry = engine.getRetry();
        check(problems, "engine.retry", () -> builder.retryPolicy(new RetryPolicy(retry.getMaxRetries(),
                retry.getInitialDelay(), retry.getMaxDelay(), retry.getMaxRetryAfter())));
        if (timings) {
            RootkeyConnectorProperties.IdleBackoff idle = engine.getIdleBackoff();
            check(problems, "engine.idle-backoff", () -> builder.idleBackoff(idle.getMin(), idle.getMax()));
            RootkeyConnectorProperties.Settle settle = engine.getSettle();
            check(problems, "engine.settle", () -> builder.settleEvery(settle.getBatchSize(), settle.getMaxDelay()));
            check(problems, "engine.drain-timeout", () -> builder.drainTimeout(engine.getDrainTimeout()));
            check(problems, "engine.probe-interval", () -> builder.probeInterval(engine.getProbeInterval()));
            if (engine.getRandomSeed() != null) {
                builder.randomSeed(engine.getRandomSeed());
            }
            if (engine.getName() != null && !engine.getName().isBlank()) {
                check(problems, "engine.name", () -> builder.name(engine.getName()));
            }
        }
        return problems;
    }

    private static long maxFileSizeBytes(RootkeyConnectorProperties properties) {
        if (properties.getMaxFileSize() == null) {
            throw new IllegalArgumentException("must be set");
        }
        return properties.getMaxFileSize().toBytes();
    }

    private static Optional<EventFilter> prefixFilter(RootkeyConnectorProperties properties) {
        String prefix = properties.getR2().getPrefix();
        return prefix == null || prefix.isEmpty() ? Optional.empty() : Optional.of(EventFilter.prefix(prefix));
    }

    private static void check(List<String> problems, String property, Runnable setter) {
        try {
            setter.run();
        } catch (NullPointerException e) {
            problems.add(PREFIX + property + " must be set");
        } catch (IllegalArgumentException | IllegalStateException e) {
            problems.add(PREFIX + property + ": " + e.getMessage());
        }
    }

    /** The problem lines of an {@code R2ConnectorConfig} message, with property names instead of variables. */
    private static List<String> problemLines(String message) {
        List<String> lines = new ArrayList<>();
        String[] split = message.split("\\R");
        for (int i = split.length > 1 ? 1 : 0; i < split.length; i++) {
            String line = split[i].strip();
            if (!line.isEmpty()) {
                lines.add(PropertyMapping.toPropertyNames(line));
            }
        }
        return lines;
    }

    private static void throwIfAny(List<String> problems) {
        if (!problems.isEmpty()) {
            throw new InvalidConnectorPropertiesException(problems);
        }
    }
}
