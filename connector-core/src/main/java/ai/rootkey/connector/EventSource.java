package ai.rootkey.connector;

import java.io.IOException;
import java.util.List;

/**
 * Where events come from: a queue that hands out messages under leases and takes them back as acks or
 * retries.
 *
 * <p>Short-poll semantics: {@link #receive(int)} returns at once, possibly with nothing; the engine owns the
 * idle back-off. Delivery is at least once. Implementations must be safe to call from two threads at once
 * (the engine receives on one thread and settles on another).
 */
public interface EventSource extends AutoCloseable {

    /**
     * Leases up to {@code maxMessages} messages. Bodies that are not events come back as
     * {@linkplain Delivery#malformed malformed deliveries}, never as an exception.
     *
     * @throws IOException         the queue could not be reached or answered with an error; the engine
     *                             classifies it and backs off
     * @throws ConnectorException  for example a {@link ConfigurationException} when the credentials are refused
     */
    Batch receive(int maxMessages) throws IOException;

    /**
     * Acknowledges or retries the given deliveries. Acks and retries are idempotent from the engine's point of
     * view: after a failure it calls again with the same settlements. A settlement for a lease that already
     * expired must not fail the call.
     */
    void settle(List<Settlement> settlements) throws IOException;

    /**
     * Checks, without consuming messages, that the source's credentials and configuration work. The engine
     * calls it while paused for a configuration failure of the source; returning normally resumes it.
     * The default does nothing, in which case the next {@link #receive(int)} is the probe.
     */
    default void probe() throws IOException {
    }

    /** The largest {@code maxMessages} this source accepts. */
    default int maxBatchSize() {
        return 100;
    }

    /** Releases what the source built (clients, threads). The default does nothing. Never throws. */
    @Override
    default void close() {
    }
}
