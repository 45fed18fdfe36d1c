package ai.rootkey.connector.testkit.internal;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JDK {@link HttpServer} under both HTTP fakes: bound to 127.0.0.1, requests served concurrently by daemon
 * threads, stopped at once.
 *
 * <p>Speed: the JDK server writes a reply's headers and its body in two writes. With Nagle's algorithm on (the JDK
 * server's default) the body then waits for the client's delayed ACK of the headers, about 40 ms per reply on
 * Linux loopback (B2 measured 374 objects/s with {@code TCP_NODELAY}, 84 without, at concurrency 4). The only switch
 * is the JVM-wide system property {@value #NODELAY}, read once, when the JVM's first {@code HttpServer} is
 * created. The kit does not set it (a library must not change the JVM it is loaded into): the build's test
 * configuration sets it ({@code systemPropertyVariables}), so do the fakes' own {@code main} methods, and
 * {@link #start} logs {@code rootkey.testkit.nodelay_unset} once at WARN when it is not set.
 */
public final class LoopbackServer {
    /** The JDK server's switch for {@code TCP_NODELAY} on accepted connections. */
    public static final String NODELAY = "sun.net.httpserver.nodelay";

    private static final Logger LOG = LoggerFactory.getLogger(LoopbackServer.class);
    private static final AtomicBoolean WARNED = new AtomicBoolean();
    private static final int BACKLOG = 64;

    private final HttpServer server;
    private final ExecutorService executor;

    private LoopbackServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Binds 127.0.0.1:{@code port} (0: any free port) and starts serving with {@code handler}; threads are named
     * {@code name-PORT-N}.
     *
     * @throws UncheckedIOException when the port cannot be bound
     */
    public static LoopbackServer start(String name, int port, HttpHandler handler) {
        if (!Boolean.getBoolean(NODELAY) && WARNED.compareAndSet(false, true)) {
            LOG.atWarn().addKeyValue("property", NODELAY).log("rootkey.testkit.nodelay_unset: {} is not true, so "
                    + "each reply of the test kit's HTTP fakes may wait about 40 ms for a delayed ACK; run the tests "
                    + "with -D{}=true (surefire systemPropertyVariables)", NODELAY, NODELAY);
        }
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(loopback(), port), BACKLOG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
        }
        int bound = server.getAddress().getPort();
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, name + "-" + bound + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.createContext("/", handler);
        server.setExecutor(executor);
        server.start();
        return new LoopbackServer(server, executor);
    }

    /** Sets {@value #NODELAY} unless it is set: for the {@code main} of a program that owns its JVM. */
    public static void preferNoDelay() {
        System.getProperties().putIfAbsent(NODELAY, "true");
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops at once: open connections are closed and the threads interrupted. */
    public void stop() {
        server.stop(0);
        executor.shutdownNow();
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
