package ai.rootkey.connector.r2;

import ai.rootkey.connector.Callbacks;
import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.ConnectorException;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.LogSafe;
import ai.rootkey.connector.r2.ProvisionPlan.Action;
import ai.rootkey.connector.r2.ProvisionPlan.Step;
import ai.rootkey.connector.r2.internal.AccountQueues;
import ai.rootkey.connector.r2.internal.BucketNotifications;
import ai.rootkey.connector.r2.internal.CloudflareApi;
import ai.rootkey.connector.r2.internal.CloudflareIds;
import ai.rootkey.connector.r2.internal.CloudflareQueue;
import ai.rootkey.connector.r2.internal.Endpoints;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Creates, through the Cloudflare API, what the connector needs for one bucket: what the R2 Worker's Terraform module
 * ({@code ROOT-Key/rootkey-connectors} {@code r2/main.tf}) creates, minus the Worker. Steps, in order:
 * <ol>
 *   <li>the event queue and</li>
 *   <li>the dead-letter queue, named like the module names them ({@link Names#of}), so that a queue the module
 *       created is found and kept;</li>
 *   <li>an HTTP pull consumer on the event queue: batch size {@value #BATCH_SIZE}, {@code max_retries}
 *       {@value #MAX_RETRIES}, the dead-letter queue, and a visibility timeout sized for the largest allowed object
 *       ({@link #visibilityTimeoutFor});</li>
 *   <li>an HTTP pull consumer on the dead-letter queue ({@code max_retries} {@value #DEAD_LETTER_MAX_RETRIES}), which
 *       {@code dlq peek} and {@code dlq replay} pull through (Cloudflare serves pulls only on a queue with HTTP pull
 *       enabled);</li>
 *   <li>the bucket's event notification rule to the event queue for {@code PutObject},
 *       {@code CompleteMultipartUpload} and {@code CopyObject}, with the key prefix and suffix filtered by R2.</li>
 * </ol>
 *
 * <pre>{@code
 * Provisioner provisioner = Provisioner.builder()
 *         .accountId("0f1e2d3c4b5a69788796a5b4c3d2e1f0").apiToken(Secret.fromEnvironment("CLOUDFLARE_API_TOKEN"))
 *         .bucket("acme-documents").nameSuffix("prod").prefix("contracts/")
 *         .build();                                   // every invalid input reported at once
 * System.out.print(provisioner.plan().render());      // reads only
 * ProvisionPlan done = provisioner.apply();           // a second run says "unchanged" for every step
 * }</pre>
 *
 * <p><b>Idempotent.</b> Each run reads what exists first and changes only what differs: a queue with the name is
 * kept, a consumer with other settings is updated, a rule that is already there is left alone. A run that stopped
 * half way (a failed call) is finished by running it again.
 *
 * <p><b>Refusals.</b> Nothing is changed when a step is {@link Action#REFUSED refused}: a queue whose consumer is a
 * Worker (the R2 Worker still consumes it; replaced only with {@link Builder#replaceWorkerConsumer(boolean)}, which
 * deletes that consumer and adds the HTTP pull one), a consumer without an id to address it, or a notification rule
 * of the bucket whose keys overlap the wanted one's (R2 rejects overlapping rules).
 *
 * <p>The token needs Queues write and Workers R2 Storage write (the connector's own token needs Queues only).
 * Immutable and thread-safe; each {@link #plan()} and {@link #apply()} opens and closes its own client (a client
 * passed to the builder is used and left open). The token is never logged or printed.
 */
public final class Provisioner {
    /** The event queue consumer's batch size, as the Worker's module sets it. */
    public static final int BATCH_SIZE = 25;
    /** The event queue consumer's {@code max_retries}, as the Worker's module sets it: six deliveries. */
    public static final int MAX_RETRIES = Doctor.EXPECTED_MAX_RETRIES;
    /** The dead-letter queue consumer's {@code max_retries}: Cloudflare's largest, so replays do not drop messages. */
    public static final int DEAD_LETTER_MAX_RETRIES = 100;
    /** The largest object the module admits: 5 GiB ({@code max_file_size_bytes} in {@code r2/variables.tf}). */
    public static final long MAX_FILE_SIZE_LIMIT_BYTES = 5L * 1024 * 1024 * 1024;
    /** The largest object anchored unless set: 500 MiB, the module's and the connector's default. */
    public static final long DEFAULT_MAX_FILE_SIZE_BYTES = R2ConnectorConfig.DEFAULT_MAX_FILE_SIZE_BYTES;
    /** The slowest upload the lease is sized for unless set: 1 MiB/s, the doctor's plausible rate. */
    public static final long DEFAULT_MIN_BANDWIDTH_BYTES_PER_SECOND = Doctor.PLAUSIBLE_BYTES_PER_SECOND;
    /** The smallest margin added to the upload time in the lease: 60 seconds. */
    public static final Duration MIN_LEASE_MARGIN = Duration.ofSeconds(60);
    /** The longest lease Cloudflare grants: 12 hours. */
    public static final Duration MAX_VISIBILITY_TIMEOUT = CloudflareQueue.MAX_VISIBILITY_TIMEOUT;
    /** The actions the notification rule announces: the ones that create content, in the module's order. */
    public static final List<EventAction> ACTIONS = List.of(EventAction.PUT_OBJECT,
            EventAction.COMPLETE_MULTIPART_UPLOAD, EventAction.COPY_OBJECT);

    static final String RULE_DESCRIPTION = "rootkey-connector: objects created in the bucket";
    private static final List<String> ACTION_NAMES = ACTIONS.stream().map(EventAction::wireName).toList();
    private static final Pattern BUCKET = Pattern.compile("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$");
    private static final Pattern NAME_SUFFIX = Pattern.compile("^[a-z0-9]{3,12}$");
    private static final int MAX_NAME = 63;
    private static final int MAX_KEY_FILTER_BYTES = 1024;
    private static final Logger LOG = LoggerFactory.getLogger(Provisioner.class);

    /**
     * The names the Worker's Terraform module gives its resources ({@code r2/main.tf} locals): each is
     * {@code rootkey-r2-<part><name suffix>-<first 8 hex characters of sha256(bucket)>}, cut to 63 characters.
     *
     * @param eventQueue      {@code rootkey-r2-events-<suffix>-<hash>}
     * @param deadLetterQueue {@code rootkey-r2-dlq-<suffix>-<hash>}
     * @param worker          {@code rootkey-r2-<suffix>-<hash>}: the Worker the module deploys (not created here;
     *                        named so that a migration can recognise it)
     */
    public record Names(String eventQueue, String deadLetterQueue, String worker) {
        public Names {
            Objects.requireNonNull(eventQueue, "eventQueue");
            Objects.requireNonNull(deadLetterQueue, "deadLetterQueue");
            Objects.requireNonNull(worker, "worker");
        }

        /**
         * The names for a name suffix and a bucket.
         *
         * @throws IllegalArgumentException when the suffix or the bucket breaks the module's rule
         */
        public static Names of(String nameSuffix, String bucket) {
            Objects.requireNonNull(nameSuffix, "nameSuffix");
            Objects.requireNonNull(bucket, "bucket");
            if (!NAME_SUFFIX.matcher(nameSuffix).matches()) {
                throw new IllegalArgumentException(suffixProblem("nameSuffix", nameSuffix));
            }
            if (!BUCKET.matcher(bucket).matches()) {
                throw new IllegalArgumentException(bucketProblem("bucket", bucket));
            }
            String hash = bucketHash(bucket);
            return new Names(cut("rootkey-r2-events-" + nameSuffix + "-" + hash),
                    cut("rootkey-r2-dlq-" + nameSuffix + "-" + hash), cut("rootkey-r2-" + nameSuffix + "-" + hash));
        }

        private static String cut(String name) {
            return name.length() <= MAX_NAME ? name : name.substring(0, MAX_NAME);
        }
    }

    /** Terraform's {@code substr(sha256(var.bucket_name), 0, 8)}: sha256 of the UTF-8 name, lowercase hex, 8 chars. */
    static String bucketHash(String bucket) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bucket.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * The lease that lets the largest allowed object upload at the slowest rate planned for: the upload time
     * {@code ceil(maxFileSizeBytes / minBytesPerSecond)} seconds, plus a quarter of it as a margin but at least
     * {@link #MIN_LEASE_MARGIN} (the wait for a free worker, the read's start, the batched ack), capped at
     * {@link #MAX_VISIBILITY_TIMEOUT}. 500 MiB at 1 MiB/s: 500 s + 125 s = 625 s.
     *
     * @throws IllegalArgumentException when either argument is less than 1
     */
    public static Duration visibilityTimeoutFor(long maxFileSizeBytes, long minBytesPerSecond) {
        if (maxFileSizeBytes < 1 || minBytesPerSecond < 1) {
            throw new IllegalArgumentException("maxFileSizeBytes and minBytesPerSecond must be at least 1, were "
                    + maxFileSizeBytes + " and " + minBytesPerSecond);
        }
        long upload = maxFileSizeBytes / minBytesPerSecond + (maxFileSizeBytes % minBytesPerSecond == 0 ? 0 : 1);
        long margin = Math.max(MIN_LEASE_MARGIN.toSeconds(), upload / 4 + (upload % 4 == 0 ? 0 : 1));
        return Duration.ofSeconds(Math.min(upload + margin, MAX_VISIBILITY_TIMEOUT.toSeconds()));
    }

    private final String accountId;
    private final Secret apiToken;
    private final URI baseUrl;
    private final boolean allowInsecureLoopback;
    private final Optional<HttpClient> httpClient;
    private final String bucket;
    private final Names names;
    private final String prefix;
    private final String suffix;
    private final long maxFileSizeBytes;
    private final long minBandwidth;
    private final Optional<Jurisdiction> jurisdiction;
    private final boolean replaceWorkerConsumer;
    private final Consumer<Step> onStep;
    private final Duration visibilityTimeout;
    private final CloudflareApi.Retry retry;

    private Provisioner(Builder b) {
        this.accountId = b.accountId;
        this.apiToken = b.apiToken;
        this.baseUrl = b.baseUrl;
        this.allowInsecureLoopback = b.allowInsecureLoopback;
        this.httpClient = Optional.ofNullable(b.httpClient);
        this.bucket = b.bucket;
        this.names = Names.of(b.nameSuffix, b.bucket);
        this.prefix = b.prefix;
        this.suffix = b.suffix;
        this.maxFileSizeBytes = b.maxFileSizeBytes;
        this.minBandwidth = b.minBandwidth;
        this.jurisdiction = Optional.ofNullable(b.jurisdiction);
        this.replaceWorkerConsumer = b.replaceWorkerConsumer;
        this.onStep = b.onStep;
        this.visibilityTimeout = visibilityTimeoutFor(maxFileSizeBytes, minBandwidth);
        this.retry = b.retry;
    }

    /** A new builder; not thread-safe. */
    public static Builder builder() {
        return new Builder();
    }

    /** The names of the queues (and of the Worker the module would deploy). */
    public Names names() {
        return names;
    }

    /** The event queue consumer's lease: {@link #visibilityTimeoutFor} of the size limit and the bandwidth. */
    public Duration visibilityTimeout() {
        return visibilityTimeout;
    }

    /**
     * Reads what exists and says what {@link #apply()} would do; changes nothing (a dry run).
     *
     * @throws AccessRefusedException when the token may not read queues, consumers or notification rules
     * @throws ConfigurationException when the account or the bucket does not exist
     * @throws ConnectorException     ({@code DependencyException}) for another error answer
     * @throws IOException            when the API does not answer
     */
    public ProvisionPlan plan() throws IOException {
        return run(false);
    }

    /**
     * Reads what exists and makes the changes, in the order of the steps, unless a step is refused (then nothing is
     * changed and the plan says why). The builder's {@code onStep} callback hears each step as it is carried out.
     * A failure part way leaves the earlier steps applied: run it again to finish.
     *
     * @throws AccessRefusedException when the token may not read or change a resource
     * @throws ConfigurationException when the account or the bucket does not exist
     * @throws ConnectorException     ({@code DependencyException}) for another error answer
     * @throws IOException            when the API does not answer
     */
    public ProvisionPlan apply() throws IOException {
        return run(true);
    }

    // ------------------------------------------------------------------ planning

    /** A change to make when the plan is applied. */
    @FunctionalInterface
    private interface Change {
        void apply(CloudflareApi api, Ids ids) throws IOException;
    }

    /** The queue ids, found by the survey or made by the changes. */
    private static final class Ids {
        Optional<String> events = Optional.empty();
        Optional<String> deadLetters = Optional.empty();
    }

    private record Planned(Step step, Optional<Change> change) {
        static Planned unchanged(String name, String detail) {
            return new Planned(new Step(name, Action.UNCHANGED, detail, Optional.empty()), Optional.empty());
        }

        static Planned refused(String name, String detail, String fix) {
            return new Planned(new Step(name, Action.REFUSED, detail, Optional.of(fix)), Optional.empty());
        }

        static Planned change(String name, Action action, String detail, Change change) {
            return new Planned(new Step(name, action, detail, Optional.empty()), Optional.of(change));
        }
    }

    private ProvisionPlan run(boolean apply) throws IOException {
        try (CloudflareApi api = api()) {
            Ids ids = new Ids();
            List<Planned> planned = survey(api, ids);
            boolean refused = planned.stream().anyMatch(p -> p.step().action() == Action.REFUSED);
            boolean applied = apply && !refused;
            if (applied) {
                for (Planned p : planned) {
                    if (p.change().isPresent()) {
                        p.change().get().apply(api, ids);
                        LOG.atInfo().addKeyValue("step", p.step().name())
                                .addKeyValue("action", p.step().action().word())
                                .log("rootkey.provision.applied step=\"{}\" action={} detail=\"{}\"", p.step().name(),
                                        p.step().action().word(), LogSafe.escape(p.step().detail(), 400));
                    }
                    Callbacks.run(onStep, "onStep", () -> onStep.accept(p.step()));
                }
            }
            return plan(planned, ids, applied);
        }
    }

    private CloudflareApi api() {
        CloudflareApi.Builder b = CloudflareApi.builder().accountId(accountId).apiToken(apiToken).baseUrl(baseUrl)
                .allowInsecureLoopback(allowInsecureLoopback).retry(retry).logger(LOG);
        httpClient.ifPresent(b::httpClient);
        return b.build();
    }

    private List<Planned> survey(CloudflareApi api, Ids ids) throws IOException {
        List<CloudflareQueue.Info> queues = api.accountQueues().list();
        Optional<CloudflareQueue.Info> events = byName(queues, names.eventQueue());
        Optional<CloudflareQueue.Info> deadLetters = byName(queues, names.deadLetterQueue());
        ids.events = events.map(CloudflareQueue.Info::id);
        ids.deadLetters = deadLetters.map(CloudflareQueue.Info::id);
        List<Planned> planned = new ArrayList<>();
        planned.add(queueStep("event queue", names.eventQueue(), events, (i, id) -> i.events = Optional.of(id)));
        planned.add(queueStep("dead-letter queue", names.deadLetterQueue(), deadLetters,
                (i, id) -> i.deadLetters = Optional.of(id)));
        planned.add(consumerStep(api, "event queue consumer", events, CloudflareQueue.Role.EVENTS, eventConsumer(),
                true, i -> i.events));
        planned.add(consumerStep(api, "dead-letter queue consumer", deadLetters, CloudflareQueue.Role.DEAD_LETTERS,
                deadLetterConsumer(), false, i -> i.deadLetters));
        planned.add(ruleStep(api, events));
        return planned;
    }

    private static Optional<CloudflareQueue.Info> byName(List<CloudflareQueue.Info> queues, String name) {
        return queues.stream().filter(q -> q.name().equals(name)).findFirst();
    }

    @FunctionalInterface
    private interface IdSetter {
        void set(Ids ids, String id);
    }

    private Planned queueStep(String step, String name, Optional<CloudflareQueue.Info> existing, IdSetter found) {
        if (existing.isPresent()) {
            return Planned.unchanged(step, name + " (id " + existing.get().id() + ")");
        }
        return Planned.change(step, Action.CREATE, name, (api, ids) -> found.set(ids, createQueue(api, name).id()));
    }

    /** Creates a queue; when the call fails after the queue was made (a lost reply, a retried create), adopts it. */
    private static CloudflareQueue.Info createQueue(CloudflareApi api, String name) throws IOException {
        AccountQueues queues = api.accountQueues();
        try {
            return queues.create(name);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException | ConnectorException e) {
            if (e instanceof AccessRefusedException) {
                throw e;
            }
            Optional<CloudflareQueue.Info> made;
            try {
                made = byName(queues.list(), name);
            } catch (IOException | ConnectorException again) {
                e.addSuppressed(again);
                throw e;
            }
            if (made.isEmpty()) {
                throw e;
            }
            return made.get();
        }
    }

    private CloudflareQueue.PullConsumer eventConsumer() {
        return new CloudflareQueue.PullConsumer(BATCH_SIZE, MAX_RETRIES, visibilityTimeout,
                Optional.of(names.deadLetterQueue()));
    }

    private static CloudflareQueue.PullConsumer deadLetterConsumer() {
        return new CloudflareQueue.PullConsumer(CloudflareQueue.MAX_BATCH_SIZE, DEAD_LETTER_MAX_RETRIES,
                DeadLetterQueue.DEFAULT_LEASE, Optional.empty());
    }

    private static String describe(CloudflareQueue.PullConsumer c) {
        return "http_pull: batch_size " + c.batchSize() + ", max_retries " + c.maxRetries() + ", visibility_timeout_ms "
                + c.visibilityTimeout().toMillis()
                + c.deadLetterQueue().map(d -> ", dead_letter_queue " + d).orElse("");
    }

    /**
     * The consumer of a queue. {@code exact}: settings that differ are updated (the event queue); otherwise any
     * HTTP pull consumer will do (the dead-letter queue's, whose settings the user may have tuned).
     */
    private Planned consumerStep(CloudflareApi api, String step, Optional<CloudflareQueue.Info> queue,
                                 CloudflareQueue.Role role, CloudflareQueue.PullConsumer wanted, boolean exact,
                                 Function<Ids, Optional<String>> queueId) throws IOException {
        Change create = (a, ids) -> handle(a, queueId.apply(ids), role).createPullConsumer(wanted);
        if (queue.isEmpty()) {
            return Planned.change(step, Action.CREATE, describe(wanted), create);
        }
        String queueName = queue.get().name();
        List<CloudflareQueue.Consumer> consumers = api.queue(queue.get().id(), role).consumers();
        List<CloudflareQueue.Consumer> others = consumers.stream()
                .filter(c -> !c.type().equals(Optional.of("http_pull"))).toList();
        Optional<CloudflareQueue.Consumer> pull = consumers.stream()
                .filter(c -> c.type().equals(Optional.of("http_pull"))).findFirst();
        if (!others.isEmpty()) {
            String found = others.stream().map(Provisioner::describeOther).reduce((x, y) -> x + ", " + y).orElse("");
            boolean workers = others.stream().allMatch(c -> c.type().equals(Optional.of("worker")));
            if (!workers || !replaceWorkerConsumer) {
                return Planned.refused(step, queueName + " is consumed by " + found + ": it takes the messages this "
                        + "connector should anchor", workers
                        ? "remove that consumer (see docs/MIGRATING.md), or run again with --replace-worker-consumer "
                        + "(Provisioner.Builder#replaceWorkerConsumer) to delete it and add the http_pull consumer"
                        : "remove that consumer from " + queueName + " yourself, then run again");
            }
            Optional<CloudflareQueue.Consumer> anonymous = others.stream().filter(c -> c.id().isEmpty()).findFirst();
            if (anonymous.isPresent()) {
                return Planned.refused(step, queueName + " is consumed by " + found + ", which the API lists without a "
                        + "consumer_id", "remove it with: wrangler queues consumer worker remove " + queueName + " "
                        + anonymous.get().script().orElse("<script>") + ", then run again");
            }
            return Planned.change(step, Action.UPDATE, "replace " + found + " with " + describe(wanted), (a, ids) -> {
                CloudflareQueue handle = handle(a, queueId.apply(ids), role);
                for (CloudflareQueue.Consumer c : others) {
                    handle.deleteConsumer(c.id().orElseThrow());
                }
                if (pull.isPresent() && pull.get().id().isPresent()) {
                    handle.updatePullConsumer(pull.get().id().get(), wanted);
                } else {
                    handle.createPullConsumer(wanted);
                }
            });
        }
        if (pull.isEmpty()) {
            return Planned.change(step, Action.CREATE, describe(wanted), create);
        }
        CloudflareQueue.Consumer have = pull.get();
        if (!exact || wanted.matches(have)) {
            return Planned.unchanged(step, "http_pull" + have.id().map(id -> " (consumer " + id + ")").orElse("")
                    + (exact ? ": " + describe(wanted).substring("http_pull: ".length()) : ""));
        }
        if (have.id().isEmpty()) {
            return Planned.refused(step, queueName + "'s http_pull consumer has other settings ("
                    + differences(have, wanted) + ") and no consumer_id to update it by",
                    "set them with wrangler queues consumer http add/remove, then run again");
        }
        String id = have.id().get();
        return Planned.change(step, Action.UPDATE, "http_pull (consumer " + id + "): " + differences(have, wanted),
                (a, ids) -> handle(a, queueId.apply(ids), role).updatePullConsumer(id, wanted));
    }

    private static CloudflareQueue handle(CloudflareApi api, Optional<String> queueId, CloudflareQueue.Role role) {
        return api.queue(queueId.orElseThrow(() -> new IllegalStateException("queue id unknown after its step")),
                role);
    }

    private static String describeOther(CloudflareQueue.Consumer c) {
        String type = c.type().orElse("unknown");
        return "a " + (type.equals("worker") ? "Worker" : type) + " consumer"
                + c.script().map(s -> " (script " + LogSafe.quoted(s) + ")").orElse("");
    }

    private static String differences(CloudflareQueue.Consumer have, CloudflareQueue.PullConsumer want) {
        List<String> out = new ArrayList<>();
        diff(out, "batch_size", have.batchSize().isPresent() ? Optional.of(have.batchSize().getAsInt())
                : Optional.empty(), want.batchSize());
        diff(out, "max_retries", have.maxRetries().isPresent() ? Optional.of(have.maxRetries().getAsInt())
                : Optional.empty(), want.maxRetries());
        diff(out, "visibility_timeout_ms", have.visibilityTimeout().map(Duration::toMillis),
                want.visibilityTimeout().toMillis());
        diff(out, "dead_letter_queue", have.deadLetterQueue(), want.deadLetterQueue().orElse("none"));
        return String.join(", ", out);
    }

    private static void diff(List<String> out, String name, Optional<?> have, Object want) {
        if (!have.map(h -> h.toString().equals(want.toString())).orElse(false)) {
            out.add(name + " " + have.map(Object::toString).orElse("unset") + " -> " + want);
        }
    }

    private Planned ruleStep(CloudflareApi api, Optional<CloudflareQueue.Info> events) throws IOException {
        String step = "event notification";
        BucketNotifications notifications = api.bucketNotifications(bucket, jurisdiction.map(Jurisdiction::wireName));
        List<BucketNotifications.QueueRules> config = notifications.get();
        String wanted = LogSafe.quoted(bucket) + " -> " + names.eventQueue() + ": " + String.join(", ", ACTION_NAMES)
                + keys(prefix, suffix);
        Optional<String> ours = events.map(CloudflareQueue.Info::id);
        List<String> conflicts = new ArrayList<>();
        for (BucketNotifications.QueueRules q : config) {
            for (BucketNotifications.Rule r : q.rules()) {
                boolean mine = ours.isPresent() && q.queueId().equals(ours.get());
                if (mine && r.prefix().equals(prefix) && r.suffix().equals(suffix)
                        && r.actions().containsAll(ACTION_NAMES)) {
                    return Planned.unchanged(step, "rule" + r.id().map(id -> " " + id).orElse("") + ": " + wanted);
                }
                if (r.keysOverlap(prefix, suffix)) {
                    conflicts.add("rule" + r.id().map(id -> " " + id).orElse("") + " to "
                            + q.queueName().orElse(q.queueId()) + " (" + String.join(", ", r.actions())
                            + keys(r.prefix(), r.suffix()) + ")");
                }
            }
        }
        if (!conflicts.isEmpty()) {
            return Planned.refused(step, "wanted " + wanted + ", but " + String.join("; ", conflicts)
                    + " covers some of the same keys, and R2 rejects overlapping rules",
                    "delete the overlapping rule (wrangler r2 bucket notification delete " + bucket
                            + " --queue <queue> --rule <rule id>) or choose a prefix/suffix that does not overlap it, "
                            + "then run again");
        }
        BucketNotifications.Rule rule = new BucketNotifications.Rule(Optional.empty(), ACTION_NAMES, prefix, suffix,
                Optional.of(RULE_DESCRIPTION));
        return Planned.change(step, Action.CREATE, wanted, (a, ids) -> {
            String queueId = ids.events.orElseThrow(() -> new IllegalStateException("event queue id unknown"));
            BucketNotifications target = a.bucketNotifications(bucket, jurisdiction.map(Jurisdiction::wireName));
            try {
                target.put(queueId, List.of(rule));
            } catch (InterruptedIOException | AccessRefusedException e) {
                throw e;
            } catch (IOException | ConnectorException e) {
                if (!hasRule(target, queueId, e)) {
                    throw e;
                }
            }
        });
    }

    /**
     * Whether the wanted rule is there after all (a create whose reply was lost); a failure to look is added to
     * {@code failure} as suppressed.
     */
    private boolean hasRule(BucketNotifications target, String queueId, Exception failure) {
        try {
            for (BucketNotifications.QueueRules q : target.get()) {
                for (BucketNotifications.Rule r : q.rules()) {
                    if (q.queueId().equals(queueId) && r.prefix().equals(prefix) && r.suffix().equals(suffix)
                            && r.actions().containsAll(ACTION_NAMES)) {
                        return true;
                    }
                }
            }
        } catch (IOException | ConnectorException again) {
            failure.addSuppressed(again);
        }
        return false;
    }

    private static String keys(String prefix, String suffix) {
        return (prefix.isEmpty() ? "" : "; prefix " + LogSafe.quoted(prefix))
                + (suffix.isEmpty() ? "" : "; suffix " + LogSafe.quoted(suffix))
                + (prefix.isEmpty() && suffix.isEmpty() ? "; every key" : "");
    }

    // ------------------------------------------------------------------ the result

    private ProvisionPlan plan(List<Planned> planned, Ids ids, boolean applied) {
        List<Step> steps = planned.stream().map(Planned::step).toList();
        List<String> notes = new ArrayList<>();
        long upload = (maxFileSizeBytes + minBandwidth - 1) / minBandwidth;
        notes.add("Lease: " + visibilityTimeout.toSeconds() + " s (visibility_timeout_ms " + visibilityTimeout.toMillis()
                + "): a " + HumanBytes.formatTrimmed(maxFileSizeBytes) + " object at "
                + HumanBytes.formatTrimmed(minBandwidth) + "/s takes " + upload
                + " s, plus a quarter (at least " + MIN_LEASE_MARGIN.toSeconds() + " s); at most 12 h.");
        if (upload + MIN_LEASE_MARGIN.toSeconds() > MAX_VISIBILITY_TIMEOUT.toSeconds()) {
            notes.add("Warning: the lease is capped at 12 h; the largest object must upload at "
                    + HumanBytes.formatTrimmed(maxFileSizeBytes / MAX_VISIBILITY_TIMEOUT.toSeconds() + 1)
                    + "/s or faster.");
        }
        Map<String, String> env = new LinkedHashMap<>();
        Map<String, String> pending = new LinkedHashMap<>();
        env.put("CLOUDFLARE_ACCOUNT_ID", accountId);
        if (!baseUrl.equals(URI.create(CloudflareApi.DEFAULT_BASE_URL))) {
            env.put("CLOUDFLARE_API_BASE_URL", baseUrl.toString());
        }
        env.put("R2_BUCKET", bucket);
        jurisdiction.ifPresent(j -> env.put("R2_JURISDICTION", j.wireName()));
        known(env, pending, "R2_QUEUE_ID", ids.events, names.eventQueue());
        known(env, pending, "R2_DLQ_ID", ids.deadLetters, names.deadLetterQueue());
        if (!prefix.isEmpty()) {
            env.put("R2_PREFIX", prefix);
        }
        env.put("R2_VISIBILITY_TIMEOUT_SECONDS", Long.toString(visibilityTimeout.toSeconds()));
        env.put("ROOTKEY_MAX_FILE_SIZE_BYTES", Long.toString(maxFileSizeBytes));
        if ("http".equalsIgnoreCase(baseUrl.getScheme())) {
            env.put(Endpoints.INSECURE_LOOPBACK_VARIABLE, "true");
        }
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("CLOUDFLARE_API_TOKEN", "a token with Queues read and write (run needs no R2 token permission)");
        secrets.put("R2_ACCESS_KEY_ID", "an R2 API token's access key id, with Object Read on " + bucket);
        secrets.put("R2_SECRET_ACCESS_KEY", "that R2 API token's secret access key");
        secrets.put("ROOTKEY_API_KEY", "the ROOTKey connector API key (the Worker's ROOTKEY_API_KEY secret)");
        return new ProvisionPlan(names, steps, visibilityTimeout, notes, env, pending, secrets, applied);
    }

    private static void known(Map<String, String> env, Map<String, String> pending, String variable,
                              Optional<String> id, String name) {
        if (id.isPresent()) {
            env.put(variable, id.get());
        } else {
            pending.put(variable, "the id of " + name + ", once provision has created it");
        }
    }


    @Override
    public String toString() {
        return "Provisioner[account " + accountId + ", bucket " + bucket + ", " + names + ", prefix "
                + LogSafe.quoted(prefix) + ", suffix " + LogSafe.quoted(suffix) + ", lease " + visibilityTimeout
                + ", replaceWorkerConsumer " + replaceWorkerConsumer + "]";
    }

    // ------------------------------------------------------------------ validation

    private static String suffixProblem(String name, String value) {
        return name + " must match ^[a-z0-9]{3,12}$ (3-12 lowercase letters and digits, the Worker module's rule): got "
                + LogSafe.quoted(value);
    }

    private static String bucketProblem(String name, String value) {
        return name + " must match " + BUCKET.pattern() + " (3-63 lowercase letters, digits and hyphens, no hyphen at "
                + "either end): got " + LogSafe.quoted(value);
    }

    /**
     * Configures a {@link Provisioner}. Setters reject only null; {@link #build()} checks every input with the Worker
     * module's rules ({@code r2/variables.tf}) and reports all problems at once. Not thread-safe.
     */
    public static final class Builder {
        private String accountId;
        private Secret apiToken;
        private URI baseUrl = URI.create(CloudflareApi.DEFAULT_BASE_URL);
        private boolean allowInsecureLoopback;
        private HttpClient httpClient;
        private String bucket;
        private String nameSuffix;
        private String prefix = "";
        private String suffix = "";
        private long maxFileSizeBytes = DEFAULT_MAX_FILE_SIZE_BYTES;
        private long minBandwidth = DEFAULT_MIN_BANDWIDTH_BYTES_PER_SECOND;
        private Jurisdiction jurisdiction;
        private boolean replaceWorkerConsumer;
        private Consumer<Step> onStep = step -> { };
        private CloudflareApi.Retry retry = CloudflareApi.DEFAULT_RETRY;

        private Builder() {
        }

        /** The Cloudflare account id: 32 lowercase hex characters. Required. */
        public Builder accountId(String accountId) {
            this.accountId = Objects.requireNonNull(accountId, "accountId");
            return this;
        }

        /** The API token: Queues write and Workers R2 Storage write. Required. */
        public Builder apiToken(Secret apiToken) {
            this.apiToken = Objects.requireNonNull(apiToken, "apiToken");
            return this;
        }

        /** The API root; default {@link CloudflareApi#DEFAULT_BASE_URL}. https, or http to loopback with the switch. */
        public Builder baseUrl(URI baseUrl) {
            this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
            return this;
        }

        /** Admits a plain-http base URL to a loopback host (local stand-ins and tests only). Default false. */
        public Builder allowInsecureLoopbackForTesting(boolean allow) {
            this.allowInsecureLoopback = allow;
            return this;
        }

        /** A client to use instead of building one; never closed here. It must not follow redirects. */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = Endpoints.requireNoRedirects(httpClient, "httpClient");
            return this;
        }

        /** The bucket: 3-63 lowercase letters, digits and hyphens, no hyphen at either end. Required. */
        public Builder bucket(String bucket) {
            this.bucket = Objects.requireNonNull(bucket, "bucket");
            return this;
        }

        /** The module's {@code name_suffix}: 3-12 lowercase letters and digits, part of every name. Required. */
        public Builder nameSuffix(String nameSuffix) {
            this.nameSuffix = Objects.requireNonNull(nameSuffix, "nameSuffix");
            return this;
        }

        /** Only keys starting with this are announced (R2 filters them); default {@code ""}, every key. */
        public Builder prefix(String prefix) {
            this.prefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /** Only keys ending with this are announced (R2 filters them); default {@code ""}, every key. */
        public Builder suffix(String suffix) {
            this.suffix = Objects.requireNonNull(suffix, "suffix");
            return this;
        }

        /** The largest object anchored, 1 byte to 5 GiB (the module's range); default 500 MiB. */
        public Builder maxFileSizeBytes(long maxFileSizeBytes) {
            this.maxFileSizeBytes = maxFileSizeBytes;
            return this;
        }

        /**
         * The slowest upload rate the lease must allow for the largest object, in bytes per second (at least 1);
         * default {@link #DEFAULT_MIN_BANDWIDTH_BYTES_PER_SECOND}. See {@link #visibilityTimeoutFor}.
         */
        public Builder minBandwidthBytesPerSecond(long bytesPerSecond) {
            this.minBandwidth = bytesPerSecond;
            return this;
        }

        /** The bucket's jurisdiction (sent with the event notification calls); default none. */
        public Builder jurisdiction(Jurisdiction jurisdiction) {
            this.jurisdiction = Objects.requireNonNull(jurisdiction, "jurisdiction");
            return this;
        }

        /**
         * Whether a Worker consumer of the event queue (or of the dead-letter queue) is deleted and replaced by the
         * HTTP pull consumer; default false: such a queue is refused, so a running Worker is never cut off by
         * surprise.
         */
        public Builder replaceWorkerConsumer(boolean replace) {
            this.replaceWorkerConsumer = replace;
            return this;
        }

        /** Hears each step of {@link #apply()} once it was carried out (unchanged ones too), in order. */
        public Builder onStep(Consumer<Step> onStep) {
            this.onStep = Objects.requireNonNull(onStep, "onStep");
            return this;
        }

        /** Retries inside one API call (tests use one attempt). */
        Builder retry(CloudflareApi.Retry retry) {
            this.retry = Objects.requireNonNull(retry, "retry");
            return this;
        }

        /** Every problem {@link #build()} would report, one sentence each, naming the setting; changes nothing. */
        public List<String> problems() {
            List<String> problems = new ArrayList<>();
            if (accountId == null) {
                problems.add("no account id: call accountId(...) (CLOUDFLARE_ACCOUNT_ID)");
            } else if (!CloudflareIds.isHex32(accountId)) {
                problems.add("accountId must be 32 lowercase hex characters (got " + accountId.length()
                        + " characters" + (accountId.length() == 32 ? ", not all lowercase hex" : "") + ")");
            }
            if (apiToken == null) {
                problems.add("no API token: call apiToken(Secret.fromEnvironment(\"CLOUDFLARE_API_TOKEN\"))");
            }
            try {
                Endpoints.requireHttpsOrLoopback(baseUrl, allowInsecureLoopback, "baseUrl");
            } catch (ConfigurationException e) {
                problems.add(e.getMessage());
            }
            if (bucket == null) {
                problems.add("no bucket: call bucket(...)");
            } else if (!BUCKET.matcher(bucket).matches()) {
                problems.add(bucketProblem("bucket", bucket));
            }
            if (nameSuffix == null) {
                problems.add("no name suffix: call nameSuffix(...) (the Worker module's name_suffix)");
            } else if (!NAME_SUFFIX.matcher(nameSuffix).matches()) {
                problems.add(suffixProblem("nameSuffix", nameSuffix));
            }
            keyFilter(problems, "prefix", prefix);
            keyFilter(problems, "suffix", suffix);
            if (maxFileSizeBytes < 1 || maxFileSizeBytes > MAX_FILE_SIZE_LIMIT_BYTES) {
                problems.add("maxFileSizeBytes must be between 1 and " + MAX_FILE_SIZE_LIMIT_BYTES
                        + " (5 GiB, the Worker module's range), was " + maxFileSizeBytes);
            }
            if (minBandwidth < 1) {
                problems.add("minBandwidthBytesPerSecond must be at least 1, was " + minBandwidth);
            }
            return problems;
        }

        private static void keyFilter(List<String> problems, String name, String value) {
            int bytes = value.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_KEY_FILTER_BYTES) {
                problems.add(name + " must be at most " + MAX_KEY_FILTER_BYTES + " bytes in UTF-8, the longest R2 key "
                        + "(got " + bytes + " bytes)");
            }
            if (value.chars().anyMatch(Character::isISOControl)) {
                problems.add(name + " must not contain control characters (got " + LogSafe.quoted(value) + ")");
            }
        }

        /**
         * The provisioner.
         *
         * @throws ConfigurationException listing every problem of {@link #problems()}, one per line
         */
        public Provisioner build() {
            List<String> problems = problems();
            if (!problems.isEmpty()) {
                throw new ConfigurationException("the provisioning settings have " + problems.size()
                        + (problems.size() == 1 ? " problem:" : " problems:") + System.lineSeparator() + "  "
                        + String.join(System.lineSeparator() + "  ", problems));
            }
            return new Provisioner(this);
        }
    }
}
