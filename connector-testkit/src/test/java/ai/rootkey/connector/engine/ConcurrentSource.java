package ai.rootkey.connector.engine;

import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.Settlement;

import java.io.IOException;
import java.util.List;
import java.util.OptionalInt;

/** A source that lets the engine run {@code receives} receives at once on a thread-safe delegate; otherwise the same. */
final class ConcurrentSource implements EventSource {
    private final EventSource delegate;
    private final int receives;

    ConcurrentSource(EventSource delegate, int receives) {
        this.delegate = delegate;
        this.receives = receives;
    }

    @Override
    public Batch receive(int maxMessages) throws IOException {
        return delegate.receive(maxMessages);
    }

    @Override
    public void settle(List<Settlement> settlements) throws IOException {
        delegate.settle(settlements);
    }

    @Override
    public boolean canRequeue(Delivery delivery) {
        return delegate.canRequeue(delivery);
    }

    @Override
    public OptionalInt maxRetries() throws IOException {
        return delegate.maxRetries();
    }

    @Override
    public void probe() throws IOException {
        delegate.probe();
    }

    @Override
    public int maxBatchSize() {
        return delegate.maxBatchSize();
    }

    @Override
    public int maxConcurrentCalls() {
        return receives;
    }
}
