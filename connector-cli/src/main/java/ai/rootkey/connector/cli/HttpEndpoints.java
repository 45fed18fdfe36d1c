package ai.rootkey.connector.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The endpoints of {@code run --http-port}: {@code /health/live}, {@code /health/ready} and {@code /metrics}, served
 * by the JDK's HTTP server ({@code com.sun.net.httpserver}) on {@value #THREADS} threads of its own.
 *
 * <p>GET and HEAD only: other methods get 405 with {@code Allow}, other paths 404. Request bodies are never read.
 * The JDK server reads a request's line and headers on a pool thread, so a slow or hostile client can hold at most
 * one thread per connection, and only until the request timeout set by {@link #configureJdkServerLimits()} closes its
 * connection; when all threads are busy, up to {@value #QUEUED} requests wait and further connections are closed.
 * The connector runs on its own threads and never waits for this server: the handlers only read
 * {@code Connector.health()} and the meter registry.
 */
final class HttpEndpoints implements AutoCloseable {
    static final String LIVE = "/health/live";
    static final String READY = "/health/ready";
    static final String METRICS = "/metrics";
    static final List<String> PATHS = List.of(LIVE, READY, METRICS);
    /** Threads that read requests and answer them. */
    static final int THREADS = 4;
    /** Requests that may wait for a thread; more are refused by closing their connection. */
    static final int QUEUED = 32;

    /** Prometheus text format 0.0.4, what Prometheus scrapes by default. */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    /** OpenMetrics 1.0, served when the scraper's {@code Accept} asks for it. */
    static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /**
     * The JDK server's limits (system properties of {@code sun.net.httpserver.ServerConfig}, read once per JVM when
     * the first server is created); each is set only when the operator has not set it with {@code -D}.
     */
    static final Map<String, String> JDK_SERVER_LIMITS = Map.of(
            "sun.net.httpserver.maxReqTime", "10",          // seconds to send the request line and headers
            "sun.net.httpserver.maxRspTime", "10",          // seconds to take the response
            "sun.net.httpserver.maxReqHeaders", "64",       // header fields per request
            "sun.net.httpserver.maxReqHeaderSize", "16384", // bytes of header fields per request
            "jdk.httpserver.maxConnections", "64");         // open connections; more are closed on accept

    private static final Logger LOG = LoggerFactory.getLogger("ai.rootkey.connector.cli");

    private final HttpServer server;
    private final ThreadPoolExecutor pool;
    private final ServiceHealth health;
    private final PrometheusMeterRegistry registry;

    private HttpEndpoints(HttpServer server, ThreadPoolExecutor pool, ServiceHealth health,
                          PrometheusMeterRegistry registry) {
        this.server = server;
        this.pool = pool;
        this.health = health;
        this.registry = registry;
    }

    /** Sets the {@link #JDK_SERVER_LIMITS} that are not set yet; call before the JVM creates its first HTTP server. */
    static void configureJdkServerLimits() {
        JDK_SERVER_LIMITS.forEach((name, value) -> {
            if (System.getProperty(name) == null) {
                System.setProperty(name, value);
            }
        });
    }

    /**
     * Binds {@code address} (port 0: any free port); serving begins with {@link #start()}.
     *
     * @throws IOException when the address cannot be bound (in use, not local, not permitted)
     */
    static HttpEndpoints bind(InetSocketAddress address, ServiceHealth health, PrometheusMeterRegistry registry)
            throws IOException {
        Objects.requireNonNull(address, "address");
        HttpServer server = HttpServer.create(address, QUEUED);
        AtomicInteger counter = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUED), runnable -> {
                    Thread thread = new Thread(runnable, "rootkey-http-" + counter.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                }, new ThreadPoolExecutor.AbortPolicy()); // the JDK server closes a refused connection
        pool.allowCoreThreadTimeOut(true);
        server.setExecutor(pool);
        HttpEndpoints endpoints = new HttpEndpoints(server, pool, Objects.requireNonNull(health, "health"),
                Objects.requireNonNull(registry, "registry"));
        server.createContext("/", endpoints::handle);
        return endpoints;
    }

    HttpEndpoints start() {
        server.start();
        return this;
    }

    /** The bound address (the real port when bound to port 0). */
    InetSocketAddress address() {
        return server.getAddress();
    }

    /** {@code http://host:port}, for log lines and tests. */
    URI baseUri() {
        InetSocketAddress a = address();
        String host = a.getAddress().getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort());
    }

    /** Stops serving at once: open connections are closed, the threads end. Idempotent. */
    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }

    private void handle(HttpExchange exchange) {
        try {
            serve(exchange);
        } catch (IOException e) {
            LOG.debug("rootkey.cli.http_exchange_failed error={}", e.toString());
        } catch (RuntimeException e) {
            LOG.warn("rootkey.cli.http_handler_failed path={} error={}", exchange.getRequestURI().getRawPath(),
                    e.toString());
            try {
                respond(exchange, 500, "text/plain; charset=utf-8", "internal error: " + e.getClass().getSimpleName());
            } catch (IOException | RuntimeException ignored) {
                // the response had begun or the client left; closing below ends the exchange
            }
        } finally {
            exchange.close();
        }
    }

    private void serve(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        if (!PATHS.contains(path)) {
            respond(exchange, 404, "text/plain; charset=utf-8",
                    "not found; the endpoints are " + String.join(", ", PATHS) + "\n");
            return;
        }
        String method = exchange.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            respond(exchange, 405, "text/plain; charset=utf-8", method + " is not allowed; use GET or HEAD\n");
            return;
        }
        switch (path) {
            case LIVE: {
                ServiceHealth.Probe probe = health.liveness();
                respond(exchange, probe.status(), "application/json", probe.json());
                return;
            }
            case READY: {
                ServiceHealth.Probe probe = health.readiness();
                respond(exchange, probe.status(), "application/json", probe.json());
                return;
            }
            default: {
                String accept = exchange.getRequestHeaders().getFirst("Accept");
                String contentType = accept != null
                        && accept.toLowerCase(Locale.ROOT).contains("application/openmetrics-text")
                        ? OPENMETRICS_TEXT : PROMETHEUS_TEXT;
                respond(exchange, 200, contentType, registry.scrape(contentType));
            }
        }
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (exchange.getRequestMethod().equals("HEAD")) {
            // The JDK server sends no body for HEAD and wants -1 here; the length is the GET body's.
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(bytes.length));
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
