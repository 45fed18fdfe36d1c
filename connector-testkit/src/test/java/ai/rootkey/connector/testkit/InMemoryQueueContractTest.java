package ai.rootkey.connector.testkit;

import ai.rootkey.connector.EventSource;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** The EventSource contract against {@link InMemoryQueue}, so the fake stays honest. */
class InMemoryQueueContractTest extends EventSourceContract {
    private static final int MAX_RETRIES = 2;
    private final TestClock clock = TestClock.now();
    private final InMemoryQueue dlq = InMemoryQueue.builder().name("dlq").clock(clock).build();
    private final InMemoryQueue queue = InMemoryQueue.builder().clock(clock).visibilityTimeout(Duration.ofSeconds(30))
            .maxRetries(MAX_RETRIES).deadLetterQueue(dlq).build();

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
        clock.advance(Duration.ofSeconds(1));
    }

    @Override
    protected OptionalInt queueMaxRetries() {
        return OptionalInt.of(MAX_RETRIES);
    }

    @Override
    protected List<String> deadLetteredIds() {
        return queue.deadLettered().stream().map(QueueMessage::id).toList();
    }

    @Override
    protected boolean canAdvanceTime() {
        return true;
    }

    @Override
    protected void advanceTime(Duration duration) {
        clock.advance(duration);
    }

    @Override
    protected Optional<List<Integer>> peekAttempts(int limit) {
        return Optional.of(queue.peek(limit).stream().map(QueueMessage::attempts).toList());
    }
}
