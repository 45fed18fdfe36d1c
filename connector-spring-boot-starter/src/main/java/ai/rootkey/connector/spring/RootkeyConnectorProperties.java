package ai.rootkey.connector.spring;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DataSizeUnit;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.unit.DataSize;
import org.springframework.util.unit.DataUnit;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

/**
 * The {@code rootkey.connector.*} properties: every environment variable of
 * {@link ai.rootkey.connector.r2.R2ConnectorConfig#fromEnvironment()} and every engine option, bound with Spring
 * Boot's relaxed binding (so {@code ROOTKEY_CONNECTOR_R2_BUCKET} sets {@code rootkey.connector.r2.bucket}).
 *
 * <p>The naming rule: drop {@code ROOTKEY_} from a variable, or put {@code CLOUDFLARE_} and {@code R2_} variables
 * in their group: {@code CLOUDFLARE_API_TOKEN} is {@code rootkey.connector.cloudflare.api-token},
 * {@code R2_SECRET_ACCESS_KEY} is {@code rootkey.connector.r2.secret-access-key}, {@code ROOTKEY_API_KEY} is
 * {@code rootkey.connector.api-key}. The values are checked by the same rules as {@code R2ConnectorConfig} when
 * the application starts; every problem is reported at once, naming the property. The secrets
 * ({@code api-key}, {@code cloudflare.api-token}, {@code r2.secret-access-key}) are masked by Actuator's
 * {@code env} and {@code configprops} endpoints.
 *
 * <p>A mutable bean, as {@code @ConfigurationProperties} classes are; not thread-safe while being bound.
 */
@ConfigurationProperties(prefix = RootkeyConnectorProperties.PREFIX)
public class RootkeyConnectorProperties {
    /** The prefix of every property. */
    public static final String PREFIX = "rootkey.connector";

    /**
     * Whether to auto-configure and run the connector.
     */
    private boolean enabled = true;

    /**
     * The ROOTKey API URL (ROOTKEY_API_URL). https; plain http only to a loopback host with allow-insecure-loopback.
     * Default https://api.rootkey.ai.
     */
    private String apiUrl;

    /**
     * The ROOTKey connector API key (ROOTKEY_API_KEY), sent as x-api-key. Required. Secret: never logged, masked by
     * Actuator.
     */
    private String apiKey;

    /**
     * The largest object anchored (ROOTKEY_MAX_FILE_SIZE_BYTES): a number of bytes or a size such as 500MB; 1 byte
     * to 5TB. Larger objects are terminal failures (oversize).
     */
    @DataSizeUnit(DataUnit.BYTES)
    private DataSize maxFileSize = DataSize.ofMegabytes(500);

    /**
     * Whether plain http is allowed to loopback hosts (127.0.0.0/8, ::1, localhost) only, for local stand-ins and
     * tests (ROOTKEY_ALLOW_INSECURE_LOOPBACK). Every other URL must be https.
     */
    private boolean allowInsecureLoopback = false;

    private final Cloudflare cloudflare = new Cloudflare();

    private final R2 r2 = new R2();

    private final Engine engine = new Engine();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getApiUrl() {
        return apiUrl;
    }

    public void setApiUrl(String apiUrl) {
        this.apiUrl = apiUrl;
    }

    public String getApiKey() {
        return apiKey;
    }

    public void setApiKey(String apiKey) {
        this.apiKey = apiKey;
    }

    public DataSize getMaxFileSize() {
        return maxFileSize;
    }

    public void setMaxFileSize(DataSize maxFileSize) {
        this.maxFileSize = maxFileSize;
    }

    public boolean isAllowInsecureLoopback() {
        return allowInsecureLoopback;
    }

    public void setAllowInsecureLoopback(boolean allowInsecureLoopback) {
        this.allowInsecureLoopback = allowInsecureLoopback;
    }

    public Cloudflare getCloudflare() {
        return cloudflare;
    }

    public R2 getR2() {
        return r2;
    }

    public Engine getEngine() {
        return engine;
    }

    /** The Cloudflare account and its Queues API ({@code CLOUDFLARE_*}). */
    public static class Cloudflare {
        /**
         * The Cloudflare account id (CLOUDFLARE_ACCOUNT_ID): 32 lowercase hex characters. Required.
         */
        private String accountId;

        /**
         * The Cloudflare API token with Queues read and write (CLOUDFLARE_API_TOKEN). Required. Secret: never
         * logged, masked by Actuator.
         */
        private String apiToken;

        /**
         * The Cloudflare API base URL (CLOUDFLARE_API_BASE_URL). https; plain http only to a loopback host with
         * allow-insecure-loopback. Default https://api.cloudflare.com/client/v4.
         */
        private String apiBaseUrl;

