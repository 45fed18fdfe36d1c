package ai.rootkey.connector.r2;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.r2.internal.Endpoints;
import ai.rootkey.connector.r2.internal.OwningConnector;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Wires the connector for one R2 bucket: {@link CloudflareQueueSource} for the bucket's event queue,
 * {@link R2ObjectReader} for its objects, {@link RootkeyAnchorer} for the ROOTKey upload API, and the engine with
 * the bucket check, the key prefix filter and the maximum file size from the configuration.
 *
 * <pre>{@code
 * try (Connector connector = R2Connector.builder()
 *         .config(R2ConnectorConfig.fromEnvironment())
 *         .filter(EventFilter.suffix(".pdf"))
 *         .start()) {
 *     ... // runs until closed
 * }
 * }</pre>
 *
 * <p>The returned connector owns the clients it built and closes them after draining; clients passed in with
 * {@link Builder#s3Client(S3Client)} or {@link Builder#httpClient(HttpClient)} stay open. The upload to the ROOTKey
 * API always runs on the client {@link RootkeyAnchorer} builds (it must write header values as UTF-8); tune it with
 * {@link Builder#rootkeyApi}.
 */
public final class R2Connector {
    private R2Connector() {
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures an R2 connector. Not thread-safe. */
    public static final class Builder {
        private R2ConnectorConfig config;
        private final List<Consumer<Connector.Builder>> engineSettings = new ArrayList<>();
        private S3Client s3Client;
        private HttpClient httpClient;
        private boolean checkBucket = true;
        private Duration visibilityTimeout;
        private Function<R2ObjectReader, EventSource> sourceFactory;
        private Consumer<RootkeyAnchorer.Builder> anchorerSettings = b -> { };

        private Builder() {
        }

        /** Where everything is: account, queue, bucket, credentials, endpoints. Required. */
        public Builder config(R2ConnectorConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /**
         * Shorthand for {@code config(R2ConnectorConfig.fromEnvironment())}.
         *
         * @throws ai.rootkey.connector.ConfigurationException listing every missing or invalid variable
         */
        public Builder fromEnvironment() {
            return config(R2ConnectorConfig.fromEnvironment());
        }

        /** Adds a filter (see {@link Connector.Builder#filter(EventFilter)}). */
        public Builder filter(EventFilter filter) {
            Objects.requireNonNull(filter, "filter");
            engineSettings.add(b -> b.filter(filter));
            return this;
        }

        /** Adds a listener (see {@link Connector.Builder#listener(ConnectorListener)}). */
        public Builder listener(ConnectorListener listener) {
            Objects.requireNonNull(listener, "listener");
            engineSettings.add(b -> b.listener(listener));
            return this;
        }

        /** Any other engine setting (concurrency, batch size, retry policy, drain timeout, ...), applied last. */
        public Builder engine(Consumer<Connector.Builder> settings) {
            engineSettings.add(Objects.requireNonNull(settings, "settings"));
            return this;
        }

        /** Use this client for R2 instead of building one; the connector does not close it. */
        public Builder s3Client(S3Client s3Client) {
            this.s3Client = Objects.requireNonNull(s3Client, "s3Client");
            return this;
        }

        /**
         * Use this client for the Cloudflare Queues API instead of building one; the connector does not close it. It
         * must not follow redirects: a redirect would carry the token to another host. The ROOTKey upload does not
         * use it: {@code java.net.http} cannot send a non-ASCII object key as its UTF-8 bytes (see
         * {@link RootkeyAnchorer}); set the upload's proxy or TLS context with {@link #rootkeyApi}.
         *
         * @throws IllegalArgumentException when the client follows redirects
         */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = Endpoints.requireNoRedirects(httpClient, "httpClient");
            return this;
        }

        /**
         * Further settings of the ROOTKey upload client (proxy, TLS context, timeouts), applied after the API URL,
         * key and loopback switch from the configuration.
         */
        public Builder rootkeyApi(Consumer<RootkeyAnchorer.Builder> settings) {
            this.anchorerSettings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /** Whether events for a bucket other than the configured one are terminal failures. Default true. */
        public Builder checkBucket(boolean check) {
            this.checkBucket = check;
            return this;
        }

        /**
         * How long a pulled message stays leased, overriding the configuration's
         * ({@link R2ConnectorConfig#visibilityTimeout()}, {@code R2_VISIBILITY_TIMEOUT_SECONDS}, default 10 minutes).
         * It must cover the upload of the largest file, since a lease cannot be extended.
         */
        public Builder visibilityTimeout(Duration visibilityTimeout) {
            this.visibilityTimeout = Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
            return this;
        }

        /** For {@link Backfill}: events come from this source (made with the connector's reader), not the queue. */
        Builder source(Function<R2ObjectReader, EventSource> factory) {
            this.sourceFactory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /**
         * Builds the connector, not yet started.
         *
         * @throws IllegalStateException                      without a configuration
         * @throws ai.rootkey.connector.ConfigurationException when an endpoint breaks the https rule
         */
        public Connector build() {
            if (config == null) {
                throw new IllegalStateException("no configuration: call config(R2ConnectorConfig.fromEnvironment()) "
                        + "or config(R2ConnectorConfig.builder()...build())");
            }
            List<AutoCloseable> built = new ArrayList<>(3);
            try {
                CloudflareQueueSource.Builder source = CloudflareQueueSource.builder()
                        .accountId(config.accountId())
                        .queueId(config.queueId())
                        .apiToken(config.apiToken())
                        .baseUrl(config.apiBaseUrl())
                        .allowInsecureLoopbackForTesting(config.allowInsecureLoopback())
                        .visibilityTimeout(visibilityTimeout != null ? visibilityTimeout : config.visibilityTimeout());
                RootkeyAnchorer.Builder anchorer = RootkeyAnchorer.builder()
                        .apiKey(config.rootkeyApiKey())
                        .apiUrl(config.rootkeyApiUrl())
                        .allowInsecureLoopbackForTesting(config.allowInsecureLoopback());
                anchorerSettings.accept(anchorer);
                if (httpClient != null) {
                    source.httpClient(httpClient);
                }
                R2ObjectReader reader = track(built, s3Client != null
                        ? R2ObjectReader.builder().s3Client(s3Client).build()
                        : R2ObjectReader.builder().config(config).build());
                EventSource queue = track(built, sourceFactory != null ? sourceFactory.apply(reader) : source.build());
                RootkeyAnchorer api = track(built, anchorer.build());

                Connector.Builder engine = Connector.builder()
                        .source(queue)
                        .reader(reader)
                        .anchorer(api)
                        .maxFileSizeBytes(config.maxFileSizeBytes())
                        .name("r2-" + config.bucket());
                if (checkBucket) {
                    engine.bucket(config.bucket());
                }
                config.prefix().ifPresent(prefix -> engine.filter(EventFilter.prefix(prefix)));
                engineSettings.forEach(settings -> settings.accept(engine));
                return new OwningConnector(engine.build(), built);
            } catch (RuntimeException e) {
                OwningConnector.closeAll(built);
                throw e;
            }
        }

        /** {@link #build()} then {@link Connector#start()}. */
        public Connector start() {
            return build().start();
        }

        private static <T extends AutoCloseable> T track(List<AutoCloseable> built, T part) {
            built.add(part);
            return part;
        }
    }
}
