package ai.rootkey.connector.testkit;

import ai.rootkey.connector.EventSource;

import java.time.Duration;

/** The EventSource contract against {@link InMemoryQueue}, so the fake stays honest. */
class InMemoryQueueContractTest extends EventSourceContract {
    private final TestClock clock = TestClock.now();
    private final InMemoryQueue queue = InMemoryQueue.builder().clock(clock).visibilityTimeout(Duration.ofSeconds(30))
            .build();

    @Override
    protected EventSource source() {
        return queue;
    }

    @Override
    protected void publishJson(String body) {
        queue.publish(body);
    }

    @Override
    protected void publishText(String body) {
        queue.publishText(body);
    }

    @Override
    protected void expireLeases() {
        clock.advance(Duration.ofSeconds(31));
    }

    @Override
    protected void passRetryDelays() {
        clock.advance(Duration.ofMillis(1));
    }
}