        public String getAccountId() {
            return accountId;
        }

        public void setAccountId(String accountId) {
            this.accountId = accountId;
        }

        public String getApiToken() {
            return apiToken;
        }

        public void setApiToken(String apiToken) {
            this.apiToken = apiToken;
        }

        public String getApiBaseUrl() {
            return apiBaseUrl;
        }

        public void setApiBaseUrl(String apiBaseUrl) {
            this.apiBaseUrl = apiBaseUrl;
        }
    }

    /** The R2 bucket, its event queue and its S3 credentials ({@code R2_*}). */
    public static class R2 {
        /**
         * The id of the queue R2 sends the bucket's events to (R2_QUEUE_ID): 32 lowercase hex characters, not the
         * queue's name. Required.
         */
        private String queueId;

        /**
         * The id of the dead-letter queue (R2_DLQ_ID), for the operator tools.
         */
        private String dlqId;

        /**
         * The bucket to anchor from (R2_BUCKET). Events for other buckets are terminal failures. Required.
         */
        private String bucket;

        /**
         * The R2 API token's access key id (R2_ACCESS_KEY_ID). Required.
         */
        private String accessKeyId;

        /**
         * The R2 API token's secret access key (R2_SECRET_ACCESS_KEY), only used to sign requests. Required.
         * Secret: never logged, masked by Actuator.
         */
        private String secretAccessKey;

        /**
         * The session token of temporary R2 credentials (R2_SESSION_TOKEN), sent with each signed request. Optional.
         * Secret: never logged, masked by Actuator.
         */
        private String sessionToken;

        /**
         * The bucket's jurisdiction (R2_JURISDICTION): eu, fedramp or us. Not together with endpoint.
         */
        private String jurisdiction;

        /**
         * An S3-compatible endpoint replacing the account's R2 endpoint (R2_ENDPOINT), e.g. MinIO or S3Proxy.
         * Default https://&lt;account-id&gt;.r2.cloudflarestorage.com.
         */
        private String endpoint;

        /**
         * Only keys starting with this prefix are anchored (R2_PREFIX); others are acknowledged as skipped.
         */
        private String prefix;

        /**
         * How long a pulled message stays leased (R2_VISIBILITY_TIMEOUT_SECONDS). It must cover the wait in the
         * connector plus the upload of the largest file: a lease cannot be extended. Whole seconds between 1s and
         * 12h; a number without unit is seconds. Unset: 10 minutes.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration visibilityTimeout;

        public String getQueueId() {
            return queueId;
        }

        public void setQueueId(String queueId) {
            this.queueId = queueId;
        }

        public String getDlqId() {
            return dlqId;
        }

        public void setDlqId(String dlqId) {
            this.dlqId = dlqId;
        }

        public String getBucket() {
            return bucket;
        }

        public void setBucket(String bucket) {
            this.bucket = bucket;
        }

        public String getAccessKeyId() {
            return accessKeyId;
        }

        public void setAccessKeyId(String accessKeyId) {
            this.accessKeyId = accessKeyId;
        }

        public String getSecretAccessKey() {
            return secretAccessKey;
        }

        public void setSecretAccessKey(String secretAccessKey) {
            this.secretAccessKey = secretAccessKey;
        }

        public String getSessionToken() {
            return sessionToken;
        }

        public void setSessionToken(String sessionToken) {
            this.sessionToken = sessionToken;
        }

        public String getJurisdiction() {
            return jurisdiction;
        }

        public void setJurisdiction(String jurisdiction) {
            this.jurisdiction = jurisdiction;
        }

        public String getEndpoint() {
            return endpoint;
        }

        public void setEndpoint(String endpoint) {
            this.endpoint = endpoint;
        }

        public String getPrefix() {
            return prefix;
        }

        public void setPrefix(String prefix) {
            this.prefix = prefix;
        }

        public Duration getVisibilityTimeout() {
            return visibilityTimeout;
        }

        public void setVisibilityTimeout(Duration visibilityTimeout) {
            this.visibilityTimeout = visibilityTimeout;
        }
    }

    /** The engine options of {@code Connector.Builder}; the defaults are the engine's. */
    public static class Engine {
        /**
         * Objects processed at once, 1 to 1024.
         */
        private int concurrency = 16;

        /**
         * Messages asked for per pull, 1 to 100. At most concurrency + batch-size messages are leased and not yet
         * decided; with more workers than a batch, up to concurrency + min(concurrency, 8 × batch-size), pulled
         * ahead by up to eight pulls at once.
         */
        private int batchSize = 25;

