package ai.rootkey.connector.testkit;

import java.time.Instant;
import java.util.Objects;

/**
 * A snapshot of one message in a {@link FakeCloudflareQueues} queue, for assertions.
 *
 * @param id          the queue's message id, stable across deliveries (kept when dead-lettered)
 * @param contentType {@code json}, {@code text}, {@code bytes} or {@code v8}
 * @param body        the body as published: the JSON text for {@code json}, the string for {@code text}, base64
 *                    for {@code bytes} and {@code v8}
 * @param attempts    deliveries so far (0 before the first pull)
 * @param publishedAt when it was published (the fake's clock)
 */
public record QueueMessage(String id, String contentType, String body, int attempts, Instant publishedAt) {
    public QueueMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(publishedAt, "publishedAt");
    }
}
