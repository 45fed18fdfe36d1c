package ai.rootkey.connector.it;

import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.r2.CloudflareQueueSource;
import ai.rootkey.connector.r2.Secret;
import ai.rootkey.connector.testkit.EventSourceContract;
import ai.rootkey.connector.testkit.FakeCloudflareQueues;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;
import java.util.UUID;

/** The EventSource contract against the real Cloudflare pull source, talking to the loopback fake. */
class CloudflareQueueSourceContractIT extends EventSourceContract {
    private static final Duration VISIBILITY = Duration.ofMinutes(10);
    private static FakeCloudflareQueues queues;

    private final String queueId = queues.createQueue("contract-" + UUID.randomUUID());
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
}
