package ai.rootkey.connector.r2.internal;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.LogSafe;
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
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Calls the Cloudflare v4 API: one JSON request, retried inside the call for 408, 429, 5xx, timeouts and I/O
 * errors with exponential back-off (a {@code Retry-After} the server sends wins when it is not longer than the
 * largest back-off; a longer one ends the call at once so the caller waits it out), the v4 envelope checked,
 * and errors mapped to the SDK's exceptions. Immutable and thread-safe; never logs the token.
 */
public final class CloudflareApi {
    private static final Logger LOG = LoggerFactory.getLogger("ai.rootkey.connector.r2.CloudflareQueueSource");
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

        /** The wait after failed attempt {@code attempt} (1-based): {@code initial * 2^(attempt-1)}, capped. */
        Duration backoff(int attempt) {
            Duration d = initialBackoff;
            for (int i = 1; i < attempt && d.compareTo(maxBackoff) < 0; i++) {
                d = d.multipliedBy(2);
            }
            return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
        }
    }

    private final HttpClient client;
    private final URI base;
    private final Secret token;
    private final Duration requestTimeout;
    private final Retry retry;
    private final Clock clock;
    private final Sleeper sleeper;
    private final String what;
    private final String idVariable;

    /**
     * @param base the API root, e.g. {@code https://api.cloudflare.com/client/v4}, already checked and trimmed
     * @param what the resource named in errors, e.g. {@code queue 0123... of account abcd...}
     */
    public CloudflareApi(HttpClient client, URI base, Secret token, Duration requestTimeout, Retry retry,
                         Clock clock, Sleeper sleeper, String what) {
        this(client, base, token, requestTimeout, retry, clock, sleeper, what, "R2_QUEUE_ID");
    }

    /** As above; {@code idVariable} is the setting named in errors about the queue id (e.g. {@code R2_DLQ_ID}). */
    public CloudflareApi(HttpClient client, URI base, Secret token, Duration requestTimeout, Retry retry,
                         Clock clock, Sleeper sleeper, String what, String idVariable) {
        this.client = Objects.requireNonNull(client, "client");
        this.base = Objects.requireNonNull(base, "base");
        this.token = Objects.requireNonNull(token, "token");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.retry = Objects.requireNonNull(retry, "retry");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.what = Objects.requireNonNull(what, "what");
        this.idVariable = Objects.requireNonNull(idVariable, "idVariable");
    }

    /**
     * POSTs {@code body} to {@code base + path} and returns the envelope's {@code result} (a missing result is
     * returned as a JSON null node).
     *
     * @param operation a short name for errors and logs, e.g. {@code pull}
     * @throws ConfigurationException 401/403 or an auth error code (check the token), 404 (check the ids)
     * @throws DependencyException    any other error answer, after the retries for retryable ones
     * @throws IOException            the API could not be reached, after the retries
     */
    public JsonNode post(String operation, String path, JsonNode body) throws IOException {
        return call(operation, path, Json.MAPPER.writeValueAsBytes(body));
    }

    /**
     * GETs {@code base + path} and returns the envelope's {@code result}, with the same retries and error mapping
     * as {@link #post}; a 401 or 403 is a {@link Refused}.
     */
    public JsonNode get(String operation, String path) throws IOException {
        return call(operation, path, null);
    }

    /** A 401/403 (or v4 authentication error) answer: the token is refused, or lacks a permission for this call. */
    public static final class Refused extends ConfigurationException {
        private static final long serialVersionUID = 1L;
        private final int status;

        Refused(String message, int status) {
            super(message);
            this.status = status;
        }

        /** The HTTP status. */
        public int status() {
            return status;
        }
    }

    private JsonNode call(String operation, String path, byte[] payload) throws IOException {
        URI uri = URI.create(base + path);
        for (int attempt = 1; ; attempt++) {
            Duration wait;
            try {
                String secret = token.reveal();
                HttpResponse<byte[]> response = client.send(request(uri, payload, secret),
                        HttpResponse.BodyHandlers.ofByteArray());
                Optional<JsonNode> result = interpret(operation, response, secret);
                if (result.isPresent()) {
                    return result.get();
                }
                // retryable status: interpret() returned empty only for those
                DependencyException failure = statusFailure(operation, response, attempt, secret);
                if (attempt >= retry.maxAttempts()) {
                    throw failure;
                }
                Optional<Duration> retryAfter = failure.retryAfter();
                if (retryAfter.isPresent() && retryAfter.get().compareTo(retry.maxBackoff()) > 0) {
                    throw failure; // longer than we wait inside a call: the caller backs off
                }
                wait = retryAfter.isPresent() ? retryAfter.get() : retry.backoff(attempt);
                LOG.atDebug().addKeyValue("operation", operation).addKeyValue("status", response.statusCode())
                        .addKeyValue("attempt", attempt).addKeyValue("wait_ms", wait.toMillis())
                        .log("rootkey.queue.api_retry operation={} status={} attempt={} wait_ms={}",
                                operation, response.statusCode(), attempt, wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw interrupted(operation, e);
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                if (attempt >= retry.maxAttempts()) {
                    throw new IOException("Cloudflare Queues " + operation + " failed after " + attempt
                            + " attempt(s) for " + what + ": " + e, e);
                }
                wait = retry.backoff(attempt);
                LOG.atDebug().addKeyValue("operation", operation).addKeyValue("attempt", attempt)
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
                throw interrupted(operation, e);
            }
        }
    }

    private HttpRequest request(URI uri, byte[] payload, String secret) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Authorization", "Bearer " + secret)
                .header("Accept", "application/json")
                .header("User-Agent", USER_AGENT);
        if (payload == null) {
            return request.GET().build();
        }
        return request.header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(payload))
                .build();
    }

    /**
     * The result for a success; empty for a retryable status; throws for everything else. Messages quote the reply
     * with {@code secret} taken out: some servers and proxies echo the credential they refused.
     */
    private Optional<JsonNode> interpret(String operation, HttpResponse<byte[]> response, String secret) {
        int status = response.statusCode();
        JsonNode envelope = parse(response.body());
        boolean refused = status == 401 || status == 403 || hasAuthError(envelope);
        if (!refused && status != 404) {
            if (isRetryable(status)) {
                return Optional.empty();
            }
            if (status >= 200 && status <= 299 && isSuccess(envelope)) {
                JsonNode result = envelope.get("result");
                return Optional.of(result == null ? Json.MAPPER.nullNode() : result);
            }
        }
        byte[] reply = shown(response.body(), secret);
        JsonNode shown = parse(reply);
        if (refused) {
            throw new Refused("Cloudflare Queues " + operation + " was refused (HTTP " + status
                    + errorSuffix(shown) + ") for " + what + ": check CLOUDFLARE_API_TOKEN (it needs Queues read "
                    + "and write), CLOUDFLARE_ACCOUNT_ID and " + idVariable, status);
        }
        if (status == 404) {
            throw new ConfigurationException("queue not found: check CLOUDFLARE_ACCOUNT_ID and " + idVariable
                    + " (HTTP 404" + errorSuffix(shown) + " for " + what + ")");
        }
        if (status < 200 || status > 299) {
            throw new DependencyException("Cloudflare Queues " + operation + " failed with HTTP " + status
                    + errorSuffix(shown) + bodySuffix(shown, reply), status, firstCode(envelope), null, null);
        }
        if (envelope == null || !envelope.isObject()) {
            throw new DependencyException("Cloudflare Queues " + operation + " answered HTTP " + status
                    + " with a reply that is not a JSON envelope: " + excerpt(reply), status);
        }
        throw new DependencyException("Cloudflare Queues " + operation + " answered success=false"
                + errorSuffix(shown), status, firstCode(envelope), null, null);
    }

    private static boolean isSuccess(JsonNode envelope) {
        JsonNode success = envelope == null || !envelope.isObject() ? null : envelope.get("success");
        return success != null && success.isBoolean() && success.booleanValue();
    }

    private DependencyException statusFailure(String operation, HttpResponse<byte[]> response, int attempt,
                                              String secret) {
        int status = response.statusCode();
        byte[] reply = shown(response.body(), secret);
        JsonNode shown = parse(reply);
        Duration retryAfter = retryAfter(response).orElse(null);
        return new DependencyException("Cloudflare Queues " + operation + " failed with HTTP " + status
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

    /** {@code Retry-After} as seconds or an HTTP date; never negative. */
    Optional<Duration> retryAfter(HttpResponse<?> response) {
        Optional<String> header = response.headers().firstValue("Retry-After").map(String::trim);
        if (header.isEmpty() || header.get().isEmpty()) {
            return Optional.empty();
        }
        String value = header.get();
        try {
            long seconds = Long.parseLong(value);
            return Optional.of(Duration.ofSeconds(Math.max(0, Math.min(seconds, 86_400L))));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant when = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration d = Duration.between(clock.instant(), when);
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
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

    private IOException interrupted(String operation, InterruptedException e) {
        InterruptedIOException io = new InterruptedIOException("interrupted during Cloudflare Queues " + operation);
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

    /** For messages: never the token. */
    @Override
    public String toString() {
        return "CloudflareApi[" + base + ", " + what + "]";
    }
}
