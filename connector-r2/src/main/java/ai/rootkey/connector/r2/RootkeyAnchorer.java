package ai.rootkey.connector.r2;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Anchorer;
import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.SourceRef;
import ai.rootkey.connector.LogSafe;
import ai.rootkey.connector.r2.internal.Endpoints;
import ai.rootkey.connector.r2.internal.HeaderValues;
import ai.rootkey.connector.r2.internal.MultipartFraming;
import ai.rootkey.connector.r2.internal.Progress;
import ai.rootkey.connector.r2.internal.Redaction;
import ai.rootkey.connector.r2.internal.RetryAfter;
import ai.rootkey.connector.r2.internal.UploadClient;
import ai.rootkey.connector.r2.internal.UploadEntity;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An {@link Anchorer} for the ROOTKey upload API (DESIGN section 6.4).
 *
 * <p>An upload is {@code POST {apiUrl}/api-v1/connectors/files/} over HTTP/1.1 with {@code x-api-key},
 * {@code x-rootkey-source-bucket}, {@code x-rootkey-source-key}, {@code x-rootkey-source-etag} (only when the ETag
 * is known) and a {@code multipart/form-data} body of one part named {@code file}, streamed in bounded memory with
 * an exact {@code Content-Length}.
 *
 * <p>The source headers carry what the public R2 Worker sends, so the API sees the same idempotency key from both:
 * the exact UTF-8 bytes of the key ({@code relatórios/Q3 résumé.pdf} goes as {@code relat\xC3\xB3rios/...}),
 * with no encoding header. Only a value the Worker cannot send, one with a control character (U+0000-U+001F,
 * U+007F) or a space at either end, is percent-encoded (UTF-8, RFC 3986) and flagged with
 * {@code x-rootkey-source-key-encoding: percent} ({@code -bucket-encoding} and {@code -etag-encoding} likewise).
 * The part's file name, the key's last path segment, is sent as UTF-8 with CR, LF, {@code "} and {@code \}
 * replaced by {@code _} and cut to 255 chars. The HTTP client is Apache HttpClient 5 with connections that write
 * header values as UTF-8 ({@code java.net.http} writes U+0080-U+00FF as {@code ?} and refuses the rest), speak
 * HTTP/1.1 only (also where a TLS server offers HTTP/2) and never log a header. It follows no redirect: a redirect
 * would carry the API key to another host.
 *
 * <p>Timeouts: {@code connectTimeout} bounds opening a TCP connection. {@code idleTimeout} bounds each wait on the
 * server: the TLS handshake, the connection taking the start of the body, the server taking each next chunk of the
 * body (a watchdog aborts an upload whose server stopped reading), the response headers after the whole body was
 * handed over, and each piece of the reply. It never bounds the upload as a whole, so a large upload that keeps
 * moving is not cut off. Time spent blocked reading the source stream is not counted: the source's own timeouts
 * bound it. An uploading thread that is interrupted has its exchange aborted within a second.
 *
 * <p>Any HTTP answer is a {@link Receipt}; an exception means no answer (refused, reset, timed out). An answer that
 * comes while the body is still going out (a server that refuses the upload early) stops the upload and is the
 * receipt; over TLS it is noticed within 200 ms as long as the server still reads (one that stops reading ends in
 * the idle timeout). Immutable and thread-safe; one connection pool, without a limit of its own, serves all uploads.
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
    private final Duration connectTimeout;
    private final Duration idleTimeout;
    private final String userAgent;
    private final boolean customTls;
    private final boolean proxied;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final UploadClient client;

    private RootkeyAnchorer(Builder b, URI uploadUri) {
        this.apiKey = b.apiKey;
        this.uploadUri = uploadUri;
        this.connectTimeout = b.connectTimeout;
        this.idleTimeout = b.idleTimeout;
        this.userAgent = b.userAgent;
        this.clock = b.clock;
        this.customTls = b.sslContext != null;
        this.proxied = b.proxy != null;
        this.client = new UploadClient(connectTimeout, idleTimeout, Optional.ofNullable(b.sslContext),
                Optional.ofNullable(b.proxy));
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
     * @throws java.net.SocketTimeoutException  when the server made no progress for the idle timeout, or no
     *                                          connection was made within the connect timeout
     * @throws java.io.InterruptedIOException   when the uploading thread was interrupted
     * @throws IOException                      when there is no answer (refused, reset), or the content stream
     *                                          failed or yielded fewer or more than {@code size} bytes
     * @throws ConfigurationException           when the API key cannot be sent in a header
     * @throws IllegalStateException            after {@link #close()}
     */
    @Override
    public Receipt anchor(AnchorRequest request) throws IOException {
        Objects.requireNonNull(request, "request");
        requireOpen();
        long started = System.nanoTime();
        SourceRef source = request.source();
        String key = revealKey();
        UploadEntity body = new UploadEntity(MultipartFraming.create(random, request.fileName()), request.body(),
                request.size(), new Progress());
        HttpPost post = newRequest(new HttpPost(uploadUri), key);
        sourceHeader(post, BUCKET_HEADER, source.bucket());
        sourceHeader(post, KEY_HEADER, source.key());
        source.eTag().ifPresent(eTag -> sourceHeader(post, ETAG_HEADER, eTag));

        UploadClient.Answer answer = client.upload(post, body, MAX_REPLY_BYTES);
        // A server that echoes the key in its reply (e.g. "invalid api key ...") must not get it into logs.
        Receipt receipt = new Receipt(answer.status(), body.contentBytesSent(), body.sha256Hex(),
                Redaction.redact(new String(answer.reply(), StandardCharsets.UTF_8), key), retryAfter(answer));
        if (LOG.isDebugEnabled()) {
            LOG.atDebug().setMessage("rootkey.anchor.answered")
                    .addKeyValue("bucket", LogSafe.escape(source.bucket()))
                    .addKeyValue("key", LogSafe.escape(source.key()))
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
        requireOpen();
        UploadClient.Answer answer = client.send(newRequest(new HttpGet(uploadUri), revealKey()), MAX_REPLY_BYTES,
                "answer to the probe");
        int status = answer.status();
        if (status == 401 || status == 403) {
            throw new ConfigurationException("the ROOTKey API rejects the API key (" + status
                    + "): check ROOTKEY_API_KEY");
        }
        if (status == 408 || status == 429 || status >= 500) {
            throw new DependencyException("the ROOTKey API answered the probe with " + status, status, null,
                    retryAfter(answer).orElse(null), null);
        }
    }

    /**
     * Closes the HTTP client: every pooled connection, and the connections of uploads still in flight, which then
     * fail with an {@link IOException} (a connector closes its anchorer after draining). Idempotent; later calls to
     * {@link #anchor} and {@link #probe} fail with {@link IllegalStateException}.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            client.close();
        }
    }

    /** The upload URL and settings; never the API key. */
    @Override
    public String toString() {
        return "RootkeyAnchorer[uploadUri=" + uploadUri + ", connectTimeout=" + connectTimeout + ", idleTimeout="
                + idleTimeout + (customTls ? ", sslContext=supplied" : "") + (proxied ? ", proxy=supplied" : "")
                + ", apiKey=" + apiKey + (closed.get() ? ", closed" : "") + "]";
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the anchorer is closed");
        }
    }

    /** The API key for one request, checked to be a legal header value. */
    private String revealKey() {
        String key = apiKey.reveal();
        if (!HeaderValues.isPrintableAscii(key)) {
            throw new ConfigurationException("the API key contains characters that cannot be sent in an HTTP "
                    + "header (control characters, non-ASCII or surrounding spaces): check ROOTKEY_API_KEY");
        }
        return key;
    }

    private <T extends HttpUriRequestBase> T newRequest(T request, String key) {
        request.addHeader(API_KEY_HEADER, key);
        request.addHeader("User-Agent", userAgent);
        return request;
    }

    private static void sourceHeader(HttpUriRequestBase request, String name, String value) {
        HeaderValues.Encoded encoded = HeaderValues.encode(value);
        request.addHeader(name, encoded.value());
        if (encoded.percentEncoded()) {
            request.addHeader(name + ENCODING_SUFFIX, HeaderValues.PERCENT);
        }
    }

    private Optional<Duration> retryAfter(UploadClient.Answer answer) {
        return answer.retryAfter().flatMap(v -> RetryAfter.parse(v, clock.instant()));
    }

    /**
     * Builds a {@link RootkeyAnchorer}. Setters reject bad values at once; {@link #build()} checks the whole.
     * Not thread-safe.
     */
    public static final class Builder {
        private Secret apiKey;
        private URI apiUrl = URI.create(DEFAULT_API_URL);
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private SSLContext sslContext;
        private ProxySelector proxy;
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

        /** How long opening a TCP connection may take; default {@link RootkeyAnchorer#DEFAULT_CONNECT_TIMEOUT}. */
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
         * The TLS context for https, e.g. one that trusts a company's own certificate authority or presents a client
         * certificate; default the JVM's default context ({@code javax.net.ssl.trustStore} and the JDK's trusted
         * authorities). The server's certificate and host name are always verified.
         */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
            return this;
        }

        /**
         * Sends uploads through the proxy {@code proxy} chooses for the upload URL ({@code ProxySelector.of(address)}
         * for one HTTP proxy; https goes through a {@code CONNECT} tunnel). Default: no proxy, whatever the system
         * properties say. Proxies that ask for authentication are not supported.
         */
        public Builder proxy(ProxySelector proxy) {
            this.proxy = Objects.requireNonNull(proxy, "proxy");
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
            if (userAgent.isBlank() || !HeaderValues.isPrintableAscii(userAgent)) {
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
         * @throws IllegalStateException  when no API key was set
         * @throws ConfigurationException when the API URL breaks the https rule, saying how to fix it
         */
        public RootkeyAnchorer build() {
            if (apiKey == null) {
                throw new IllegalStateException("no API key: call apiKey(Secret.fromEnvironment(\"ROOTKEY_API_KEY\"))");
            }
            URI base = Endpoints.requireHttpsOrLoopback(apiUrl, allowInsecureLoopback, URL_SETTING);
            return new RootkeyAnchorer(this, URI.create(base + UPLOAD_PATH));
        }

        /** The settings; never the API key. */
        @Override
        public String toString() {
            return "RootkeyAnchorer.Builder[apiUrl=" + apiUrl + ", connectTimeout=" + connectTimeout
                    + ", idleTimeout=" + idleTimeout + (sslContext != null ? ", sslContext=supplied" : "")
                    + (proxy != null ? ", proxy=supplied" : "") + ", allowInsecureLoopbackForTesting="
                    + allowInsecureLoopback + ", apiKey=" + (apiKey == null ? "unset" : apiKey) + "]";
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
