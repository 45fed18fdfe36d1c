package ai.rootkey.connector.it;

import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.r2.CloudflareQueueSource;
import ai.rootkey.connector.r2.DeadLetterQueue;
import ai.rootkey.connector.r2.Secret;
import ai.rootkey.connector.testkit.EventSourceContract;
import ai.rootkey.connector.testkit.FakeCloudflareQueues;
import ai.rootkey.connector.testkit.QueueConsumerSettings;
import ai.rootkey.connector.testkit.QueueMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

/**
 * The EventSource contract against the real Cloudflare pull source, talking to the loopback fake; peeks go through
 * the real {@link DeadLetterQueue} client.
 */
class CloudflareQueueSourceContractIT extends EventSourceContract {
    private static final Duration VISIBILITY = Duration.ofMinutes(10);
    private static final int MAX_RETRIES = 2;
    private static FakeCloudflareQueues queues;

    private final String dlqName = "contract-dlq-" + UUID.randomUUID();
    private final String dlqId = queues.createQueue(dlqName);
    private final String queueId = queues.createQueue("contract-" + UUID.randomUUID(),
            QueueConsumerSettings.defaults().withMaxRetries(MAX_RETRIES).withDeadLetterQueue(dlqName));
    private final CloudflareQueueSource source = CloudflareQueueSource.builder()
            .accountId(queues.accountId())
            .queueId(queueId)
            .apiToken(Secret.of(queues.token()))
            .baseUrl(queues.baseUrl())
            .allowInsecureLoopbackForTesting(true)
            .visibilityTimeout(VISIBILITY)
            .build();

    @BeforeAll
    static void startQueues() {
        queues = FakeCloudflareQueues.builder().build().start();
    }

    @AfterAll
    static void stopQueues() {
        queues.close();
    }

    @AfterEach
    void closeSource() {
        source.close();
    }

    @Override
    protected EventSource source() {
        return source;
    }

    @Override
    protected void publishJson(String body) {
        queues.publish(queueId, body);
    }

    @Override
    protected void publishText(String body) {
        queues.publishText(queueId, body);
    }

    @Override
    protected void expireLeases() {
        queues.advanceTime(VISIBILITY.plusSeconds(1));
    }

    @Override
    protected void passRetryDelays() {
        queues.advanceTime(Duration.ofSeconds(1));
    }

    @Override
    protected OptionalInt queueMaxRetries() {
        return OptionalInt.of(MAX_RETRIES);
    }

    @Override
    protected List<String> deadLetteredIds() {
        return queues.queue(queueId).deadLettered().stream().map(QueueMessage::id).toList();
    }

    @Override
    protected boolean canAdvanceTime() {
        return true;
    }

    @Override
    protected void advanceTime(Duration duration) {
        queues.advanceTime(duration);
    }

    /** Peeks the event queue through the real client, as {@code dlq peek} peeks a dead-letter queue. */
    @Override
    protected Optional<List<Integer>> peekAttempts(int limit) throws Exception {
        try (DeadLetterQueue asDlq = DeadLetterQueue.builder().accountId(queues.accountId()).queueId(dlqId)
                .dlqId(queueId).apiToken(Secret.of(queues.token())).baseUrl(queues.baseUrl())
                .allowInsecureLoopbackForTesting(true).build()) {
            return Optional.of(asDlq.peek("", limit).stream().map(DeadLetterQueue.DeadLetter::attempts).toList());
        }
    }
}
