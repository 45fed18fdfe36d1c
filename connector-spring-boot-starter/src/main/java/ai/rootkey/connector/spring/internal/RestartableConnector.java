package ai.rootkey.connector.spring.internal;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorStats;
import ai.rootkey.connector.Health;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * The connector bean: a {@link Connector} that can be started again after it was closed, by building a fresh one
 * from the same settings. Spring stops and restarts lifecycle beans without closing the context (Spring 7's test
 * context pausing, {@code context.stop()} then {@code start()}), while an engine runs only once.
 *
 * <p>{@link #health()} and {@link #stats()} are those of the current engine, so the counters start from zero after
 * a restart. {@link #close()} drains the current engine without holding any lock, so health stays readable during
 * the drain. Thread-safe.
 */
public final class RestartableConnector implements Connector {
    private final Supplier<Connector> factory;
    private volatile Connector current;
    private boolean closed;

    /** Builds the first engine at once, so that a configuration problem fails the application's startup. */
    public RestartableConnector(Supplier<Connector> factory) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.current = Objects.requireNonNull(factory.get(), "the factory returned no connector");
    }

    /**
     * Starts the current engine, or a new one when the current one was closed.
     *
     * @throws IllegalStateException when already running
     */
    @Override
    public synchronized Connector start() {
        if (closed) {
            current = Objects.requireNonNull(factory.get(), "the factory returned no connector");
            closed = false;
        }
        current.start();
        return this;
    }

    @Override
    public ConnectorStats stats() {
        return current.stats();
    }

    @Override
    public Health health() {
        return current.health();
    }

    /** Drains and stops the current engine (see {@link Connector#close()}); idempotent. */
    @Override
    public void close() {
        Connector closing;
        synchronized (this) {
            closing = current;
            closed = true;
        }
        closing.close();
    }

    @Override
    public String toString() {
        return "RestartableConnector[" + current + "]";
    }
}
