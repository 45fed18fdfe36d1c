package ai.rootkey.connector.r2.internal;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.LogSafe;
import ai.rootkey.connector.r2.AccessRefusedException;
import ai.rootkey.connector.r2.Secret;
import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The SDK's one client of the Cloudflare v4 API (DESIGN 6.2), shared by {@code CloudflareQueueSource},
 * {@code DeadLetterQueue}, {@code Doctor} and {@code Provisioner}: one account, one token, one {@code java.net.http}
 * client.
 *
 * <p>It owns what every endpoint needs. The HTTP client: built here (connect timeout, never following redirects,
 * HTTP/1.1 to a plain-http loopback stand-in) and closed by {@link #close()}, or the user's, checked never to follow
 * redirects and left open. The base URL (https, or http to loopback with the switch) and the ids
 * ({@link CloudflareIds}). Each call: retried inside the call for 408, 429, 5xx, timeouts and I/O errors with
 * exponential back-off (a {@code Retry-After} up to the largest back-off is waited for; a longer one ends the call at
 * once so that the caller waits it out), the v4 envelope checked, errors mapped to the SDK's exceptions (401/403 and
 * v4 authentication codes: {@link AccessRefusedException}; 404: {@link ConfigurationException}; other answers:
 * {@link DependencyException}; no answer: {@link IOException}), and server text quoted without the token. Log lines
 * go to the caller's logger, so that the source, the dead-letter tools and the doctor each log under their own name.
 *
 * <p>Endpoints: those of one queue (messages, the queue's settings, its consumers) are on its
 * {@link #queue(String, CloudflareQueue.Role) handle}; listing and creating queues on {@link #accountQueues()}; a
 * bucket's R2 event notification rules ({@code /accounts/{account}/event_notifications/r2/{bucket}/configuration})
 * on {@link #bucketNotifications}. Each handle calls {@link #send} with a {@link Resource} that names it in errors;
 * path segments that are user text go through {@link Endpoints#pathSegment(String)}.
 *
 * <p>Immutable and thread-safe; the token is read from its {@link Secret} for each request and never logged.
 */
public final class CloudflareApi implements AutoCloseable {
    /** The Cloudflare API root. */
    public static final String DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4";
    /** How long one request may take: 30 seconds. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** How long connecting may take, for the client built here: 10 seconds. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Attempts per call for retryable failures: 3. */
    public static final int DEFAULT_ATTEMPTS = 3;
    /** Retries inside one call: {@value #DEFAULT_ATTEMPTS} attempts, 250 ms back-off doubling up to 5 s. */
    public static final Retry DEFAULT_RETRY = new Retry(DEFAULT_ATTEMPTS, Duration.ofMillis(250), Duration.ofSeconds(5));
    /** The longest {@code Retry-After} taken from an answer: one day. */
    static final Duration MAX_RETRY_AFTER = Duration.ofDays(1);

    /** v4 error codes that mean the token is refused (even when the HTTP status says otherwise). */
    private static final Set<Integer> AUTH_ERROR_CODES = Set.of(10000, 9109);
    private static final int EXCERPT_CHARS = 200;
    private static final String USER_AGENT = "rootkey-connector-java";

    /** Waits between attempts; replaced in tests. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    /** Retry settings for one API call. */
    public record Retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
        public Retry {
            if (maxAttempts < 1 || maxAttempts > 10) {
                throw new IllegalArgumentException("API attempts must be between 1 and 10, was " + maxAttempts);
            }
            Objects.requireNonNull(initialBackoff, "initialBackoff");
            Objects.requireNonNull(maxBackoff, "maxBackoff");
            if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalArgumentException("API back-off must satisfy 0 <= initialBackoff <= maxBackoff, was "
                        + initialBackoff + " and " + maxBackoff);
            }
        }

        /** One attempt, no waiting: for checks that report rather than retry. */
        public static Retry once() {
            return new Retry(1, Duration.ZERO, Duration.ZERO);
        }

        /** The wait after failed attempt {@code attempt} (1-based): {@code initial * 2^(attempt-1)}, capped. */
        Duration backoff(int attempt) {
            Duration d = initialBackoff;
            for (int i = 1; i < attempt && d.compareTo(maxBackoff) < 0; i++) {
                d = d.multipliedBy(2);
            }
            return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
        }
    }

    /**
     * What a call is about, for its error messages.
     *
     * @param api         the API as the user knows it, e.g. {@code Cloudflare Queues}
     * @param description the thing, e.g. {@code queue 0123... of account abcd...}
     * @param permission  what the token needs for it, e.g. {@code Queues read and write}
     * @param notFound    what a 404 means, e.g. {@code queue not found}
     * @param settings    the settings that name it, e.g. {@code CLOUDFLARE_ACCOUNT_ID and R2_QUEUE_ID}
     */
    public record Resource(String api, String description, String permission, String notFound, String settings) {
        public Resource {
            Objects.requireNonNull(api, "api");
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(permission, "permission");
            Objects.requireNonNull(notFound, "notFound");
            Objects.requireNonNull(settings, "settings");
        }
    }

    private final HttpClient client;
    private final boolean ownsClient;
    private final URI base;
    private final String accountId;
    private final Secret token;
    private final Duration requestTimeout;
    private final Retry retry;
    private final Clock clock;
    private final Sleeper sleeper;
    private final Logger log;
    private final AtomicBoolean closed = new AtomicBoolean();

    private CloudflareApi(Builder b, URI base, HttpClient client, boolean ownsClient) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.base = base;
        this.accountId = b.accountId;
        this.token = b.token;
        this.requestTimeout = b.requestTimeout;
        this.retry = b.retry;
        this.clock = b.clock;
        this.sleeper = b.sleeper;
        this.log = b.log;
    }

    /** A new builder; the builder is not thread-safe. */
    public static Builder builder() {
        return new Builder();
    }

    /** The handle of one queue of this account; {@code queueId} must be a queue id ({@link CloudflareIds}). */
    public CloudflareQueue queue(String queueId, CloudflareQueue.Role role) {
        return new CloudflareQueue(this, CloudflareIds.requireQueueId(queueId, role.setting()), role);
    }

    /** The account's queue endpoints: list and create ({@link AccountQueues}). */
    public AccountQueues accountQueues() {
        return new AccountQueues(this);
    }

    /**
     * The R2 event notification rules of {@code bucket} ({@link BucketNotifications}); {@code jurisdiction} is the
     * bucket's ({@code eu}, {@code fedramp}) or empty for the default one.
     */
    public BucketNotifications bucketNotifications(String bucket, Optional<String> jurisdiction) {
        return new BucketNotifications(this, bucket, jurisdiction);
    }

    /** The account id. */
    public String accountId() {
        return accountId;
    }

    /** The API root, checked and without trailing slashes. */
    public URI baseUrl() {
        return base;
    }

    /** {@code /accounts/{account}}: where every path of this client starts. */
    String accountPath() {
        return "/accounts/" + accountId;
    }

    /** The caller's logger, for the handles' log lines. */
    Logger log() {
        return log;
    }

    /**
     * GETs {@code base + path} and returns the envelope's {@code result} (a JSON null node when it has none).
     *
     * @param operation a short name for errors and logs, e.g. {@code consumers}
     * @throws AccessRefusedException 401/403 or an authentication error code
     * @throws ConfigurationException 404
     * @throws DependencyException    any other error answer, after the retries for retryable ones
     * @throws IOException            no answer, after the retries
     */
    public JsonNode get(String operation, Resource resource, String path) throws IOException {
        return send(operation, resource, "GET", path, null);
    }

    /** POSTs {@code body} as JSON; otherwise as {@link #get}. */
    public JsonNode post(String operation, Resource resource, String path, JsonNode body) throws IOException {
        return send(operation, resource, "POST", path, Json.MAPPER.writeValueAsBytes(body));
    }

    /**
     * Sends one request (with retries) and returns the envelope's {@code result}; {@code payload} is JSON, or null for
     * none. Every endpoint goes through here; see {@link #get} for what it throws.
     */
    JsonNode send(String operation, Resource resource, String method, String path, byte[] payload)
            throws IOException {
        return send(operation, resource, method, path, payload, Map.of());
    }

    /**
     * {@link #send(String, Resource, String, String, byte[])} with extra request headers (such as R2's
     * {@code cf-r2-jurisdiction}); they must not carry a credential, and may not replace the ones set here.
     */
    JsonNode send(String operation, Resource resource, String method, String path, byte[] payload,
                  Map<String, String> headers) throws IOException {
        return send(operation, resource, method, path, payload, headers, false);
    }

    /**
     * As {@link #send(String, Resource, String, String, byte[], Map)}; with {@code wholeEnvelope} the successful
     * envelope itself is returned (for {@code result_info}), not its {@code result}.
     */
    JsonNode send(String operation, Resource resource, String method, String path, byte[] payload,
                  Map<String, String> headers, boolean wholeEnvelope) throws IOException {
        if (closed.get()) {
            throw new IllegalStateException("this Cloudflare API client is closed");
        }
        URI uri = URI.create(base + path);
        for (int attempt = 1; ; attempt++) {
            Duration wait;
            try {
                String secret = token.reveal();
                HttpResponse<byte[]> response = client.send(request(uri, method, payload, headers, secret),
                        HttpResponse.BodyHandlers.ofByteArray());
                Optional<JsonNode> result = interpret(operation, resource, response, secret, wholeEnvelope);
                if (result.isPresent()) {
                    return result.get();
                }
                // retryable status: interpret() returned empty only for those
                DependencyException failure = statusFailure(operation, resource, response, attempt, secret);
                if (attempt >= retry.maxAttempts()) {
                    throw failure;
                }
                Optional<Duration> retryAfter = failure.retryAfter();
                if (retryAfter.isPresent() && retryAfter.get().compareTo(retry.maxBackoff()) > 0) {
                    throw failure; // longer than we wait inside a call: the caller backs off
                }
                wait = retryAfter.isPresent() ? retryAfter.get() : retry.backoff(attempt);
                log.atDebug().addKeyValue("operation", operation).addKeyValue("status", response.statusCode())
                        .addKeyValue("attempt", attempt).addKeyValue("wait_ms", wait.toMillis())
                        .log("rootkey.queue.api_retry operation={} status={} attempt={} wait_ms={}",
                                operation, response.statusCode(), attempt, wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw interrupted(operation, resource, e);
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                if (attempt >= retry.maxAttempts()) {
                    throw new IOException(resource.api() + " " + operation + " failed after " + attempt
                            + " attempt(s) for " + resource.description() + ": " + e, e);
                }
                wait = retry.backoff(attempt);
                log.atDebug().addKeyValue("operation", operation).addKeyValue("attempt", attempt)
                        .addKeyValue("wait_ms", wait.toMillis())
                        .log("rootkey.queue.api_retry operation={} error={} attempt={} wait_ms={}",
                                operation, e.getClass().getSimpleName(), attempt, wait.toMillis());
            }
            try {
                if (!wait.isZero()) {
                    sleeper.sleep(wait);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw interrupted(operation, resource, e);
            }
        }
    }

    private HttpRequest request(URI uri, String method, byte[] payload, Map<String, String> headers, String secret) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Authorization", "Bearer " + secret)
                .header("Accept", "application/json")
                .header("User-Agent", USER_AGENT);
        headers.forEach(request::header);
        if (payload == null) {
            return request.method(method, HttpRequest.BodyPublishers.noBody()).build();
        }
        return request.header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(payload))
                .build();
    }

    /**
     * The result for a success; empty for a retryable status; throws for everything else. Messages quote the reply
     * with {@code secret} taken out: some servers and proxies echo the credential they refused.
     */
    private Optional<JsonNode> interpret(String operation, Resource resource, HttpResponse<byte[]> response,
                                         String secret, boolean wholeEnvelope) {
        int status = response.statusCode();
        JsonNode envelope = parse(response.body());
        boolean refused = status == 401 || status == 403 || hasAuthError(envelope);
        if (!refused && status != 404) {
            if (isRetryable(status)) {
                return Optional.empty();
            }
            if (status >= 200 && status <= 299 && isSuccess(envelope)) {
                if (wholeEnvelope) {
                    return Optional.of(envelope);
                }
                JsonNode result = envelope.get("result");
                return Optional.of(result == null ? Json.MAPPER.nullNode() : result);
            }
        }
        byte[] reply = shown(response.body(), secret);
        JsonNode shown = parse(reply);
        if (refused) {
            throw new AccessRefusedException(resource.api() + " " + operation + " was refused (HTTP " + status
                    + errorSuffix(shown) + ") for " + resource.description() + ": check CLOUDFLARE_API_TOKEN (it needs "
                    + resource.permission() + "), " + resource.settings(), status);
        }
        if (status == 404) {
            throw new ConfigurationException(resource.notFound() + ": check " + resource.settings() + " (HTTP 404"
                    + errorSuffix(shown) + " for " + resource.description() + ")");
        }
        if (status < 200 || status > 299) {
            throw new DependencyException(resource.api() + " " + operation + " failed with HTTP " + status
                    + errorSuffix(shown) + bodySuffix(shown, reply), status, firstCode(envelope), null, null);
        }
        if (envelope == null || !envelope.isObject()) {
            throw new DependencyException(resource.api() + " " + operation + " answered HTTP " + status
                    + " with a reply that is not a JSON envelope: " + excerpt(reply), status);
        }
        throw new DependencyException(resource.api() + " " + operation + " answered success=false"
                + errorSuffix(shown), status, firstCode(envelope), null, null);
    }

    private static boolean isSuccess(JsonNode envelope) {
        JsonNode success = envelope == null || !envelope.isObject() ? null : envelope.get("success");
        return success != null && success.isBoolean() && success.booleanValue();
    }

    private DependencyException statusFailure(String operation, Resource resource, HttpResponse<byte[]> response,
                                              int attempt, String secret) {
        int status = response.statusCode();
        byte[] reply = shown(response.body(), secret);
        JsonNode shown = parse(reply);
        Duration retryAfter = response.headers().firstValue("Retry-After")
                .flatMap(value -> RetryAfter.parse(value, clock.instant()))
                .map(d -> d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d)
                .orElse(null);
        return new DependencyException(resource.api() + " " + operation + " failed with HTTP " + status
                + errorSuffix(shown) + bodySuffix(shown, reply) + " after " + attempt + " attempt(s)",
                status, firstCode(parse(response.body())), retryAfter, null);
    }

    /** The reply as it may be quoted: the secret taken out (before any excerpt could cut it in two). */
    private static byte[] shown(byte[] body, String secret) {
        if (body == null || body.length == 0) {
            return body;
        }
        return Redaction.redact(new String(body, StandardCharsets.UTF_8), secret).getBytes(StandardCharsets.UTF_8);
    }

    private static boolean isRetryable(int status) {
        return status == 408 || status == 429 || status >= 500;
    }

    private static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean hasAuthError(JsonNode envelope) {
        JsonNode errors = envelope == null ? null : envelope.get("errors");
        if (errors == null || !errors.isArray()) {
            return false;
        }
        for (JsonNode error : errors) {
            JsonNode code = error.get("code");
            if (code != null && code.canConvertToInt() && AUTH_ERROR_CODES.contains(code.asInt())) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode firstError(JsonNode envelope) {
        JsonNode errors = envelope == null || !envelope.isObject() ? null : envelope.get("errors");
        if (errors == null || !errors.isArray() || errors.isEmpty()) {
            return null;
        }
        return errors.get(0);
    }

    private static String firstCode(JsonNode envelope) {
        JsonNode error = firstError(envelope);
        JsonNode code = error == null ? null : error.get("code");
        return code == null || code.isNull() || code.isContainerNode() ? null : code.asText();
    }

    private static String errorSuffix(JsonNode envelope) {
        JsonNode error = firstError(envelope);
        if (error == null) {
            return "";
        }
        JsonNode message = error.get("message");
        String code = firstCode(envelope);
        return ", error " + (code == null ? "?" : excerpt(code))
                + (message == null || message.isNull() ? "" : " " + excerpt(message.asText()));
    }

    private static String bodySuffix(JsonNode envelope, byte[] body) {
        if (firstError(envelope) != null || body == null || body.length == 0) {
            return "";
        }
        return ": " + excerpt(body);
    }

    private static IOException interrupted(String operation, Resource resource, InterruptedException e) {
        InterruptedIOException io = new InterruptedIOException("interrupted during " + resource.api() + " "
                + operation);
        io.initCause(e);
        return io;
    }

    private static String excerpt(byte[] body) {
        return excerpt(new String(body, 0, Math.min(body.length, EXCERPT_CHARS * 4), StandardCharsets.UTF_8));
    }

    /**
     * Server text made safe for a log line or an exception message: {@link LogSafe#escape(String, int)} (control,
     * format and separator characters, quotes and backslashes escaped), cut at 200 characters.
     */
    public static String excerpt(String text) {
        return LogSafe.escape(text, EXCERPT_CHARS);
    }

    /**
     * Releases the HTTP client when it was built here (from Java 21 {@code HttpClient} is {@link AutoCloseable};
     * on 17 there is nothing to release); a user's client is left open. Later calls throw
     * {@link IllegalStateException}. Idempotent; never throws.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true) || !ownsClient) {
            return;
        }
        Object c = client;
        if (c instanceof AutoCloseable) {
            try {
                ((AutoCloseable) c).close();
            } catch (Exception e) {
                log.debug("rootkey.queue.close_failed error={}", e.getClass().getSimpleName());
            }
        }
    }

    /** Whether the HTTP client was built here (and so is closed by {@link #close()}). */
    public boolean ownsHttpClient() {
        return ownsClient;
    }

    /** Base URL and account; never the token. */
    @Override
    public String toString() {
        return "CloudflareApi[" + base + ", account " + accountId + "]";
    }

    /**
     * Configures a {@link CloudflareApi}. Setters reject bad values at once; {@link #build()} rejects missing ones.
     * Not thread-safe.
     */
    public static final class Builder {
        private String accountId;
        private Secret token;
        private URI baseUrl = URI.create(DEFAULT_BASE_URL);
        private boolean allowInsecureLoopback;
        private HttpClient httpClient;
        private Duration connectTimeout;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private Retry retry = DEFAULT_RETRY;
        private Clock clock = Clock.systemUTC();
        private Sleeper sleeper = d -> Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
        private Logger log = LoggerFactory.getLogger(CloudflareApi.class);

        private Builder() {
        }

        /** The account id, 32 lowercase hex characters. Required. */
        public Builder accountId(String accountId) {
            this.accountId = CloudflareIds.requireAccountId(accountId, "accountId");
            return this;
        }

        /** The API token. Required. */
        public Builder apiToken(Secret token) {
            this.token = Objects.requireNonNull(token, "apiToken");
            return this;
        }

        /** The API root; default {@link #DEFAULT_BASE_URL}. Checked by {@link #build()}. */
        public Builder baseUrl(URI baseUrl) {
            this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
            return this;
        }

        /** Admits a plain-http base URL to a loopback host (local stand-ins). Default false. */
        public Builder allowInsecureLoopback(boolean allow) {
            this.allowInsecureLoopback = allow;
            return this;
        }

        /**
         * A client to use instead of building one; never closed here.
         *
         * @throws IllegalArgumentException when it follows redirects (see {@link Endpoints#requireNoRedirects})
         */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = Endpoints.requireNoRedirects(httpClient, "httpClient");
            return this;
        }

        /** The connect timeout of the client built here; default {@link #DEFAULT_CONNECT_TIMEOUT}. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = positive(connectTimeout, "connectTimeout");
            return this;
        }

        /** How long one request may take; default {@link #DEFAULT_REQUEST_TIMEOUT}. */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = positive(requestTimeout, "requestTimeout");
            return this;
        }

        /** Retries inside one call; default {@link #DEFAULT_RETRY}. */
        public Builder retry(Retry retry) {
            this.retry = Objects.requireNonNull(retry, "retry");
            return this;
        }

        /** The clock for {@code Retry-After} dates; default the UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How the back-off waits; default {@link Thread#sleep}. */
        public Builder sleeper(Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        /** The caller's logger, which every log line of the client goes to. Default this class's. */
        public Builder logger(Logger log) {
            this.log = Objects.requireNonNull(log, "log");
            return this;
        }

        /**
         * The client (and its HTTP client, unless one was given).
         *
         * @throws IllegalStateException  when the account id or token is missing, or a connect timeout is combined
         *                                with a user's client
         * @throws ConfigurationException when the base URL breaks the https rule
         */
        public CloudflareApi build() {
            if (accountId == null) {
                throw new IllegalStateException("no account id: call accountId(...) (CLOUDFLARE_ACCOUNT_ID)");
            }
            if (token == null) {
                throw new IllegalStateException("no API token: call "
                        + "apiToken(Secret.fromEnvironment(\"CLOUDFLARE_API_TOKEN\"))");
            }
            if (httpClient != null && connectTimeout != null) {
                throw new IllegalStateException("connectTimeout applies to the client the SDK builds: set it on "
                        + "your HttpClient instead, or drop httpClient(...)");
            }
            URI base = Endpoints.requireHttpsOrLoopback(baseUrl, allowInsecureLoopback, "baseUrl");
            if (httpClient != null) {
                return new CloudflareApi(this, base, httpClient, false);
            }
            HttpClient.Builder client = HttpClient.newBuilder()
                    .connectTimeout(connectTimeout == null ? DEFAULT_CONNECT_TIMEOUT : connectTimeout)
                    .followRedirects(HttpClient.Redirect.NEVER);
            if ("http".equalsIgnoreCase(base.getScheme())) {
                client.version(HttpClient.Version.HTTP_1_1); // no h2c upgrade dance with local stand-ins
            }
            return new CloudflareApi(this, base, client.build(), true);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
            return d;
        }
    }
}
