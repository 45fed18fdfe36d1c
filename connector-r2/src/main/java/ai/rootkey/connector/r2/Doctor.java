package ai.rootkey.connector.r2;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.ConnectorException;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.LogSafe;
import ai.rootkey.connector.RetryPolicy;
import ai.rootkey.connector.r2.internal.BucketNotifications;
import ai.rootkey.connector.r2.internal.CloudflareApi;
import ai.rootkey.connector.r2.internal.CloudflareQueue;
import ai.rootkey.connector.r2.internal.Endpoints;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Checks a configuration end to end, the way the connector will use it, and says what to fix: the bucket, the
 * queue, its consumer settings and message retention, the dead-letter queue, the bucket's event notification rule,
 * the ROOTKey API, and whether the size limit fits the lease. Read-only: it consumes no message and uploads nothing.
 *
 * <pre>{@code
 * List<Doctor.Check> checks = Doctor.check(R2ConnectorConfig.fromEnvironment());
 * checks.forEach(c -> System.out.println(c.status() + " " + c.name() + ": " + c.detail()));
 * if (Doctor.anyFailed(checks)) { ... }
 * }</pre>
 */
public final class Doctor {
    /** The upload rate the lease check assumes is plausible for one object: 1 MiB/s. */
    public static final long PLAUSIBLE_BYTES_PER_SECOND = 1024 * 1024;
    /**
     * The {@code max_retries} this connector is tuned for (DESIGN 6.2): six deliveries, whose back-off spans about
     * half an hour. The connector reads the real value at start and adapts to it.
     */
    public static final int EXPECTED_MAX_RETRIES = RetryPolicy.DEFAULT_MAX_RETRIES;
    /**
     * The shortest queue message retention that does not warn: 24 hours, so that a connector paused overnight (a
     * revoked key noticed in the morning) loses nothing. The free plan's fixed retention is exactly this.
     */
    public static final Duration MIN_RETENTION = Duration.ofHours(24);
    /** Cloudflare's default message retention: 4 days (it may be set from 60 seconds to 14 days). */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(4);
    private static final List<String> CREATE_ACTIONS = List.of(EventAction.PUT_OBJECT.wireName(),
            EventAction.COMPLETE_MULTIPART_UPLOAD.wireName(), EventAction.COPY_OBJECT.wireName());

    private Doctor() {
    }

    /** The outcome of one check. */
    public enum Status {
        /** As expected. */
        OK,
        /** Works, but something is likely to bite later; the fix says what. */
        WARN,
        /** Does not work; the fix says what to change. */
        FAIL,
        /** Not checked (a check it depends on failed, or the token may not read it). */
        SKIPPED
    }

    /**
     * One row of the doctor's table.
     *
     * @param name   what was checked
     * @param status the outcome
     * @param detail what was found
     * @param fix    what to change, for WARN and FAIL
     */
    public record Check(String name, Status status, String detail, Optional<String> fix) {
        public Check {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(detail, "detail");
            Objects.requireNonNull(fix, "fix");
        }

        static Check ok(String name, String detail) {
            return new Check(name, Status.OK, detail, Optional.empty());
        }

        static Check skipped(String name, String detail) {
            return new Check(name, Status.SKIPPED, detail, Optional.empty());
        }

        static Check warn(String name, String detail, String fix) {
            return new Check(name, Status.WARN, detail, Optional.of(fix));
        }

        static Check fail(String name, String detail, String fix) {
            return new Check(name, Status.FAIL, detail, Optional.of(fix));
        }
    }

    /** True when any check failed. */
    public static boolean anyFailed(List<Check> checks) {
        return checks.stream().anyMatch(c -> c.status() == Status.FAIL);
    }

    /** {@link #check(R2ConnectorConfig, Duration)} with the connector's default lease (visibility timeout). */
    public static List<Check> check(R2ConnectorConfig config) {
        return check(config, CloudflareQueueSource.DEFAULT_VISIBILITY_TIMEOUT);
    }

