package ai.rootkey.connector.r2;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.r2.internal.CloudflareApi;
import ai.rootkey.connector.r2.internal.CloudflareIds;
import ai.rootkey.connector.r2.internal.Endpoints;
import ai.rootkey.connector.LogSafe;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * Every setting of an R2 connector (DESIGN 6.5), validated: the Cloudflare account and Queues API, the R2 bucket and
 * its S3 credentials, and the ROOTKey API. Immutable and thread-safe; {@link #toString()} redacts the secrets.
 *
 * <pre>{@code
 * R2ConnectorConfig config = R2ConnectorConfig.fromEnvironment();   // fails listing every problem at once
 * R2ObjectReader reader = R2ObjectReader.builder().config(config).build();
 * }</pre>
 *
 * <p>Environment variables: {@code CLOUDFLARE_ACCOUNT_ID}, {@code CLOUDFLARE_API_TOKEN}, {@code R2_QUEUE_ID},
 * {@code R2_BUCKET}, {@code R2_ACCESS_KEY_ID}, {@code R2_SECRET_ACCESS_KEY} and {@code ROOTKEY_API_KEY} are required;
 * {@code CLOUDFLARE_API_BASE_URL}, {@code R2_DLQ_ID}, {@code R2_SESSION_TOKEN}, {@code R2_JURISDICTION},
 * {@code R2_ENDPOINT}, {@code R2_PREFIX}, {@code R2_VISIBILITY_TIMEOUT_SECONDS}, {@code ROOTKEY_API_URL},
 * {@code ROOTKEY_MAX_FILE_SIZE_BYTES} and {@code ROOTKEY_ALLOW_INSECURE_LOOPBACK} are optional. A blank value counts
 * as unset. Every URL must be https; plain http is accepted only to a loopback host and only with
 * {@code ROOTKEY_ALLOW_INSECURE_LOOPBACK=true}.
 *
 * <p>Coming from the R2 Worker: its variable names are accepted where ours differ. {@code MAX_FILE_SIZE_BYTES}
 * (the Worker's, {@code ROOT-Key/rootkey-connectors} {@code r2/worker/src/config.ts}) is read as
 * {@code ROOTKEY_MAX_FILE_SIZE_BYTES}, by the same rule (whole bytes, 1 to 5 TiB); both set to different values is a
 * problem naming both. {@code ROOTKEY_API_URL} and {@code ROOTKEY_API_KEY} have the same names in both.
 */
public final class R2ConnectorConfig {
    /** The Cloudflare API base URL used when {@code CLOUDFLARE_API_BASE_URL} is not set. */
    public static final URI DEFAULT_API_BASE_URL = URI.create(CloudflareApi.DEFAULT_BASE_URL);
    /** The ROOTKey API URL used when {@code ROOTKEY_API_URL} is not set. */
    public static final URI DEFAULT_ROOTKEY_API_URL = URI.create("https://api.rootkey.ai");
    /** The largest object anchored when {@code ROOTKEY_MAX_FILE_SIZE_BYTES} is not set: 500 MiB, as the Worker. */
    public static final long DEFAULT_MAX_FILE_SIZE_BYTES = Connector.DEFAULT_MAX_FILE_SIZE_BYTES;
    /**
     * How long a pulled message stays leased when {@code R2_VISIBILITY_TIMEOUT_SECONDS} is not set: 10 minutes, long
     * enough to upload 500 MiB at under 1 MiB/s. A lease cannot be extended.
     */
    public static final Duration DEFAULT_VISIBILITY_TIMEOUT = CloudflareQueueSource.DEFAULT_VISIBILITY_TIMEOUT;
    /** The longest lease Cloudflare grants: 12 hours. */
    public static final Duration MAX_VISIBILITY_TIMEOUT = CloudflareQueueSource.MAX_VISIBILITY_TIMEOUT;

    private static final Pattern BUCKET = Pattern.compile("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$");
    private static final Pattern DIGITS = Pattern.compile("^[0-9]{1,19}$");
    private static final int MAX_PREFIX_BYTES = 1024;

    /** The settings, by environment variable and by builder method. */
    private enum Setting {
        ACCOUNT_ID("CLOUDFLARE_ACCOUNT_ID", "accountId", true),
        API_TOKEN("CLOUDFLARE_API_TOKEN", "apiToken", true),
        API_BASE_URL("CLOUDFLARE_API_BASE_URL", "apiBaseUrl", false),
        QUEUE_ID("R2_QUEUE_ID", "queueId", true),
        DLQ_ID("R2_DLQ_ID", "dlqId", false),
        BUCKET("R2_BUCKET", "bucket", true),
        ACCESS_KEY_ID("R2_ACCESS_KEY_ID", "accessKeyId", true),
        SECRET_ACCESS_KEY("R2_SECRET_ACCESS_KEY", "secretAccessKey", true),
        SESSION_TOKEN("R2_SESSION_TOKEN", "sessionToken", false),
        JURISDICTION("R2_JURISDICTION", "jurisdiction", false),
        R2_ENDPOINT("R2_ENDPOINT", "r2Endpoint", false),
        PREFIX("R2_PREFIX", "prefix", false),
        VISIBILITY_TIMEOUT("R2_VISIBILITY_TIMEOUT_SECONDS", "visibilityTimeout", false),
        ROOTKEY_API_URL("ROOTKEY_API_URL", "rootkeyApiUrl", false),
        ROOTKEY_API_KEY("ROOTKEY_API_KEY", "rootkeyApiKey", true),
        MAX_FILE_SIZE_BYTES("ROOTKEY_MAX_FILE_SIZE_BYTES", "maxFileSizeBytes", false),
        /** The R2 Worker's name for {@link #MAX_FILE_SIZE_BYTES} ({@code r2/worker/src/config.ts}), accepted too. */
        WORKER_MAX_FILE_SIZE_BYTES("MAX_FILE_SIZE_BYTES", "maxFileSizeBytes", false),
        ALLOW_INSECURE_LOOPBACK("ROOTKEY_ALLOW_INSECURE_LOOPBACK", "allowInsecureLoopback", false);

        final String env;
        final String property;
        final boolean required;

        Setting(String env, String property, boolean required) {
            this.env = env;
            this.property = property;
            this.required = required;
        }

        String name(boolean fromEnv) {
            return fromEnv ? env : property;
        }
    }

    private final String accountId;
    private final Secret apiToken;
    private final URI apiBaseUrl;
    private final String queueId;
    private final Optional<String> dlqId;
    private final String bucket;
    private final String accessKeyId;
    private final Secret secretAccessKey;
    private final Optional<Secret> sessionToken;
    private final Optional<Jurisdiction> jurisdiction;
    private final Optional<URI> r2Endpoint;
    private final Optional<String> prefix;
    private final Duration visibilityTimeout;
    private final URI rootkeyApiUrl;
    private final Secret rootkeyApiKey;
    private final long maxFileSizeBytes;
    private final boolean allowInsecureLoopback;

    private R2ConnectorConfig(Builder b) {
        this.accountId = b.accountId;
        this.apiToken = b.apiToken;
        this.apiBaseUrl = b.apiBaseUrl != null ? b.apiBaseUrl : DEFAULT_API_BASE_URL;
        this.queueId = b.queueId;
        this.dlqId = Optional.ofNullable(b.dlqId);
        this.bucket = b.bucket;
        this.accessKeyId = b.accessKeyId;
        this.secretAccessKey = b.secretAccessKey;
        this.sessionToken = Optional.ofNullable(b.sessionToken);
        this.jurisdiction = Optional.ofNullable(b.jurisdiction);
        this.r2Endpoint = Optional.ofNullable(b.r2Endpoint);
        this.prefix = Optional.ofNullable(b.prefix);
        this.visibilityTimeout = b.visibilityTimeout;
        this.rootkeyApiUrl = b.rootkeyApiUrl != null ? b.rootkeyApiUrl : DEFAULT_ROOTKEY_API_URL;
        this.rootkeyApiKey = b.rootkeyApiKey;
        this.maxFileSizeBytes = b.maxFileSizeBytes;
        this.allowInsecureLoopback = b.allowInsecureLoopback;
    }

    /** A new builder, for configuration that does not come from the environment. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The configuration from this process's environment variables.
     *
     * @throws ConfigurationException listing every problem, one per line, naming each variable; never a secret value
     */
    public static R2ConnectorConfig fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * The configuration from {@code env} (variable name to value), as {@link #fromEnvironment()} reads it.
     *
     * @throws ConfigurationException listing every problem, one per line, naming each variable; never a secret value
     */
    public static R2ConnectorConfig fromEnvironment(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        Builder b = new Builder();
        List<String> problems = new ArrayList<>();
        Set<Setting> invalid = EnumSet.noneOf(Setting.class);
        EnvReader read = new EnvReader(env, problems, invalid);
        read.apply(Setting.ACCOUNT_ID, (v, name) -> b.accountId = CloudflareIds.requireAccountId(v, name));
        read.apply(Setting.API_TOKEN, (v, name) -> b.apiToken = checkSecret(v, name));
        read.apply(Setting.API_BASE_URL, (v, name) -> b.apiBaseUrl = parseUrl(v, name));
        read.apply(Setting.QUEUE_ID, (v, name) -> b.queueId = CloudflareIds.requireQueueId(v, name));
        read.apply(Setting.DLQ_ID, (v, name) -> b.dlqId = CloudflareIds.requireQueueId(v, name));
        read.apply(Setting.BUCKET, (v, name) -> b.bucket = checkBucket(v, name));
        read.apply(Setting.ACCESS_KEY_ID, (v, name) -> b.accessKeyId = checkCredentialText(v, name));
        read.apply(Setting.SECRET_ACCESS_KEY, (v, name) -> b.secretAccessKey = checkSecret(v, name));
        read.apply(Setting.SESSION_TOKEN, (v, name) -> b.sessionToken = checkSecret(v, name));
        read.apply(Setting.JURISDICTION, (v, name) -> b.jurisdiction = checkJurisdiction(v, name));
        read.apply(Setting.R2_ENDPOINT, (v, name) -> b.r2Endpoint = parseUrl(v, name));
        read.apply(Setting.PREFIX, (v, name) -> b.prefix = checkPrefix(v, name));
        read.apply(Setting.VISIBILITY_TIMEOUT, (v, name) -> b.visibilityTimeout = parseVisibilityTimeout(v, name));
        read.apply(Setting.ROOTKEY_API_URL, (v, name) -> b.rootkeyApiUrl = parseUrl(v, name));
        read.apply(Setting.ROOTKEY_API_KEY, (v, name) -> b.rootkeyApiKey = checkSecret(v, name));
        long[] sizes = {-1, -1}; // ROOTKEY_MAX_FILE_SIZE_BYTES, MAX_FILE_SIZE_BYTES as parsed
        read.apply(Setting.MAX_FILE_SIZE_BYTES, (v, name) -> sizes[0] = parseMaxFileSize(v, name));
        read.apply(Setting.WORKER_MAX_FILE_SIZE_BYTES, (v, name) -> sizes[1] = parseMaxFileSize(v, name));
        if (sizes[0] > 0 && sizes[1] > 0 && sizes[0] != sizes[1]) {
            problems.add(Setting.MAX_FILE_SIZE_BYTES.env + " (" + sizes[0] + ") and "
                    + Setting.WORKER_MAX_FILE_SIZE_BYTES.env + " (" + sizes[1] + ", the R2 Worker's name for it) are "
                    + "both set, to different values: unset one");
        } else if (sizes[0] > 0 || sizes[1] > 0) {
            b.maxFileSizeBytes = sizes[0] > 0 ? sizes[0] : sizes[1];
        }
        read.apply(Setting.ALLOW_INSECURE_LOOPBACK, (v, name) -> b.allowInsecureLoopback = parseBoolean(v, name));
        problems.addAll(b.problems(true, invalid));
        if (!problems.isEmpty()) {
            throw new ConfigurationException("the connector configuration has " + problems.size()
                    + (problems.size() == 1 ? " problem:" : " problems:") + System.lineSeparator() + "  "
                    + String.join(System.lineSeparator() + "  ", problems));
        }
        return new R2ConnectorConfig(b);
    }

    /**
     * True when this process's environment sets any Cloudflare or R2 variable ({@code CLOUDFLARE_*}, {@code R2_*}):
     * the user means to run against Cloudflare, so a runnable should read {@link #fromEnvironment()} (and report its
     * problems) rather than fall back to a local demo.
     */
    public static boolean isConfigured() {
        return isConfigured(System.getenv());
    }

    /** {@link #isConfigured()} for the given variables. */
    public static boolean isConfigured(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        for (Setting s : Setting.values()) {
            if ((s.env.startsWith("CLOUDFLARE_") || s.env.startsWith("R2_")) && !isBlank(env.get(s.env))) {
                return true;
            }
        }
        return false;
    }

    /** The Cloudflare account id, 32 lowercase hex characters. */
    public String accountId() {
        return accountId;
    }

    /** The Cloudflare API token (Queues read and write). */
    public Secret apiToken() {
        return apiToken;
    }

    /** The Cloudflare API base URL; default {@link #DEFAULT_API_BASE_URL}. */
    public URI apiBaseUrl() {
        return apiBaseUrl;
    }

    /** The id of the queue R2 sends the bucket's events to. */
    public String queueId() {
        return queueId;
    }

    /** The id of the dead-letter queue, when set. */
    public Optional<String> dlqId() {
        return dlqId;
    }

    /** The bucket to anchor from. */
    public String bucket() {
        return bucket;
    }

    /** The R2 access key id. */
    public String accessKeyId() {
        return accessKeyId;
    }

    /** The R2 secret access key. */
    public Secret secretAccessKey() {
        return secretAccessKey;
    }

    /**
     * The session token of temporary R2 credentials (an STS-style token that comes with a temporary access key id and
     * secret), when set; signed requests then carry it. A secret: never logged.
     */
    public Optional<Secret> sessionToken() {
        return sessionToken;
    }

    /** The bucket's jurisdiction, when it has one. */
    public Optional<Jurisdiction> jurisdiction() {
        return jurisdiction;
    }

    /** An explicit S3 endpoint replacing the one derived from the account and jurisdiction, when set. */
    public Optional<URI> r2Endpoint() {
        return r2Endpoint;
    }

    /** The S3 endpoint the bucket is read from: {@link #r2Endpoint()}, or the account's (and jurisdiction's) R2 one. */
    public URI objectStoreEndpoint() {
        return r2Endpoint.orElseGet(() -> jurisdiction
                .map(j -> R2ObjectReader.endpointFor(accountId, j))
                .orElseGet(() -> R2ObjectReader.endpointFor(accountId)));
    }

    /** Only keys starting with this prefix are anchored, when set. */
    public Optional<String> prefix() {
        return prefix;
    }

    /**
     * How long a pulled message stays leased; default {@link #DEFAULT_VISIBILITY_TIMEOUT}. It must cover the wait in
     * the connector plus the upload of the largest file: a lease cannot be extended.
     */
    public Duration visibilityTimeout() {
        return visibilityTimeout;
    }

    /** The ROOTKey API URL; default {@link #DEFAULT_ROOTKEY_API_URL}. */
    public URI rootkeyApiUrl() {
        return rootkeyApiUrl;
    }

    /** The ROOTKey connector API key. */
    public Secret rootkeyApiKey() {
        return rootkeyApiKey;
    }

    /** The largest object anchored, in bytes; default {@value #DEFAULT_MAX_FILE_SIZE_BYTES}. */
    public long maxFileSizeBytes() {
        return maxFileSizeBytes;
    }

    /** True when plain http to loopback hosts is allowed (local stand-ins and tests only). */
    public boolean allowInsecureLoopback() {
        return allowInsecureLoopback;
    }

    /** Every setting, secrets redacted. */
    @Override
    public String toString() {
        return "R2ConnectorConfig[accountId=" + accountId + ", apiToken=redacted, apiBaseUrl=" + apiBaseUrl
                + ", queueId=" + queueId + ", dlqId=" + dlqId.orElse("none") + ", bucket=" + bucket
                + ", accessKeyId=" + accessKeyId + ", secretAccessKey=redacted, sessionToken="
                + (sessionToken.isPresent() ? "redacted" : "none") + ", jurisdiction="
                + jurisdiction.map(Jurisdiction::wireName).orElse("none") + ", r2Endpoint="
                + r2Endpoint.map(URI::toString).orElse("none") + ", prefix="
                + prefix.map(LogSafe::quoted).orElse("none") + ", visibilityTimeout=" + visibilityTimeout
                + ", rootkeyApiUrl=" + rootkeyApiUrl + ", rootkeyApiKey=redacted, maxFileSizeBytes=" + maxFileSizeBytes
                + ", allowInsecureLoopback=" + allowInsecureLoopback + "]";
    }

    // ---- the rules; each throws IllegalArgumentException with a message naming the setting ---------------------

    private static Secret checkSecret(String value, String name) {
        if (hasControlOrSurroundingSpace(value)) {
            throw new IllegalArgumentException(name + " must not contain control characters or surrounding whitespace "
                    + "(value not shown)");
        }
        return Secret.of(value);
    }

    private static String checkCredentialText(String value, String name) {
        if (hasControlOrSurroundingSpace(value)) {
            throw new IllegalArgumentException(name + " must not contain control characters or surrounding whitespace");
        }
        return value;
    }

    private static URI parseUrl(String value, String name) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(name + " is not a valid URL (got " + LogSafe.quoted(value) + ")");
        }
        return checkUrl(uri, name);
    }

    /** What a URL setting must be whatever the http switch says; the https rule itself is {@link Endpoints}'. */
    private static URI checkUrl(URI uri, String name) {
        Objects.requireNonNull(uri, name);
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException(name + " must not carry credentials (user info) in the URL");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException(name + " must not have a query or fragment (value not shown: it may "
                    + "carry a credential)");
        }
        return uri;
    }

    private static String checkBucket(String value, String name) {
        if (!BUCKET.matcher(value).matches()) {
            throw new IllegalArgumentException(name + " must match " + BUCKET.pattern()
                    + " (3-63 chars, lowercase letters, digits, hyphens): got " + LogSafe.quoted(value));
        }
        return value;
    }

    private static Jurisdiction checkJurisdiction(String value, String name) {
        try {
            return Jurisdiction.fromWireName(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " must be one of eu, fedramp, us (got " + LogSafe.quoted(value)
                    + ")");
        }
    }

    private static String checkPrefix(String value, String name) {
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_PREFIX_BYTES) {
            throw new IllegalArgumentException(name + " must be at most " + MAX_PREFIX_BYTES
                    + " bytes in UTF-8, the longest R2 key (got " + bytes + " bytes)");
        }
        return value;
    }

    private static long parseMaxFileSize(String value, String name) {
        if (DIGITS.matcher(value).matches()) {
            try {
                return checkMaxFileSize(Long.parseLong(value), name, value);
            } catch (NumberFormatException e) {
                // too large for a long: reported below
            }
        }
        throw maxFileSizeProblem(name, value);
    }

    private static long checkMaxFileSize(long bytes, String name, String shown) {
        if (bytes < 1 || bytes > Connector.MAX_FILE_SIZE_LIMIT_BYTES) {
            throw maxFileSizeProblem(name, shown);
        }
        return bytes;
    }

    private static IllegalArgumentException maxFileSizeProblem(String name, String shown) {
        return new IllegalArgumentException(name + " must be a whole number of bytes between 1 and "
                + Connector.MAX_FILE_SIZE_LIMIT_BYTES + " (got " + LogSafe.quoted(shown) + ")");
    }

    private static Duration parseVisibilityTimeout(String value, String name) {
        if (DIGITS.matcher(value).matches() && value.length() <= 6) {
            return checkVisibilityTimeout(Duration.ofSeconds(Long.parseLong(value)), name);
        }
        throw visibilityProblem(name, LogSafe.quoted(value));
    }

    private static Duration checkVisibilityTimeout(Duration timeout, String name) {
        if (timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(MAX_VISIBILITY_TIMEOUT) > 0) {
            throw visibilityProblem(name, timeout.getSeconds() + " s");
        }
        return timeout;
    }

    private static IllegalArgumentException visibilityProblem(String name, String shown) {
        return new IllegalArgumentException(name + " must be a whole number of seconds between 1 and "
                + MAX_VISIBILITY_TIMEOUT.getSeconds() + " (12 h, Cloudflare's longest lease); got " + shown);
    }

    private static boolean parseBoolean(String value, String name) {
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException(name + " must be true or false (got " + LogSafe.quoted(value) + ")");
    }

    private static boolean hasControlOrSurroundingSpace(String value) {
        if (Character.isWhitespace(value.charAt(0)) || Character.isWhitespace(value.charAt(value.length() - 1))) {
            return true;
        }
        return value.chars().anyMatch(Character::isISOControl);
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    /** Reads variables into a builder, collecting each problem instead of stopping at the first. */
    private static final class EnvReader {
        private final Map<String, String> env;
        private final List<String> problems;
        private final Set<Setting> invalid;

        EnvReader(Map<String, String> env, List<String> problems, Set<Setting> invalid) {
            this.env = env;
            this.problems = problems;
            this.invalid = invalid;
        }

        /** Parses the variable when it is set: {@code parse} gets the value and the variable's name. */
        void apply(Setting setting, BiConsumer<String, String> parse) {
            String value = env.get(setting.env);
            if (isBlank(value)) {
                return;
            }
            try {
                parse.accept(value, setting.env);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
                invalid.add(setting);
            }
        }
    }

    /**
     * Builds an {@link R2ConnectorConfig} in code. Setters reject a bad value at once with
     * {@link IllegalArgumentException}; {@link #build()} reports missing settings and conflicts. Not thread-safe.
     */
    public static final class Builder {
        private String accountId;
        private Secret apiToken;
        private URI apiBaseUrl;
        private String queueId;
        private String dlqId;
        private String bucket;
        private String accessKeyId;
        private Secret secretAccessKey;
        private Secret sessionToken;
        private Jurisdiction jurisdiction;
        private URI r2Endpoint;
        private String prefix;
        private Duration visibilityTimeout = DEFAULT_VISIBILITY_TIMEOUT;
        private URI rootkeyApiUrl;
        private Secret rootkeyApiKey;
        private long maxFileSizeBytes = DEFAULT_MAX_FILE_SIZE_BYTES;
        private boolean allowInsecureLoopback;

        private Builder() {
        }

        /** The Cloudflare account id, 32 lowercase hex characters. Required. */
        public Builder accountId(String accountId) {
            this.accountId = CloudflareIds.requireAccountId(accountId, Setting.ACCOUNT_ID.property);
            return this;
        }

        /** The Cloudflare API token with Queues read and write. Required. */
        public Builder apiToken(Secret apiToken) {
            this.apiToken = Objects.requireNonNull(apiToken, Setting.API_TOKEN.property);
            return this;
        }

        /** The Cloudflare API base URL. Default {@link #DEFAULT_API_BASE_URL}. */
        public Builder apiBaseUrl(URI apiBaseUrl) {
            this.apiBaseUrl = checkUrl(apiBaseUrl, Setting.API_BASE_URL.property);
            return this;
        }

        /** The id of the queue the bucket's events go to, 32 lowercase hex characters. Required. */
        public Builder queueId(String queueId) {
            String name = Setting.QUEUE_ID.property;
            this.queueId = CloudflareIds.requireQueueId(queueId, name);
            return this;
        }

        /** The id of the dead-letter queue, 32 lowercase hex characters. Optional. */
        public Builder dlqId(String dlqId) {
            String name = Setting.DLQ_ID.property;
            this.dlqId = CloudflareIds.requireQueueId(dlqId, name);
            return this;
        }

        /** The bucket to anchor from (an R2 bucket name). Required. */
        public Builder bucket(String bucket) {
            String name = Setting.BUCKET.property;
            this.bucket = checkBucket(Objects.requireNonNull(bucket, name), name);
            return this;
        }

        /** The R2 access key id. Required. */
        public Builder accessKeyId(String accessKeyId) {
            Objects.requireNonNull(accessKeyId, Setting.ACCESS_KEY_ID.property);
            if (accessKeyId.isBlank()) {
                throw new IllegalArgumentException("accessKeyId must not be blank");
            }
            this.accessKeyId = checkCredentialText(accessKeyId, Setting.ACCESS_KEY_ID.property);
            return this;
        }

        /** The R2 secret access key. Required. */
        public Builder secretAccessKey(Secret secretAccessKey) {
            this.secretAccessKey = Objects.requireNonNull(secretAccessKey, Setting.SECRET_ACCESS_KEY.property);
            return this;
        }

        /** The session token of temporary R2 credentials. Optional; see {@link R2ConnectorConfig#sessionToken()}. */
        public Builder sessionToken(Secret sessionToken) {
            this.sessionToken = Objects.requireNonNull(sessionToken, Setting.SESSION_TOKEN.property);
            return this;
        }

        /**
         * How long a pulled message stays leased, 1 s to 12 h (whole seconds are sent as milliseconds). Default
         * {@link #DEFAULT_VISIBILITY_TIMEOUT}.
         */
        public Builder visibilityTimeout(Duration visibilityTimeout) {
            String name = Setting.VISIBILITY_TIMEOUT.property;
            this.visibilityTimeout = checkVisibilityTimeout(Objects.requireNonNull(visibilityTimeout, name), name);
            return this;
        }

        /** The bucket's jurisdiction. Default: none. Excludes {@link #r2Endpoint(URI)}. */
        public Builder jurisdiction(Jurisdiction jurisdiction) {
            this.jurisdiction = Objects.requireNonNull(jurisdiction, Setting.JURISDICTION.property);
            return this;
        }

        /** An explicit S3 endpoint (S3Proxy, MinIO, a proxy). Default: derived from the account. */
        public Builder r2Endpoint(URI r2Endpoint) {
            this.r2Endpoint = checkUrl(r2Endpoint, Setting.R2_ENDPOINT.property);
            return this;
        }

        /** Only keys starting with this prefix are anchored. Default: all keys. */
        public Builder prefix(String prefix) {
            Objects.requireNonNull(prefix, Setting.PREFIX.property);
            if (prefix.isEmpty()) {
                throw new IllegalArgumentException("prefix must not be empty (leave it unset for all keys)");
            }
            this.prefix = checkPrefix(prefix, Setting.PREFIX.property);
            return this;
        }

        /** The ROOTKey API URL. Default {@link #DEFAULT_ROOTKEY_API_URL}. */
        public Builder rootkeyApiUrl(URI rootkeyApiUrl) {
            this.rootkeyApiUrl = checkUrl(rootkeyApiUrl, Setting.ROOTKEY_API_URL.property);
            return this;
        }

        /** The ROOTKey connector API key. Required. */
        public Builder rootkeyApiKey(Secret rootkeyApiKey) {
            this.rootkeyApiKey = Objects.requireNonNull(rootkeyApiKey, Setting.ROOTKEY_API_KEY.property);
            return this;
        }

        /** The largest object anchored, 1 byte to 5 TiB. Default {@value #DEFAULT_MAX_FILE_SIZE_BYTES}. */
        public Builder maxFileSizeBytes(long maxFileSizeBytes) {
            String name = Setting.MAX_FILE_SIZE_BYTES.property;
            this.maxFileSizeBytes = checkMaxFileSize(maxFileSizeBytes, name, Long.toString(maxFileSizeBytes));
            return this;
        }

        /** Allows plain http to loopback hosts, for local stand-ins and tests only. Default false. */
        public Builder allowInsecureLoopback(boolean allowInsecureLoopback) {
            this.allowInsecureLoopback = allowInsecureLoopback;
            return this;
        }

        /**
         * The configuration.
         *
         * @throws IllegalStateException listing every missing setting and conflict
         */
        public R2ConnectorConfig build() {
            List<String> problems = problems(false, EnumSet.noneOf(Setting.class));
            if (!problems.isEmpty()) {
                throw new IllegalStateException(String.join(System.lineSeparator(), problems));
            }
            return new R2ConnectorConfig(this);
        }

        /**
         * The missing settings and conflicts, named as the user set them; changes nothing (the defaults of unset
         * URLs are checked here and filled in by the configuration's constructor).
         */
        private List<String> problems(boolean fromEnv, Set<Setting> alreadyReported) {
            List<String> problems = new ArrayList<>();
            for (Setting s : Setting.values()) {
                if (s.required && requiredValue(s) == null && !alreadyReported.contains(s)) {
                    problems.add(fromEnv ? s.env + " is not set"
                            : "no " + s.property + ": call " + s.property + "(...)");
                }
            }
            requireHttps(apiBaseUrl, Setting.API_BASE_URL, fromEnv, alreadyReported, problems);
            requireHttps(r2Endpoint, Setting.R2_ENDPOINT, fromEnv, alreadyReported, problems);
            requireHttps(rootkeyApiUrl, Setting.ROOTKEY_API_URL, fromEnv, alreadyReported, problems);
            if (jurisdiction != null && r2Endpoint != null) {
                problems.add(Setting.JURISDICTION.name(fromEnv) + " and " + Setting.R2_ENDPOINT.name(fromEnv)
                        + " are both set: " + Setting.R2_ENDPOINT.name(fromEnv) + " replaces the endpoint the "
                        + "jurisdiction selects; unset one of them");
            }
            return problems;
        }

        private Object requiredValue(Setting setting) {
            switch (setting) {
                case ACCOUNT_ID: return accountId;
                case API_TOKEN: return apiToken;
                case QUEUE_ID: return queueId;
                case BUCKET: return bucket;
                case ACCESS_KEY_ID: return accessKeyId;
                case SECRET_ACCESS_KEY: return secretAccessKey;
                case ROOTKEY_API_KEY: return rootkeyApiKey;
                default: throw new IllegalArgumentException(setting + " is optional");
            }
        }

        private void requireHttps(URI uri, Setting setting, boolean fromEnv, Set<Setting> alreadyReported,
                                  List<String> problems) {
            if (uri == null || alreadyReported.contains(setting)) {
                return;
            }
            try {
                Endpoints.requireHttpsOrLoopback(uri, allowInsecureLoopback, setting.name(fromEnv));
            } catch (ConfigurationException e) {
                problems.add(e.getMessage());
            }
        }
    }
}
