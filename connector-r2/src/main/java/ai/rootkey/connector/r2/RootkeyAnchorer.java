package ai.rootkey.connector.r2;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Anchorer;
import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.SourceRef;
import ai.rootkey.connector.r2.internal.BoundedReply;
import ai.rootkey.connector.r2.internal.Exchanges;
import ai.rootkey.connector.r2.internal.HeaderValues;
import ai.rootkey.connector.r2.internal.MultipartFraming;
import ai.rootkey.connector.r2.internal.Progress;
import ai.rootkey.connector.r2.internal.Redaction;
import ai.rootkey.connector.r2.internal.RetryAfter;
import ai.rootkey.connector.r2.internal.Endpoints;
import ai.rootkey.connector.r2.internal.UploadBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An {@link Anchorer} for the ROOTKey upload API (DESIGN section 6.4), on {@link HttpClient}.
 *
 * <p>An upload is {@code POST {apiUrl}/api-v1/connectors/files/} over HTTP/1.1 with {@code x-api-key},
 * {@code x-rootkey-source-bucket}, {@code x-rootkey-source-key}, {@code x-rootkey-source-etag} (only when the ETag
 * is known) and a {@code multipart/form-data} body of one part named {@code file}, streamed in bounded memory with
 * an exact {@code Content-Length}. A source value that is not a legal header value (non-ASCII, control
 * characters, surrounding spaces) is percent-encoded (UTF-8, RFC 3986) and flagged with
 * {@code x-rootkey-source-key-encoding: percent} ({@code -bucket-encoding} and {@code -etag-encoding} likewise);
 * legal values are sent unchanged. The part's file name, the key's last path segment, is sent as UTF-8 with CR,
 * LF, {@code "} and {@code \} replaced by {@code _} and cut to 255 chars.
 *
 * <p>Timeouts: {@code connectTimeout} bounds opening a connection (in the client this class builds).
 * {@code idleTimeout} bounds each wait on the server: for the connection to take the start of the body, for the
 * server to take each next chunk of the body, for the response headers after the whole body was handed over, and
 * for each piece of the reply. It never bounds the upload as a whole, so a large upload that keeps moving is not
 * cut off. Time spent blocked reading the source stream is not counted: the source's own timeouts bound it.
 *
 * <p>Any HTTP answer is a {@link Receipt}; an exception means no answer (refused, reset, timed out). Immutable and
 * thread-safe; one {@link HttpClient}, and so one connection pool, serves all uploads.
 *
 * <pre>{@code
 * Anchorer anchorer = RootkeyAnchorer.builder()
 *         .apiKey(Secret.fromEnvironment("ROOTKEY_API_KEY"))
 *         .build();
 * }</pre>
 */
public final class RootkeyAnchorer implements Anchorer {
    /** The production API. */
    public static final String DEFAULT_API_URL = "https://api.rootkey.ai";
    /** The upload path, appended to the API URL. */
    public static final String UPLOAD_PATH = "/api-v1/connectors/files/";
    /** How long opening a connection may take. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** How long the server may make no progress; see the class comment. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** The {@code User-Agent} sent. */
    public static final String DEFAULT_USER_AGENT = "rootkey-connector-java";
    /** Longest reply body read into a receipt, in bytes. */
    public static final int MAX_REPLY_BYTES = Receipt.MAX_REPLY_CHARS;

    static final String API_KEY_HEADER = "x-api-key";
    static final String BUCKET_HEADER = "x-rootkey-source-bucket";
    static final String KEY_HEADER = "x-rootkey-source-key";
    static final String ETAG_HEADER = "x-rootkey-source-etag";
    static final String ENCODING_SUFFIX = "-encoding";

    private static final Logger LOG = LoggerFactory.getLogger(RootkeyAnchorer.class);
    private static final Duration MAX_TIMEOUT = Duration.ofHours(24);
    private static final String URL_SETTING = "apiUrl (ROOTKEY_API_URL)";

    private final Secret apiKey;
    private final URI uploadUri;
    private final Duration idleTimeout;
    private final String userAgent;
    private final boolean ownsClient;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile HttpClient client;

    private RootkeyAnchorer(Builder b, URI uploadUri) {
        this.apiKey = b.apiKey;
        this.uploadUri = uploadUri;
        this.idleTimeout = b.idleTimeout;
        this.userAgent = b.userAgent;
        this.clock = b.clock;
        this.ownsClient = b.httpClient == null;
        this.client = ownsClient
                ? HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(b.connectTimeout == null ? DEFAULT_CONNECT_TIMEOUT : b.connectTimeout)
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .build()
                : b.httpClient;
    }

    /** A builder with the defaults; not thread-safe. */
    public static Builder builder() {
        return new Builder();
    }

    /** The URL uploads go to. */
    public URI uploadUri() {
        return uploadUri;
    }

    /**
     * Uploads the request's content and returns the API's answer, whatever its status. The receipt's byte count
     * and SHA-256 cover the content bytes handed to the connection (all of them, unless the server answered
     * early).
     *
     * @throws java.net.http.HttpTimeoutException when the server made no progress for the idle timeout
     * @throws IOException                        when there is no answer (refused, reset), or the content stream
     *                                            failed or yielded fewer or more than {@code size} bytes
     * @throws ConfigurationException             when the API key cannot be sent in a header
     * @throws IllegalStateException              after {@link #close()}
     */
    @Override
    public Receipt anchor(AnchorRequest request) throws IOException {
        Objects.requireNonNull(request, "request");
        HttpClient http = openClient();
        long started = System.nanoTime();
        SourceRef source = request.source();
        MultipartFraming framing = MultipartFraming.create(random, request.fileName());
        Progress progress = new Progress();
        UploadBody body = UploadBody.of(framing, request.body(), request.size(), progress);
        String key = revealKey();
        HttpRequest.Builder builder = newRequest(key)
                .header("Content-Type", framing.contentType())
                .POST(body);
        sourceHeader(builder, BUCKET_HEADER, source.bucket());
        sourceHeader(builder, KEY_HEADER, source.key());
        source.eTag().ifPresent(eTag -> sourceHeader(builder, ETAG_HEADER, eTag));

        CompletableFuture<HttpResponse<byte[]>> exchange =
                http.sendAsync(builder.build(), BoundedReply.handler(MAX_REPLY_BYTES, progress));
        HttpResponse<byte[]> response;
        try {
            body.send(exchange, idleTimeout);
            response = Exchanges.await(exchange, progress, idleTimeout, "response to the upload");
        } catch (IOException | RuntimeException e) {
            exchange.cancel(true);
            throw e;
        }
        // A server that echoes the key in its reply (e.g. "invalid api key ...") must not get it into logs.
        Receipt receipt = new Receipt(response.statusCode(), body.contentBytesSent(), body.sha256Hex(),
                Redaction.redact(new String(response.body(), StandardCharsets.UTF_8), key), retryAfter(response));
        if (LOG.isDebugEnabled()) {
            LOG.atDebug().setMessage("rootkey.anchor.answered")
                    .addKeyValue("bucket", HeaderValues.encode(source.bucket()).value())
                    .addKeyValue("key", HeaderValues.encode(source.key()).value())
                    .addKeyValue("status", receipt.status())
                    .addKeyValue("bytes", receipt.bytesSent())
                    .addKeyValue("sha256", receipt.sha256())
                    .addKeyValue("duration_ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
                    .log();
        }
        return receipt;
    }

    /**
     * Checks the API key without uploading: {@code GET} on the upload path. 401 or 403 means the key is refused;
     * 408, 429 and 5xx mean the API cannot tell now. Any other status (200, 404, 405, ...) is taken to mean the
     * key was accepted, since the API authenticates before it routes.
     *
     * @throws ConfigurationException on 401 or 403
     * @throws DependencyException    on 408, 429 or 5xx, with the status and any {@code Retry-After}
     * @throws IOException            when there is no answer
     */
    @Override
    public void probe() throws IOException {
        HttpClient http = openClient();
        Progress progress = new Progress();
        HttpResponse<byte[]> response = Exchanges.await(
                http.sendAsync(newRequest(revealKey()).GET().build(), BoundedReply.handler(MAX_REPLY_BYTES, progress)),
                progress, idleTimeout, "answer to the probe");
        int status = response.statusCode();
        if (status == 401 || status == 403) {
            throw new ConfigurationException("the ROOTKey API rejects the API key (" + status
                    + "): check ROOTKEY_API_KEY");
        }
        if (status == 408 || status == 429 || status >= 500) {
            throw new DependencyException("the ROOTKey API answered the probe with " + status, status, null,
                    retryAfter(response).orElse(null), null);
        }
    }

    /**
     * Drops the HTTP client this anchorer built; a client passed to {@link Builder#httpClient} is left alone.
     * On Java 17 {@link HttpClient} has no {@code close()}: the built client's daemon threads and pooled
     * connections go once it is unreachable. Uploads in flight are not interrupted. Idempotent; later calls to
     * {@link #anchor} and {@link #probe} fail with {@link IllegalStateException}.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && ownsClient) {
            client = null;
        }
    }

    /** The upload URL and settings; never the API key. */
    @Override
    public String toString() {
        return "RootkeyAnchorer[uploadUri=" + uploadUri + ", idleTimeout=" + idleTimeout + ", httpClient="
                + (ownsClient ? "built" : "supplied") + ", apiKey=" + apiKey + (closed.get() ? ", closed" : "") + "]";
    }

    private HttpClient openClient() {
        HttpClient http = client;
        if (closed.get() || http == null) {
            throw new IllegalStateException("the anchorer is closed");
        }
        return http;
    }

    /** The API key for one request, checked to be a legal header value. */
    private String revealKey() {
        String key = apiKey.reveal();
        if (!HeaderValues.isLegal(key)) {
            throw new ConfigurationException("the API key contains characters that cannot be sent in an HTTP "
                    + "header (control characters, non-ASCII or surrounding spaces): check ROOTKEY_API_KEY");
        }
        return key;
    }

    private HttpRequest.Builder newRequest(String key) {
        return HttpRequest.newBuilder(uploadUri)
                .version(HttpClient.Version.HTTP_1_1)
                .header(API_KEY_HEADER, key)
                .header("User-Agent", userAgent);
    }

    private static void sourceHeader(HttpRequest.Builder builder, String name, String value) {
        HeaderValues.Encoded encoded = HeaderValues.encode(value);
        builder.header(name, encoded.value());
        if (encoded.percentEncoded()) {
            builder.header(name + ENCODING_SUFFIX, HeaderValues.PERCENT);
        }
    }

    private Optional<Duration> retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").flatMap(v -> RetryAfter.parse(v, clock.instant()));
    }

    /**
     * Builds a {@link RootkeyAnchorer}. Setters reject bad values at once; {@link #build()} checks the whole.
     * Not thread-safe.
     */
    public static final class Builder {
        private Secret apiKey;
        private URI apiUrl = URI.create(DEFAULT_API_URL);
        private Duration connectTimeout;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private HttpClient httpClient;
        private boolean allowInsecureLoopback;
        private String userAgent = DEFAULT_USER_AGENT;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** The connector's API key, sent raw in {@code x-api-key}. Required. */
        public Builder apiKey(Secret apiKey) {
            this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
            return this;
        }

        /**
         * The API's base URL; default {@value RootkeyAnchorer#DEFAULT_API_URL}. One trailing slash is trimmed, a
         * path prefix is kept. Must be https (see {@link #allowInsecureLoopbackForTesting}).
         *
         * @throws IllegalArgumentException when it is not a URL
         */
        public Builder apiUrl(String apiUrl) {
            Objects.requireNonNull(apiUrl, "apiUrl");
            try {
                return apiUrl(new URI(apiUrl.trim()));
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("apiUrl is not a valid URL: " + e.getMessage(), e);
            }
        }

        /** The API's base URL; see {@link #apiUrl(String)}. */
        public Builder apiUrl(URI apiUrl) {
            Objects.requireNonNull(apiUrl, "apiUrl");
            if (apiUrl.getRawQuery() != null || apiUrl.getRawFragment() != null) {
                throw new IllegalArgumentException("apiUrl must not have a query or fragment, was " + apiUrl);
            }
            this.apiUrl = apiUrl;
            return this;
        }

        /**
         * How long opening a connection may take; default {@link RootkeyAnchorer#DEFAULT_CONNECT_TIMEOUT}. Applies
         * to the client this builder creates; a client passed to {@link #httpClient} keeps its own.
         */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = checkTimeout(connectTimeout, "connectTimeout");
            return this;
        }

        /**
         * How long the server may make no progress; default {@link RootkeyAnchorer#DEFAULT_IDLE_TIMEOUT}. See the
         * class comment for exactly what it bounds.
         */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = checkTimeout(idleTimeout, "idleTimeout");
            return this;
        }

        /**
         * Uses {@code httpClient} instead of building one. The anchorer never closes it and sets HTTP/1.1 on each
         * request; its connect timeout, proxy and TLS settings apply. It must not follow redirects: a redirect would
         * carry the API key to another host.
         *
         * @throws IllegalArgumentException when the client follows redirects
         */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = Endpoints.requireNoRedirects(httpClient, "httpClient");
            return this;
        }

        /**
         * Allows a plain {@code http} API URL whose host is loopback ({@code localhost}, {@code 127.0.0.0/8},
         * {@code ::1}), for local stand-ins and tests. Other hosts still need https. Default false. TLS
         * verification is never turned off.
         */
        public Builder allowInsecureLoopbackForTesting(boolean allow) {
            this.allowInsecureLoopback = allow;
            return this;
        }

        /** The {@code User-Agent} header; default {@value RootkeyAnchorer#DEFAULT_USER_AGENT}. */
        public Builder userAgent(String userAgent) {
            Objects.requireNonNull(userAgent, "userAgent");
            if (userAgent.isBlank() || !HeaderValues.isLegal(userAgent)) {
                throw new IllegalArgumentException("userAgent must be printable ASCII without surrounding spaces");
            }
            this.userAgent = userAgent;
            return this;
        }

        /** The clock {@code Retry-After} dates are measured against (tests). */
        Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The anchorer.
         *
         * @throws IllegalStateException  when no API key was set, or a connect timeout was set with a client
         * @throws ConfigurationException when the API URL breaks the https rule, saying how to fix it
         */
        public RootkeyAnchorer build() {
            if (apiKey == null) {
                throw new IllegalStateException("no API key: call apiKey(Secret.fromEnvironment(\"ROOTKEY_API_KEY\"))");
            }
            if (httpClient != null && connectTimeout != null) {
                throw new IllegalStateException("connectTimeout applies only to the HttpClient the builder creates: "
                        + "set it on your own HttpClient, or do not pass one");
            }
            URI base = Endpoints.requireHttpsOrLoopback(apiUrl, allowInsecureLoopback, URL_SETTING);
            return new RootkeyAnchorer(this, URI.create(base + UPLOAD_PATH));
        }

        /** The settings; never the API key. */
        @Override
        public String toString() {
            return "RootkeyAnchorer.Builder[apiUrl=" + apiUrl + ", connectTimeout="
                    + (connectTimeout == null ? DEFAULT_CONNECT_TIMEOUT : connectTimeout) + ", idleTimeout="
                    + idleTimeout + ", httpClient=" + (httpClient == null ? "built" : "supplied")
                    + ", allowInsecureLoopbackForTesting=" + allowInsecureLoopback + ", apiKey="
                    + (apiKey == null ? "unset" : apiKey) + "]";
        }

        private static Duration checkTimeout(Duration timeout, String name) {
            Objects.requireNonNull(timeout, name);
            if (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException(name + " must be between 1 ms and 24 h, was " + timeout);
            }
            return timeout;
        }
    }
}
