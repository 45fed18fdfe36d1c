package ai.rootkey.connector.r2.internal;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorStats;
import ai.rootkey.connector.Health;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/** A connector that closes the parts it was built with after it has drained. */
public final class OwningConnector implements Connector {
    private static final Logger LOG = LoggerFactory.getLogger(OwningConnector.class);

    private final Connector engine;
    private final List<AutoCloseable> parts;

    public OwningConnector(Connector engine, List<AutoCloseable> parts) {
        this.engine = engine;
        this.parts = List.copyOf(parts);
    }

    @Override
    public Connector start() {
        engine.start();
        return this;
    }

    @Override
    public ConnectorStats stats() {
        return engine.stats();
    }

    @Override
    public Health health() {
        return engine.health();
    }

    @Override
    public void close() {
        engine.close();
        closeAll(parts);
    }

    /** Closes each part, in reverse order, logging (never throwing) what fails. */
    public static void closeAll(List<AutoCloseable> parts) {
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (Exception e) {
                LOG.atWarn().addKeyValue("part", parts.get(i).getClass().getSimpleName())
                        .log("rootkey.connector.close_failed part={} error={}", parts.get(i).getClass().getSimpleName(),
                                e.toString());
            }
        }
    }

    @Override
    public String toString() {
        return engine.toString();
    }
}
