package ai.rootkey.connector;

import java.io.IOException;
import java.util.List;
import java.util.OptionalInt;

/**
 * Where events come from: a queue that hands out messages under leases and takes them back as acks or
 * retries.
 *
 * <p>Short-poll semantics: {@link #receive(int)} returns at once, possibly with nothing; the engine owns the
 * idle back-off. Delivery is at least once. Implementations must be safe to call from two threads at once
 * (the engine receives on one thread and settles on another); several receives, or several settles, run at once only
 * where {@link #maxConcurrentCalls()} allows it.
 */
public interface EventSource extends AutoCloseable {

    /**
     * Leases up to {@code maxMessages} messages. Bodies that are not events come back as
     * {@linkplain Delivery#malformed malformed deliveries}, never as an exception. A source that knows when a lease
     * ends sets {@link Delivery#leaseDeadline()}.
     *
     * @throws IOException         the queue could not be reached or answered with an error; the engine
     *                             classifies it and backs off
     * @throws ConnectorException  for example a {@link ConfigurationException} when the credentials are refused
     */
    Batch receive(int maxMessages) throws IOException;

    /**
     * Acknowledges, retries or requeues the given deliveries. Acks and retries are idempotent from the engine's
     * point of view: after a failure it calls again with the same settlements. A settlement for a lease that
     * already expired must not fail the call. A {@linkplain Settlement.Kind#REQUEUE requeue} publishes the message
     * again and acknowledges the delivery only after the publish succeeded (a failure in between leaves a
     * duplicate, never a loss); it is only asked of deliveries for which {@link #canRequeue(Delivery)} is true.
     *
     * @throws IOException        the queue could not be reached; the engine backs off and calls again
     * @throws ConnectorException the queue refused the call, e.g. a {@link DependencyException} with a 4xx status:
     *                            the engine splits the call to find the settlement that was refused
     */
    void settle(List<Settlement> settlements) throws IOException;

    /**
     * Whether this source can {@linkplain Settlement#requeue requeue} {@code delivery}: publish its message again
     * as a new message. The engine requeues a delivery it hands back without a decision on its final attempt
     * (DESIGN section 4 rule 10); where this is false it hands it back with a retry, logs
     * {@code rootkey.event.released_to_dlq} at ERROR and the queue dead-letters the message. Default false.
     */
    default boolean canRequeue(Delivery delivery) {
        return false;
    }

    /**
     * The queue's own retry limit, when the source can read it: Cloudflare's consumer {@code max_retries}. The
     * queue delivers a message up to {@code maxRetries + 1} times, then dead-letters it; the engine treats that
     * delivery as the last attempt. The engine calls this once, on its own thread, when it starts; empty (the
     * default) or a failure means it keeps the value of its {@link RetryPolicy}.
     *
     * @throws IOException the setting could not be read
     */
    default OptionalInt maxRetries() throws IOException {
        return OptionalInt.empty();
    }

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

    /**
     * How many {@link #receive(int)} calls, and how many {@link #settle(List)} calls, the engine may have under way
     * at once, at least 1. With more than one, the engine pulls ahead while the queue has a backlog: a further
     * receive of a full batch starts before the deliveries already received are done, so that the round trip to a
     * distant queue overlaps the work instead of leaving workers idle; and full settle batches go out side by side,
     * so that acks keep up with the uploads however long one ack call takes. What may be received ahead of the
     * workers grows from one batch to {@code max(batchSize, min(concurrency, calls × batchSize))}: never more than
     * the workers start in one round (see {@link Connector.Builder#batchSize(int)}); decided deliveries may wait for
     * their ack in up to {@code calls} settle batches. Default 1: {@code receive} is never called while another
     * receive runs, nor {@code settle} while another settle runs.
     */
    default int maxConcurrentCalls() {
        return 1;
    }

    /** Releases what the source built (clients, threads). The default does nothing. Never throws. */
    @Override
    default void close() {
    }
}