    /**
     * Runs every check, in order: R2 bucket reachable, R2 bucket readable, queue reachable, queue consumer, queue
     * max_retries, queue dead-letter queue, queue message retention, R2_DLQ_ID, bucket event notifications, ROOTKey
     * API URL, ROOTKey API answers, size limit vs lease.
     *
     * <p>Queue message retention: a connector whose credentials are refused pauses, holding no message, and probes
     * at most every {@link Connector#MAX_PROBE_INTERVAL} (15 min); meanwhile events wait in the queue, and the queue
     * deletes any older than its {@code message_retention_period}. So the retention minus 15 minutes is how long a
     * pause may last before events are lost: FAIL when that is nothing (retention at most 15 min), WARN when it is
     * under {@link #MIN_RETENTION} (a pause overnight would lose events), OK otherwise.
     *
     * <p>Bucket event notifications: the bucket's rules (R2's event notification configuration) must send
     * {@code PutObject}, {@code CompleteMultipartUpload} and {@code CopyObject} events for every key under
     * {@code R2_PREFIX} to the queue ({@code R2_QUEUE_ID}): FAIL when no rule sends to it, or when one of the actions
     * is missing for those keys; WARN when the rules cover only part of the prefix (a longer rule prefix). A rule
     * with a key suffix is reported, not judged: it is a filter chosen on purpose.
     *
     * @param visibilityTimeout the lease the connector pulls with ({@code R2Connector.Builder#visibilityTimeout})
     */
    public static List<Check> check(R2ConnectorConfig config, Duration visibilityTimeout) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
        List<Check> checks = new ArrayList<>();
        checkBucket(config, checks);
        boolean queueReachable = checkQueue(config, checks);
        checkRetention(config, queueReachable, checks);
        checkDeadLetterQueue(config, checks);
        checkNotifications(config, checks);
        checkRootkey(config, checks);
        checkLease(config, visibilityTimeout, checks);
        return List.copyOf(checks);
    }

    // ------------------------------------------------------------------ R2

    private static void checkBucket(R2ConnectorConfig config, List<Check> checks) {
        String reachable = "R2 bucket reachable";
        String readable = "R2 bucket readable";
        String bucket = LogSafe.quoted(config.bucket());
        try (R2ObjectReader reader = R2ObjectReader.builder().config(config).maxAttempts(1).build()) {
            try {
                reader.probe(config.bucket());
                checks.add(Check.ok(reachable, "HeadBucket " + bucket + " at " + config.objectStoreEndpoint()));
            } catch (Exception e) {
                checks.add(failure(reachable, e, "check R2_BUCKET, R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY and the "
                        + "endpoint (R2_ENDPOINT or R2_JURISDICTION)"));
                checks.add(Check.skipped(readable, "the bucket is not reachable"));
                return;
            }
            String prefix = config.prefix().orElse("");
            try {
                ListObjectsV2Response page = reader.list(config.bucket(), prefix, "", "", 1);
                String where = prefix.isEmpty() ? "" : " under " + LogSafe.quoted(prefix);
                checks.add(Check.ok(readable, page.contents().isEmpty() ? "ListObjectsV2: no object" + where + " yet"
                        : "ListObjectsV2: first key" + where + " " + LogSafe.quoted(page.contents().get(0).key())));
            } catch (Exception e) {
                checks.add(failure(readable, e, "give the R2 token Object Read on " + config.bucket()));
            }
        } catch (RuntimeException e) {
            checks.add(failure(reachable, e, "check R2_ENDPOINT / R2_JURISDICTION"));
            checks.add(Check.skipped(readable, "the bucket is not reachable"));
        }
    }

    // ------------------------------------------------------------------ Queues

    /** The Cloudflare API client of the checks: one attempt per call (the doctor reports, it does not retry). */
    private static CloudflareApi cloudflare(R2ConnectorConfig config) {
        return CloudflareApi.builder().accountId(config.accountId()).apiToken(config.apiToken())
                .baseUrl(config.apiBaseUrl()).allowInsecureLoopback(config.allowInsecureLoopback())
                .retry(CloudflareApi.Retry.once()).logger(LoggerFactory.getLogger(Doctor.class)).build();
    }

    /** The queue rows; true when the queue is reachable. */
    private static boolean checkQueue(R2ConnectorConfig config, List<Check> checks) {
        String reachable = "queue reachable";
        String consumer = "queue consumer";
        String retries = "queue max_retries";
        String dlq = "queue dead-letter queue";
        try (CloudflareApi api = cloudflare(config)) {
            CloudflareQueue queue = api.queue(config.queueId(), CloudflareQueue.Role.EVENTS);
            try {
                queue.probe();
                checks.add(Check.ok(reachable, "an empty ack was accepted for queue " + config.queueId()
                        + " with the token"));
            } catch (Exception e) {
                checks.add(failure(reachable, e, "check CLOUDFLARE_API_TOKEN (Queues read and write), "
                        + "CLOUDFLARE_ACCOUNT_ID, R2_QUEUE_ID and CLOUDFLARE_API_BASE_URL"));
                for (String name : List.of(consumer, retries, dlq)) {
                    checks.add(Check.skipped(name, "the queue is not reachable"));
                }
                return false;
            }
            List<CloudflareQueue.Consumer> consumers;
            try {
                consumers = queue.consumers();
            } catch (AccessRefusedException e) {
                String why = "skipped: token may not read consumer settings (HTTP " + e.status() + ")";
                for (String name : List.of(consumer, retries, dlq)) {
                    checks.add(Check.skipped(name, why));
                }
                return true;
            } catch (Exception e) {
                checks.add(failure(consumer, e, "try again; the consumer settings could not be read"));
                checks.add(Check.skipped(retries, "consumer settings unknown"));
                checks.add(Check.skipped(dlq, "consumer settings unknown"));
                return true;
            }
            CloudflareQueue.Consumer pull = null;
            List<String> types = new ArrayList<>();
            for (CloudflareQueue.Consumer c : consumers) {
                String type = c.type().orElse("?");
                types.add(type);
                if (type.equals("http_pull") && pull == null) {
                    pull = c;
                }
            }
            if (pull == null) {
                checks.add(Check.fail(consumer, types.isEmpty() ? "the queue has no consumer"
                                : "the queue's consumers are " + String.join(", ", types) + ", none is http_pull",
                        "run provision (--replace-worker-consumer replaces a Worker's), or add an HTTP pull consumer "
                                + "(wrangler queues consumer http add <queue> --message-retries 5 --dead-letter-queue "
                                + "<dlq>); a Worker consumer would take the messages instead"));
                checks.add(Check.skipped(retries, "no http_pull consumer"));
                checks.add(Check.skipped(dlq, "no http_pull consumer"));
                return true;
            }
            checks.add(types.size() == 1 ? Check.ok(consumer, "http_pull")
                    : Check.warn(consumer, "http_pull, but also " + String.join(", ", types),
                    "remove the other consumers: they take messages this connector should anchor"));
            OptionalInt maxRetries = pull.maxRetries();
            if (maxRetries.isEmpty()) {
                checks.add(Check.warn(retries, "not set (Cloudflare's default is 3)", "set max_retries to "
                        + EXPECTED_MAX_RETRIES + " (wrangler ... --message-retries 5)"));
            } else if (maxRetries.getAsInt() != EXPECTED_MAX_RETRIES) {
                checks.add(Check.warn(retries, "max_retries=" + maxRetries.getAsInt() + ": "
                        + (maxRetries.getAsInt() + 1) + " deliveries before the dead-letter queue (the connector reads "
                        + "this at start)", "set max_retries to " + EXPECTED_MAX_RETRIES + " (wrangler ... "
                        + "--message-retries 5): six deliveries give transient failures about half an hour of back-off"));
            } else {
                checks.add(Check.ok(retries, "max_retries=" + EXPECTED_MAX_RETRIES + ": "
                        + (EXPECTED_MAX_RETRIES + 1) + " deliveries before the dead-letter queue"));
            }
            checks.add(pull.deadLetterQueue().isEmpty()
                    ? Check.warn(dlq, "none: messages that exhaust their retries are deleted",
                    "configure a dead-letter queue on the consumer (--dead-letter-queue <name>) and set R2_DLQ_ID")
                    : Check.ok(dlq, LogSafe.quoted(pull.deadLetterQueue().get())));
            return true;
        } catch (RuntimeException e) {
            checks.add(failure(reachable, e, "check CLOUDFLARE_API_BASE_URL"));
            return false;
        }
    }

    private static void checkRetention(R2ConnectorConfig config, boolean queueReachable, List<Check> checks) {
        String name = "queue message retention";
        if (!queueReachable) {
            checks.add(Check.skipped(name, "the queue is not reachable"));
            return;
        }
        try (CloudflareApi api = cloudflare(config)) {
            CloudflareQueue.Info queue = api.queue(config.queueId(), CloudflareQueue.Role.EVENTS).info();
            if (queue.messageRetention().isEmpty()) {
                checks.add(Check.skipped(name, "the queue's settings do not show message_retention_period "
                        + "(Cloudflare's default is 4 days)"));
                return;
            }
            Duration retention = queue.messageRetention().get();
            Duration pause = retention.minus(Connector.MAX_PROBE_INTERVAL);
            String shown = "message_retention_period=" + retention.toSeconds() + " (" + human(retention) + ")";
            String fix = "raise it: wrangler queues update " + queue.name() + " --message-retention-period-secs "
                    + DEFAULT_RETENTION.toSeconds() + " (4 days, Cloudflare's default; up to 14 days)";
            if (pause.isNegative() || pause.isZero()) {
                checks.add(Check.fail(name, shown + ": events can expire before a paused connector's next probe (every "
                        + human(Connector.MAX_PROBE_INTERVAL) + " at most)", fix));
            } else if (retention.compareTo(MIN_RETENTION) < 0) {
                checks.add(Check.warn(name, shown + ": a pause on refused credentials that lasts more than "
                        + human(pause) + " (one night) loses the events it holds back", fix));
            } else {
                checks.add(Check.ok(name, shown + ": a paused connector may wait up to " + human(pause)
                        + " for its credentials to be fixed without losing events"));
            }
        } catch (AccessRefusedException e) {
            checks.add(Check.skipped(name, "skipped: token may not read the queue's settings (HTTP " + e.status()
                    + ")"));
        } catch (Exception e) {
            checks.add(failure(name, e, "try again; the queue's settings could not be read"));
        }
    }

    private static void checkDeadLetterQueue(R2ConnectorConfig config, List<Check> checks) {
        String name = "R2_DLQ_ID";
        if (config.dlqId().isEmpty()) {
            checks.add(Check.warn(name, "not set", "set R2_DLQ_ID to the dead-letter queue's id to use dlq peek and "
                    + "dlq replay"));
            return;
        }
        try (CloudflareApi api = cloudflare(config)) {
            CloudflareQueue dlq = api.queue(config.dlqId().get(), CloudflareQueue.Role.DEAD_LETTERS);
            dlq.probe();
            OptionalInt maxRetries;
            try {
                maxRetries = dlq.maxRetries();
            } catch (IOException | ConnectorException e) {
                maxRetries = OptionalInt.empty(); // the token may not read consumer settings: not a failure here
            }
            String detail = "dead-letter queue " + config.dlqId().get() + " reachable";
            checks.add(Check.ok(name, detail + (maxRetries.isPresent() ? ", consumer max_retries="
                    + maxRetries.getAsInt() : "")));
        } catch (Exception e) {
            checks.add(failure(name, e, "check R2_DLQ_ID (the dead-letter queue's id, not its name)"));
        }
    }

    // ------------------------------------------------------------------ R2 event notifications

    private static void checkNotifications(R2ConnectorConfig config, List<Check> checks) {
        String name = "bucket event notifications";
        String prefix = config.prefix().orElse("");
        String under = prefix.isEmpty() ? "every key" : "keys under " + LogSafe.quoted(prefix);
        String bucket = LogSafe.quoted(config.bucket());
        String create = "run provision (it creates the rule), or: wrangler r2 bucket notification create "
                + config.bucket() + " --event-type object-create --queue <the queue's name>"
                + (prefix.isEmpty() ? "" : " --prefix " + LogSafe.quoted(prefix));
        List<BucketNotifications.QueueRules> all;
        try (CloudflareApi api = cloudflare(config)) {
            all = api.bucketNotifications(config.bucket(), config.jurisdiction().map(Jurisdiction::wireName)).get();
        } catch (AccessRefusedException e) {
            checks.add(Check.skipped(name, "skipped: token may not read the bucket's event notifications (HTTP "
                    + e.status() + "; it needs Workers R2 Storage read)"));
            return;
        } catch (Exception e) {
            checks.add(failure(name, e, "check R2_BUCKET and R2_JURISDICTION"));
            return;
        }
        List<BucketNotifications.Rule> rules = new ArrayList<>();
        List<String> elsewhere = new ArrayList<>();
        for (BucketNotifications.QueueRules q : all) {
            if (q.queueId().equals(config.queueId())) {
                rules.addAll(q.rules());
            } else {
                elsewhere.add(q.queueName().orElse(q.queueId()));
            }
        }
        if (rules.isEmpty()) {
            checks.add(Check.fail(name, "no rule of bucket " + bucket + " sends events to queue " + config.queueId()
                    + (elsewhere.isEmpty() ? "" : " (its rules send to " + String.join(", ", elsewhere) + ")")
                    + ": new objects are not announced", create));
            return;
        }
        List<String> covered = new ArrayList<>();
        List<String> suffixes = new ArrayList<>();
        List<String> narrower = new ArrayList<>();
        for (BucketNotifications.Rule r : rules) {
            if (prefix.startsWith(r.prefix())) {
                r.actions().stream().filter(CREATE_ACTIONS::contains).filter(a -> !covered.contains(a))
                        .forEach(covered::add);
                if (!r.suffix().isEmpty()) {
                    suffixes.add(LogSafe.quoted(r.suffix()));
                }
            } else if (r.prefix().startsWith(prefix) && r.actions().stream().anyMatch(CREATE_ACTIONS::contains)) {
                narrower.add(LogSafe.quoted(r.prefix()));
            }
        }
        List<String> missing = CREATE_ACTIONS.stream().filter(a -> !covered.contains(a)).toList();
        String suffixNote = suffixes.isEmpty() ? "" : " (only keys ending in " + String.join(" or ", suffixes) + ")";
        if (missing.isEmpty()) {
            checks.add(Check.ok(name, String.join(", ", CREATE_ACTIONS) + " for " + under + suffixNote + " -> queue "
                    + config.queueId()));
        } else if (!covered.isEmpty()) {
            checks.add(Check.fail(name, "the rules send " + String.join(", ", covered) + " for " + under + " but not "
                    + String.join(", ", missing) + ": objects written that way are not anchored", "add the missing "
                    + "actions to the rule (wrangler r2 bucket notification create " + config.bucket()
                    + " --event-type object-create ...), or run provision"));
        } else if (!narrower.isEmpty()) {
            checks.add(Check.warn(name, "the rules announce only keys under " + String.join(", ", narrower) + ", not "
                    + under + " (R2_PREFIX)", "widen the rule's prefix to R2_PREFIX, or set R2_PREFIX to the rule's"));
        } else {
            checks.add(Check.fail(name, "no rule to queue " + config.queueId() + " announces objects created under "
                    + under.replace("every key", "any key") + " (its rules: " + describe(rules) + ")", create));
        }
    }

    private static String describe(List<BucketNotifications.Rule> rules) {
        List<String> out = new ArrayList<>();
        for (BucketNotifications.Rule r : rules) {
            out.add(String.join(",", r.actions())
                    + (r.prefix().isEmpty() ? "" : " prefix " + LogSafe.quoted(r.prefix()))
                    + (r.suffix().isEmpty() ? "" : " suffix " + LogSafe.quoted(r.suffix())));
        }
        return String.join("; ", out);
    }

    // ------------------------------------------------------------------ ROOTKey

    private static void checkRootkey(R2ConnectorConfig config, List<Check> checks) {
        String url = "ROOTKey API URL";
        String answers = "ROOTKey API answers";
        if ("https".equalsIgnoreCase(config.rootkeyApiUrl().getScheme())) {
            checks.add(Check.ok(url, config.rootkeyApiUrl().toString()));
        } else if (Endpoints.isLoopback(config.rootkeyApiUrl())) {
            checks.add(Check.warn(url, config.rootkeyApiUrl() + " is plain http to loopback",
                    "fine for local stand-ins only (ROOTKEY_ALLOW_INSECURE_LOOPBACK); use https in production"));
        } else {
            checks.add(Check.fail(url, config.rootkeyApiUrl() + " is not https", "use https (ROOTKEY_API_URL)"));
        }
        try (RootkeyAnchorer anchorer = RootkeyAnchorer.builder().apiKey(config.rootkeyApiKey())
                .apiUrl(config.rootkeyApiUrl()).allowInsecureLoopbackForTesting(config.allowInsecureLoopback())
                .build()) {
            anchorer.probe();
            checks.add(Check.ok(answers, "the API key is accepted at " + anchorer.uploadUri()));
        } catch (Exception e) {
            checks.add(failure(answers, e, "check ROOTKEY_API_URL and ROOTKEY_API_KEY"));
        }
    }

    // ------------------------------------------------------------------ limits

    private static void checkLease(R2ConnectorConfig config, Duration visibilityTimeout, List<Check> checks) {
        String name = "size limit vs lease";
        long max = config.maxFileSizeBytes();
        double seconds = Math.max(0.001, visibilityTimeout.toMillis() / 1000.0);
        double needed = max / seconds;
        String detail = String.format(Locale.ROOT, "a %s file must upload within the %s lease: at least %s/s",
                HumanBytes.format(max), human(visibilityTimeout), HumanBytes.format((long) Math.ceil(needed)));
        if (needed > PLAUSIBLE_BYTES_PER_SECOND) {
            long neededSeconds = (long) Math.ceil((double) max / PLAUSIBLE_BYTES_PER_SECOND);
            checks.add(Check.warn(name, detail + ", more than a plausible "
                    + HumanBytes.format(PLAUSIBLE_BYTES_PER_SECOND) + "/s",
                    "raise the visibility timeout to at least " + human(Duration.ofSeconds(neededSeconds))
                            + " (max 12 h), or lower ROOTKEY_MAX_FILE_SIZE_BYTES"));
        } else {
            checks.add(Check.ok(name, detail));
        }
    }

    // ------------------------------------------------------------------ helpers

    /** A FAIL (or, for a dependency answering 408/429/5xx, a WARN) from an exception; the message keeps its fix. */
    private static Check failure(String name, Exception e, String defaultFix) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String detail = message;
        String fix = defaultFix;
        int at = message.indexOf(": check ");
        if (e instanceof ConfigurationException && at > 0) {
            detail = message.substring(0, at);
            fix = message.substring(at + 2);
        }
        if (e instanceof DependencyException) {
            int status = ((DependencyException) e).status().orElse(0);
            if (status == 408 || status == 429 || status >= 500) {
                return Check.warn(name, detail, "the service answered " + status + " just now: run doctor again; "
                        + "if it persists, " + defaultFix);
            }
        }
        if (e instanceof IOException && !(e instanceof java.io.InterruptedIOException)) {
            detail = "no answer: " + message;
        }
        return Check.fail(name, LogSafe.escape(detail, 400), fix);
    }


    /**
     * {@code 45 s}, {@code 10 min}, {@code 1 h 26 min}, {@code 3 d 23 h 45 min}: seconds below two minutes, else
     * minutes rounded up; days from two days on.
     */
    private static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 120) {
            return s + " s";
        }
        long minutes = (s + 59) / 60;
        if (minutes < 60) {
            return minutes + " min";
        }
        String hours = (minutes / 60 % (minutes >= 2880 ? 24 : Long.MAX_VALUE)) + " h"
                + (minutes % 60 == 0 ? "" : " " + (minutes % 60) + " min");
        if (minutes < 2880) {
            return hours;
        }
        return (minutes / 1440) + " d" + (minutes % 1440 == 0 ? "" : " " + hours);
    }
}
