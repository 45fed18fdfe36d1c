package ai.rootkey.connector.local;

import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.r2.R2ConnectorConfig;
import ai.rootkey.connector.r2.R2EventCodec;
import ai.rootkey.connector.r2.Secret;
import ai.rootkey.connector.testkit.FakeCloudflareQueues;
import ai.rootkey.connector.testkit.FakeRootkeyApi;
import ai.rootkey.connector.testkit.NotificationRule;
import ai.rootkey.connector.testkit.QueueConsumerSettings;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The three services the connector talks to, on 127.0.0.1, wired like R2 wires them: S3Proxy as the bucket,
 * {@link FakeCloudflareQueues} with an event queue (an {@code http_pull} consumer with {@code max_retries} 5 and a
 * dead-letter queue) and the bucket's event notification rule to it (every action, every key), and
 * {@link FakeRootkeyApi}. Writes through {@link #put} store the object over the S3 API and publish the event
 * notification R2 would publish, to the queues the bucket's rules name. {@link Builder#withoutQueues()} starts with
 * an empty Cloudflare account instead (no queue, no rule), for {@code provision} to fill.
 *
 * <pre>{@code
 * try (LoopbackStack stack = LoopbackStack.start();
 *      Connector connector = R2Connector.builder().config(stack.config()).start()) {
 *     stack.put("docs/a.pdf", bytes);
 *     stack.api().awaitFiles(1, Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class LoopbackStack implements AutoCloseable {
    /** The bucket created by {@link #start()}. */
    public static final String DEFAULT_BUCKET = "acme-documents";
    /** The consumer's {@code max_retries} unless the builder says otherwise: what this connector expects. */
    public static final int MAX_RETRIES = 5;
    /**
     * The dead-letter queue consumer's {@code max_retries}: Cloudflare's largest, so that replays, whose hand-backs
     * count attempts, do not make it drop messages.
     */
    public static final int DLQ_MAX_RETRIES = 100;

    private final EmbeddedS3 s3;
    private final FakeCloudflareQueues queues;
    private final FakeRootkeyApi api;
    private final String bucket;
    private final String queueId; // null without queues
    private final String deadLetterQueueId;
    private final R2EventCodec codec = R2EventCodec.standard();

    private LoopbackStack(EmbeddedS3 s3, FakeCloudflareQueues queues, FakeRootkeyApi api, String bucket,
                          String queueId, String deadLetterQueueId) {
        this.s3 = s3;
        this.queues = queues;
        this.api = api;
        this.bucket = bucket;
        this.queueId = queueId;
        this.deadLetterQueueId = deadLetterQueueId;
    }

    /** A stack with the defaults of {@link Builder}. */
    public static LoopbackStack start() throws Exception {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    public EmbeddedS3 s3() {
        return s3;
    }

    public FakeCloudflareQueues queues() {
        return queues;
    }

    public FakeRootkeyApi api() {
        return api;
    }

    public String bucket() {
        return bucket;
    }

    /**
     * The id of the event queue the connector pulls from.
     *
     * @throws IllegalStateException when the stack started {@link Builder#withoutQueues() without queues}
     */
    public String queueId() {
        return requireQueues(queueId);
    }

    /**
     * The id of the dead-letter queue.
     *
     * @throws IllegalStateException when the stack started {@link Builder#withoutQueues() without queues}
     */
    public String deadLetterQueueId() {
        return requireQueues(deadLetterQueueId);
    }

    /** Whether the stack created its queues and rule ({@code false}: {@link Builder#withoutQueues()}). */
    public boolean hasQueues() {
        return queueId != null;
    }

    private static String requireQueues(String id) {
        if (id == null) {
            throw new IllegalStateException("this stack started without queues (Builder.withoutQueues()): find the "
                    + "ones provisioning made with queues().queueIds()");
        }
        return id;
    }

    /**
     * A configuration builder with every endpoint, id and secret of this stack filled in and plain http to loopback
     * allowed; add or change settings (e.g. the maximum file size) before {@code build()}. Without queues, the queue
     * ids are left for the caller to set.
     */
    public R2ConnectorConfig.Builder configBuilder() {
        R2ConnectorConfig.Builder b = R2ConnectorConfig.builder()
                .accountId(queues.accountId())
                .apiToken(Secret.of(queues.token()))
                .apiBaseUrl(queues.baseUrl());
        if (hasQueues()) {
            b.queueId(queueId).dlqId(deadLetterQueueId);
        }
        return b
                .bucket(bucket)
                .accessKeyId(s3.identity())
                .secretAccessKey(Secret.of(s3.credential()))
                .r2Endpoint(s3.endpoint())
                .rootkeyApiUrl(api.baseUrl())
                .rootkeyApiKey(Secret.of(api.apiKey()))
                .allowInsecureLoopback(true);
    }

    /** {@link #configBuilder()} as is. */
    public R2ConnectorConfig config() {
        return configBuilder().build();
    }

    /**
     * The environment variables (DESIGN section 6.5 names) that point a connector process at this stack; they
     * include the stand-ins' secrets, which are test values. Without queues, {@code R2_QUEUE_ID} and
     * {@code R2_DLQ_ID} are missing.
     */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CLOUDFLARE_ACCOUNT_ID", queues.accountId());
        env.put("CLOUDFLARE_API_TOKEN", queues.token());
        env.put("CLOUDFLARE_API_BASE_URL", queues.baseUrl().toString());
        if (hasQueues()) {
            env.put("R2_QUEUE_ID", queueId);
            env.put("R2_DLQ_ID", deadLetterQueueId);
        }
        env.put("R2_BUCKET", bucket);
        env.put("R2_ACCESS_KEY_ID", s3.identity());
        env.put("R2_SECRET_ACCESS_KEY", s3.credential());
        env.put("R2_ENDPOINT", s3.endpoint().toString());
        env.put("ROOTKEY_API_URL", api.baseUrl().toString());
        env.put("ROOTKEY_API_KEY", api.apiKey());
        env.put("ROOTKEY_ALLOW_INSECURE_LOOPBACK", "true");
        return env;
    }

    /**
     * Stores {@code content} under {@code key} and publishes its PutObject event to the queues the bucket's rules
     * name (none: not announced, like R2); returns the ETag (unquoted).
     */
    public String put(String key, byte[] content) {
        String eTag = unquote(s3.putObject(bucket, key, content, "application/octet-stream"));
        notify(event(key, EventAction.PUT_OBJECT).size(content.length).eTag(eTag).build());
        return eTag;
    }

    /** Streams {@code size} bytes into {@code key} and publishes its PutObject event; returns the ETag (unquoted). */
    public String put(String key, InputStream content, long size) {
        String eTag = unquote(s3.putObject(bucket, key, content, size, "application/octet-stream"));
        notify(event(key, EventAction.PUT_OBJECT).size(size).eTag(eTag).build());
        return eTag;
    }

    /** Streams the content of {@code file} into {@code key} and publishes its PutObject event; returns the ETag. */
    public String put(String key, Path file) throws IOException {
        long size = Files.size(file);
        String eTag = s3.putObject(bucket, key, file, "application/octet-stream");
        notify(event(key, EventAction.PUT_OBJECT).size(size).eTag(eTag).build());
        return eTag;
    }

    /** Stores {@code content} without publishing an event (an object that existed before the notification rule). */
    public String putSilently(String key, byte[] content) {
        return unquote(s3.putObject(bucket, key, content, "application/octet-stream"));
    }

    /** Copies {@code sourceKey} to {@code targetKey} and publishes the CopyObject event; returns the ETag. */
    public String copy(String sourceKey, String targetKey) {
        var copied = s3.client().copyObject(b -> b.sourceBucket(bucket).sourceKey(sourceKey)
                .destinationBucket(bucket).destinationKey(targetKey));
        String eTag = unquote(copied.copyObjectResult().eTag());
        long size = s3.client().headObject(b -> b.bucket(bucket).key(targetKey)).contentLength();
        notify(event(targetKey, EventAction.COPY_OBJECT).size(size).eTag(eTag).copySource(bucket, sourceKey).build());
        return eTag;
    }

    /** Deletes {@code key} and publishes the DeleteObject event. */
    public void delete(String key) {
        s3.client().deleteObject(b -> b.bucket(bucket).key(key));
        notify(event(key, EventAction.DELETE_OBJECT).build());
    }

    /** Deletes {@code key} without an event (as if the event had not been delivered yet). */
    public void deleteSilently(String key) {
        s3.client().deleteObject(b -> b.bucket(bucket).key(key));
    }

    /**
     * Publishes an event notification to the event queue as it is, whatever its bucket and action (for events R2
     * would not send: another bucket's, an unknown action); without queues, to the queues the bucket's rules name.
     */
    public void publish(ObjectEvent event) {
        if (hasQueues()) {
            queues.publish(queueId, codec.toJson(event, queues.accountId()));
        } else {
            notify(event);
        }
    }

    /** Publishes the event to the queues the bucket's notification rules name for its action and key, as R2 does. */
    private void notify(ObjectEvent event) {
        queues.publishBucketEvent(bucket, event.action(), event.key(), codec.toJson(event, queues.accountId()));
    }

    private ObjectEvent.Builder event(String key, EventAction action) {
        return ObjectEvent.builder().bucket(bucket).key(key).action(action).eventTime(queues.now());
    }

    private static String unquote(String eTag) {
        return eTag != null && eTag.length() >= 2 && eTag.startsWith("\"") && eTag.endsWith("\"")
                ? eTag.substring(1, eTag.length() - 1) : eTag;
    }

    /** Stops the three services. */
    @Override
    public void close() {
        try {
            api.close();
        } finally {
            try {
                queues.close();
            } finally {
                s3.close();
            }
        }
    }

    /** Configures a {@link LoopbackStack}. Not thread-safe. */
    public static final class Builder {
        private String bucket = DEFAULT_BUCKET;
        private Path s3Directory;
        private long seed = 1L;
        private Duration visibilityTimeout = Duration.ofMinutes(10);
        private long maxRetainedBytes = FakeRootkeyApi.DEFAULT_MAX_RETAINED_BYTES;
        private int maxRetries = MAX_RETRIES;
        private String queueToken = FakeCloudflareQueues.DEFAULT_TOKEN;
        private String rootkeyApiKey = FakeRootkeyApi.DEFAULT_API_KEY;
        private String s3Identity = EmbeddedS3.IDENTITY;
        private String s3Credential = EmbeddedS3.CREDENTIAL;
        private boolean withQueues = true;

        private Builder() {
        }

        /**
         * Starts with an empty Cloudflare account: no queue and no notification rule, so events of {@link #put} go
         * nowhere until something (the {@code provision} command, a {@code Provisioner}) creates them.
         */
        public Builder withoutQueues() {
            this.withQueues = false;
            return this;
        }

        /** The Cloudflare API token the fake queue accepts. Default {@link FakeCloudflareQueues#DEFAULT_TOKEN}. */
        public Builder queueToken(String token) {
            this.queueToken = Objects.requireNonNull(token, "token");
            return this;
        }

        /** The API key the fake ROOTKey API accepts. Default {@link FakeRootkeyApi#DEFAULT_API_KEY}. */
        public Builder rootkeyApiKey(String apiKey) {
            this.rootkeyApiKey = Objects.requireNonNull(apiKey, "apiKey");
            return this;
        }

        /** The S3 credentials the bucket accepts. Default {@link EmbeddedS3#IDENTITY} and {@link EmbeddedS3#CREDENTIAL}. */
        public Builder s3Credentials(String accessKeyId, String secretAccessKey) {
            this.s3Identity = Objects.requireNonNull(accessKeyId, "accessKeyId");
            this.s3Credential = Objects.requireNonNull(secretAccessKey, "secretAccessKey");
            return this;
        }

        public Builder bucket(String bucket) {
            this.bucket = Objects.requireNonNull(bucket, "bucket");
            return this;
        }

        /** Keep objects as files under {@code directory} (for big objects) instead of in memory. */
        public Builder s3OnDisk(Path directory) {
            this.s3Directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** The seed for the fakes' fault injection. Default 1. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The event queue consumer's visibility timeout. Default 10 minutes. */
        public Builder visibilityTimeout(Duration visibilityTimeout) {
            this.visibilityTimeout = Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
            return this;
        }

        /** The event queue consumer's {@code max_retries} (0 to 100). Default {@value LoopbackStack#MAX_RETRIES}. */
        public Builder maxRetries(int maxRetries) {
            if (maxRetries < 0 || maxRetries > 100) {
                throw new IllegalArgumentException("maxRetries must be between 0 and 100, was " + maxRetries);
            }
            this.maxRetries = maxRetries;
            return this;
        }

        /** How much of each file the fake API keeps in memory for inspection. Default 8 MiB. */
        public Builder maxRetainedBytes(long bytes) {
            this.maxRetainedBytes = bytes;
            return this;
        }

        public LoopbackStack start() throws Exception {
            if (s3Directory != null && !(s3Identity.equals(EmbeddedS3.IDENTITY)
                    && s3Credential.equals(EmbeddedS3.CREDENTIAL))) {
                throw new IllegalStateException("s3Credentials(...) is not supported with s3OnDisk(...)");
            }
            EmbeddedS3 s3 = s3Directory == null ? EmbeddedS3.start(s3Identity, s3Credential)
                    : EmbeddedS3.startOnDisk(s3Directory);
            FakeCloudflareQueues queues = null;
            FakeRootkeyApi api = null;
            try {
                s3.createBucket(bucket);
                queues = FakeCloudflareQueues.builder().seed(seed).token(queueToken).build().start();
                String dlq = null;
                String events = null;
                if (withQueues) {
                    // Replays hand back what they do not replay, which counts attempts on the dead-letter queue too:
                    // its consumer keeps messages for Cloudflare's largest max_retries.
                    dlq = queues.createQueue(bucket + "-dlq", QueueConsumerSettings.defaults()
                            .withMaxRetries(DLQ_MAX_RETRIES));
                    events = queues.createQueue(bucket + "-events", QueueConsumerSettings.defaults()
                            .withMaxRetries(maxRetries)
                            .withVisibilityTimeout(visibilityTimeout)
                            .withDeadLetterQueue(bucket + "-dlq"));
                    queues.addNotificationRule(bucket, events, NotificationRule.allActions());
                }
                api = FakeRootkeyApi.builder().seed(seed).apiKey(rootkeyApiKey).maxRetainedBytes(maxRetainedBytes).build()
                        .start();
                return new LoopbackStack(s3, queues, api, bucket, events, dlq);
            } catch (Exception | Error e) {
                if (api != null) {
                    api.close();
                }
                if (queues != null) {
                    queues.close();
                }
                s3.close();
                throw e;
            }
        }
    }
}
