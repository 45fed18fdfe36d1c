package ai.rootkey.connector.r2.internal;

import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.HttpHostConnectException;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.ProxySelector;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The HTTP client of the ROOTKey upload API: Apache HttpClient 5 (classic, HTTP/1.1 only, blocking I/O on the
 * calling thread) on {@link UploadConnections}, with a {@link Watchdog} for the idle timeout. Every request header
 * goes as the UTF-8 bytes of its value, and nothing logs a header.
 *
 * <ul>
 * <li>No redirects, no automatic retries (the engine retries, with back-off), no cookies, no compression, no
 *     authentication, no protocol upgrade: one request, one answer.</li>
 * <li>Connections are pooled per route without a limit, created on demand: the engine's concurrency (at most
 *     1,024) bounds them, never the pool. A connection idle for over a second is checked before reuse; one idle
 *     for {@link #MAX_IDLE} is closed.</li>
 * <li>{@code connectTimeout} bounds the TCP connect. {@code idleTimeout} is the socket read timeout (the TLS
 *     handshake, the answer's headers, each piece of the reply) and, through the watchdog, bounds every wait on the
 *     server, a blocked body write included; waits for the body's own source are not counted.</li>
 * <li>Any HTTP answer is an {@link Answer}; an exception means no answer. Timeouts are
 *     {@link SocketTimeoutException}s that say what was awaited; an exchange aborted because its thread was
 *     interrupted is an {@link InterruptedIOException}; no Apache exception type escapes as the thrown type.</li>
 * </ul>
 *
 * <p>Thread-safe. {@link #close()} closes every connection, also those of exchanges still running, which then fail.
 */
public final class UploadClient implements AutoCloseable {
    /** Pooled connections idle this long are closed. */
    public static final Duration MAX_IDLE = Duration.ofMinutes(1);

    private final CloseableHttpClient http;
    private final PoolingHttpClientConnectionManager pool;
    private final Watchdog watchdog;
    private final Duration connectTimeout;
    private final Duration idleTimeout;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean housekeeping = new AtomicBoolean();

    /**
     * A client. Builds no thread until the first exchange.
     *
     * @param sslContext for https; empty: the JVM's default context (its default trust store). Hostname
     *                   verification is always on.
     * @param proxy      where requests go through; empty: straight to the server
     */
    public UploadClient(Duration connectTimeout, Duration idleTimeout, Optional<SSLContext> sslContext,
                        Optional<ProxySelector> proxy) {
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
        Timeout idle = Timeout.of(idleTimeout);
        this.pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setConnectionFactory(new UploadConnections())
                .setTlsSocketStrategy(new DefaultClientTlsStrategy(sslContext.orElseGet(UploadClient::defaultTls)))
                .setMaxConnTotal(Integer.MAX_VALUE)
                .setMaxConnPerRoute(Integer.MAX_VALUE)
                .setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(idle).setTcpNoDelay(true).build())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(connectTimeout))
                        .setSocketTimeout(idle)
                        .setValidateAfterInactivity(TimeValue.ofSeconds(1))
                        .build())
                .setDefaultTlsConfig(TlsConfig.custom().setHandshakeTimeout(idle).build())
                .build();
        HttpClientBuilder builder = HttpClientBuilder.create()
                .setConnectionManager(pool)
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(idle)
                        .setResponseTimeout(idle)
                        .setRedirectsEnabled(false)
                        .setAuthenticationEnabled(false)
                        .setContentCompressionEnabled(false)
                        .setProtocolUpgradeEnabled(false)
                        .setExpectContinueEnabled(false)
                        .setHardCancellationEnabled(true)
                        .build())
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableContentCompression()
                .disableAuthCaching()
                .disableConnectionState()
                .disableDefaultUserAgent();
        proxy.ifPresent(builder::setProxySelector);
        this.http = builder.build();
        this.watchdog = new Watchdog("rootkey-upload-watchdog");
    }

    /**
     * An HTTP answer.
     *
     * @param status     the status code
     * @param retryAfter the first {@code Retry-After} header, as sent
     * @param reply      the start of the reply body, at most the limit asked for
     */
    public record Answer(int status, Optional<String> retryAfter, byte[] reply) {
        public Answer {
            Objects.requireNonNull(retryAfter, "retryAfter");
            Objects.requireNonNull(reply, "reply");
        }
    }

    /**
     * Sends {@code request} with {@code body} as its entity and reads the answer.
     *
     * @param replyLimit the most reply bytes read; the rest is not read and the connection is not reused
     * @throws SocketTimeoutException  when the server did not move for the idle timeout, or no connection was made
     *                                 within the connect timeout
     * @throws InterruptedIOException  when the calling thread was interrupted
     * @throws IOException             when there is no answer, or {@code body} failed (its own exception)
     * @throws IllegalStateException   after {@link #close()}
     */
    public Answer upload(HttpUriRequestBase request, UploadEntity body, int replyLimit) throws IOException {
        Objects.requireNonNull(body, "body");
        request.setEntity(body);
        return exchange(request, body, body.progress(), replyLimit, "response to the upload");
    }

    /**
     * Sends {@code request}, which has no body, and reads the answer; see {@link #upload}.
     *
     * @param what what is awaited, for a timeout's message (e.g. "answer to the probe")
     */
    public Answer send(HttpUriRequestBase request, int replyLimit, String what) throws IOException {
        return exchange(request, null, new Progress(), replyLimit, what);
    }

    /**
     * Closes every connection, those of running exchanges too, and stops the watchdog. Idempotent; later exchanges
     * fail with {@link IllegalStateException}.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            watchdog.close();
            http.close(CloseMode.IMMEDIATE);
        }
    }

    private Answer exchange(HttpUriRequestBase request, UploadEntity body, Progress progress, int replyLimit,
                            String what) throws IOException {
        Objects.requireNonNull(request, "request");
        Watchdog.Watch watch = watch(progress, request);
        try {
            ClassicHttpResponse response = http.executeOpen(null, request, null);
            try {
                progress.touch();
                Header retryAfter = response.getFirstHeader("Retry-After");
                HttpEntity entity = response.getEntity();
                BoundedReply reply = BoundedReply.empty();
                if (entity != null) {
                    InputStream in = entity.getContent();
                    boolean whole = false;
                    try {
                        reply = BoundedReply.read(in, replyLimit, progress);
                        whole = reply.complete();
                    } finally {
                        if (!whole) {
                            // Cut off, or failed: neither read nor drain the rest; drop the connection.
                            request.cancel();
                        }
                        closeQuietly(in);
                    }
                }
                return new Answer(response.getCode(), Optional.ofNullable(retryAfter).map(Header::getValue),
                        reply.bytes());
            } finally {
                closeQuietly(response);
            }
        } catch (IOException e) {
            throw failure(e, watch.verdict(), body, what);
        } catch (RuntimeException e) {
            if (watch.verdict() != Watchdog.Verdict.NONE) {
                throw failure(e, watch.verdict(), body, what);
            }
            if (closed.get() && e instanceof IllegalStateException) {
                throw new IllegalStateException("the anchorer is closed", e);
            }
            throw e;
        } finally {
            watch.close();
        }
    }

    private Watchdog.Watch watch(Progress progress, HttpUriRequestBase request) {
        if (closed.get()) {
            throw new IllegalStateException("the anchorer is closed");
        }
        try {
            if (housekeeping.compareAndSet(false, true)) {
                watchdog.every(MAX_IDLE.dividedBy(2), () -> {
                    pool.closeExpired();
                    pool.closeIdle(TimeValue.of(MAX_IDLE));
                });
            }
            return watchdog.watch(progress, idleTimeout, request::cancel);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("the anchorer is closed", e);
        }
    }

    /** The exception to throw for an exchange that failed with {@code e}. */
    private IOException failure(Exception e, Watchdog.Verdict verdict, UploadEntity body, String what) {
        if (verdict == Watchdog.Verdict.IDLE) {
            return timeout(idleMessage(body, what), e);
        }
        if (verdict == Watchdog.Verdict.INTERRUPTED) {
            InterruptedIOException interrupted = new InterruptedIOException("interrupted while waiting for the "
                    + (body == null ? what : "upload") + "; the exchange was aborted");
            interrupted.initCause(e);
            return interrupted;
        }
        if (e instanceof ConnectTimeoutException) {
            return timeout("could not connect to the ROOTKey API within " + connectTimeout + " (connect timeout)", e);
        }
        if (e instanceof SocketTimeoutException) {
            return timeout(idleMessage(body, what), e); // a read: the TLS handshake, the answer, the reply
        }
        if (e instanceof HttpHostConnectException) {
            ConnectException refused = new ConnectException(e.getMessage());
            refused.initCause(e);
            return refused;
        }
        return e instanceof IOException ? (IOException) e : new IOException(e.toString(), e);
    }

    private String idleMessage(UploadEntity body, String what) {
        if (body == null || body.finished()) {
            return "no " + what + " from the ROOTKey API within " + idleTimeout + " (idle timeout)";
        }
        if (!body.started()) {
            return "the connection to the ROOTKey API was not ready for the upload within " + idleTimeout
                    + " (idle timeout)";
        }
        return "the ROOTKey API took no upload bytes for " + idleTimeout + " (idle timeout) after "
                + body.contentBytesSent() + " of " + body.size() + " content bytes";
    }

    /** Releases (or, after a cancel, discards) the connection; the answer was read, whatever happens here. */
    private static void closeQuietly(java.io.Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException | RuntimeException ignored) {
            // the connection is discarded either way
        }
    }

    private static SocketTimeoutException timeout(String message, Exception cause) {
        SocketTimeoutException timeout = new SocketTimeoutException(message);
        timeout.initCause(cause);
        return timeout;
    }

    private static SSLContext defaultTls() {
        try {
            return SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no default TLS context: " + e.getMessage(), e);
        }
    }
}