        /**
         * How long shutdown lets uploads in flight finish before handing the rest back to the queue. Keep it below
         * spring.lifecycle.timeout-per-shutdown-phase (30s by default) so the drain ends inside Boot's graceful
         * shutdown phase.
         */
        private Duration drainTimeout = Duration.ofSeconds(30);

        /**
         * How often a paused connector (credentials refused) checks whether they work again.
         */
        private Duration probeInterval = Duration.ofSeconds(15);

        /**
         * Whether events naming another bucket than r2.bucket are terminal failures (foreign_bucket).
         */
        private boolean checkBucket = true;

        /**
         * A seed for the retry jitter, for reproducible runs. Default: unseeded.
         */
        private Long randomSeed;

        /**
         * A name for the connector's threads and log lines. Default r2-&lt;bucket&gt;.
         */
        private String name;

        private final Retry retry = new Retry();

        private final IdleBackoff idleBackoff = new IdleBackoff();

        private final Settle settle = new Settle();

        public int getConcurrency() {
            return concurrency;
        }

        public void setConcurrency(int concurrency) {
            this.concurrency = concurrency;
        }

        public int getBatchSize() {
            return batchSize;
        }

        public void setBatchSize(int batchSize) {
            this.batchSize = batchSize;
        }

        public Duration getDrainTimeout() {
            return drainTimeout;
        }

        public void setDrainTimeout(Duration drainTimeout) {
            this.drainTimeout = drainTimeout;
        }

        public Duration getProbeInterval() {
            return probeInterval;
        }

        public void setProbeInterval(Duration probeInterval) {
            this.probeInterval = probeInterval;
        }

        public boolean isCheckBucket() {
            return checkBucket;
        }

        public void setCheckBucket(boolean checkBucket) {
            this.checkBucket = checkBucket;
        }

        public Long getRandomSeed() {
            return randomSeed;
        }

        public void setRandomSeed(Long randomSeed) {
            this.randomSeed = randomSeed;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public Retry getRetry() {
            return retry;
        }

        public IdleBackoff getIdleBackoff() {
            return idleBackoff;
        }

        public Settle getSettle() {
            return settle;
        }
    }

    /** Retries: exponential back-off with full jitter; a server's Retry-After wins up to a cap. */
    public static class Retry {
        /**
         * The queue consumer's max_retries (0 to 100): a message is delivered up to max-retries + 1 times. The
         * connector reads the consumer's setting at start and uses this value only where the token may not read it.
         */
        private int maxRetries = 5;

        /**
         * The ceiling of the first retry delay; it doubles per attempt.
         */
        private Duration initialDelay = Duration.ofSeconds(10);

        /**
         * The largest retry delay.
         */
        private Duration maxDelay = Duration.ofMinutes(15);

        /**
         * The longest Retry-After honoured.
         */
        private Duration maxRetryAfter = Duration.ofHours(12);

        public int getMaxRetries() {
            return maxRetries;
        }

        public void setMaxRetries(int maxRetries) {
            this.maxRetries = maxRetries;
        }

        public Duration getInitialDelay() {
            return initialDelay;
        }

        public void setInitialDelay(Duration initialDelay) {
            this.initialDelay = initialDelay;
        }

        public Duration getMaxDelay() {
            return maxDelay;
        }

        public void setMaxDelay(Duration maxDelay) {
            this.maxDelay = maxDelay;
        }

        public Duration getMaxRetryAfter() {
            return maxRetryAfter;
        }

        public void setMaxRetryAfter(Duration maxRetryAfter) {
            this.maxRetryAfter = maxRetryAfter;
        }
    }

    /** The wait between empty pulls: starts at min, doubles up to max. */
    public static class IdleBackoff {
        /**
         * The first wait after an empty pull.
         */
        private Duration min = Duration.ofMillis(100);

        /**
         * The longest wait between empty pulls.
         */
        private Duration max = Duration.ofSeconds(5);

        public Duration getMin() {
            return min;
        }

        public void setMin(Duration min) {
            this.min = min;
        }

        public Duration getMax() {
            return max;
        }

        public void setMax(Duration max) {
            this.max = max;
        }
    }

    /** Acknowledgement batching. */
    public static class Settle {
        /**
         * Acknowledgements are sent when this many are pending (1 to 1000)...
         */
        private int batchSize = 50;

        /**
         * ...or when the oldest has waited this long.
         */
        private Duration maxDelay = Duration.ofMillis(200);

        public int getBatchSize() {
            return batchSize;
        }

        public void setBatchSize(int batchSize) {
            this.batchSize = batchSize;
        }

        public Duration getMaxDelay() {
            return maxDelay;
        }

        public void setMaxDelay(Duration maxDelay) {
            this.maxDelay = maxDelay;
        }
    }
}
