package ai.rootkey.connector.spring;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.spring.internal.RestartableConnector;
import org.springframework.context.SmartLifecycle;

import java.util.Objects;

/**
 * Starts the connector once the application context is refreshed and drains it when the context closes, in the
 * phase of Spring Boot's graceful shutdown ({@link #PHASE}: {@code WebServerGracefulShutdownLifecycle}'s phase in
 * Boot 3.5, {@code WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE} in 4.0): the web server stops taking
 * requests while the connector stops pulling, and both finish what is in flight, bounded by
 * {@code spring.lifecycle.timeout-per-shutdown-phase}.
 *
 * <p>Stopping is {@link Connector#close()}: uploads in flight finish within the drain timeout, everything unfinished
 * is handed back to the queue, and acknowledgements are flushed. It runs on its own thread so that Spring can drain
 * the other beans of the phase at the same time. Should the phase time out first, the context's bean destruction
 * calls {@code close()} again, which waits for the drain to end, so nothing is lost either way.
 *
 * <p>{@link #start()} after {@link #stop()} (Spring 7 pauses the contexts of tests not running, then restarts
 * them) starts a fresh engine when the connector is the one the starter built; an application's
 * own {@code Connector} bean cannot be restarted and says so.
 */
public final class ConnectorLifecycle implements SmartLifecycle {
    /** The graceful shutdown phase: {@code SmartLifecycle.DEFAULT_PHASE - 1024}. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1024;

    private final Connector connector;
    private volatile boolean running;
    private volatile boolean stopped;

    public ConnectorLifecycle(Connector connector) {
        this.connector = Objects.requireNonNull(connector, "connector");
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        if (stopped && !(connector instanceof RestartableConnector)) {
            throw new IllegalStateException("the application's Connector bean was stopped with its application "
                    + "context and cannot be restarted: refresh the context, or let the starter build the connector");
        }
        connector.start();
        stopped = false;
        running = true;
    }

    @Override
    public void stop() {
        stopped = true;
        try {
            connector.close();
        } finally {
            running = false;
        }
    }

    @Override
    public void stop(Runnable callback) {
        stopped = true;
        Thread drain = new Thread(() -> {
            try {
                stop();
            } finally {
                callback.run();
            }
        }, "rootkey-connector-drain");
        drain.setDaemon(false);
        drain.start();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
