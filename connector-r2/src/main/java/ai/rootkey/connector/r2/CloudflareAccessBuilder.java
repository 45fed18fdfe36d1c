package ai.rootkey.connector.r2;

import ai.rootkey.connector.r2.internal.CloudflareApi;
import ai.rootkey.connector.r2.internal.CloudflareIds;
import org.slf4j.Logger;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.Objects;

/**
 * The settings every builder of a Cloudflare Queues API user shares ({@link CloudflareQueueSource.Builder},
 * {@link DeadLetterQueue.Builder}): account, token, event queue, API root, the loopback switch, an HTTP client and the
 * clock, each checked at once by the rules of the one client they configure. Not thread-safe.
 *
 * @param <B> the builder itself, returned by each setter
 */
abstract class CloudflareAccessBuilder<B extends CloudflareAccessBuilder<B>> {
    /** The client's settings; {@code build()} of the subclass builds it. */
    final CloudflareApi.Builder api;
    Secret apiToken;
    String queueId;
    Clock clock = Clock.systemUTC();

    CloudflareAccessBuilder(Logger log) {
        this.api = CloudflareApi.builder().logger(log);
    }

    @SuppressWarnings("unchecked") // B is the subclass itself, by the declaration of every subclass
    private B self() {
        return (B) this;
    }

    /** The Cloudflare account id: 32 lowercase hex characters ({@code CLOUDFLARE_ACCOUNT_ID}). Required. */
    public B accountId(String accountId) {
        api.accountId(accountId);
        return self();
    }

    /**
     * The id of the queue R2 sends the bucket's events to ({@code R2_QUEUE_ID}): 32 lowercase hex characters, the
     * queue's id rather than its name. Required.
     */
    public B queueId(String queueId) {
        this.queueId = CloudflareIds.requireQueueId(queueId, "queueId");
        return self();
    }

    /** The API token, with Queues read and write ({@code CLOUDFLARE_API_TOKEN}). Required. */
    public B apiToken(Secret apiToken) {
        api.apiToken(apiToken);
        this.apiToken = apiToken;
        return self();
    }

    /**
     * The API root, default {@link CloudflareQueueSource#DEFAULT_BASE_URL}; for staging, proxies and local
     * stand-ins. Must be https unless {@link #allowInsecureLoopbackForTesting(boolean)} admits plain http to loopback.
     */
    public B baseUrl(URI baseUrl) {
        api.baseUrl(baseUrl);
        return self();
    }

    /**
     * Allows a plain-http base URL to a loopback host (localhost, 127.0.0.0/8, ::1) only; for a local stand-in such
     * as the test kit's fake. Never use it against a remote host: it cannot be, by construction. Default false.
     */
    public B allowInsecureLoopbackForTesting(boolean allow) {
        api.allowInsecureLoopback(allow);
        return self();
    }

    /**
     * A client to use instead of building one; never closed by what this builder builds. It must not follow
     * redirects: a redirect would carry the API token to another host.
     *
     * @throws IllegalArgumentException when the client follows redirects
     */
    public B httpClient(HttpClient httpClient) {
        api.httpClient(httpClient);
        return self();
    }

    /** The clock for lease deadlines, ages and {@code Retry-After} dates; default the UTC system clock. */
    public B clock(Clock clock) {
        api.clock(clock);
        this.clock = Objects.requireNonNull(clock, "clock");
        return self();
    }
}
