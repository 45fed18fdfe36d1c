package ai.rootkey.connector.r2;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.ConnectorException;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.LogSafe;
import ai.rootkey.connector.RetryPolicy;
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
 * queue and its consumer settings, the dead-letter queue, the ROOTKey API, and whether the size limit fits the
 * lease. Read-only: it consumes no message and uploads nothing.
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
     * max_retries, queue dead-letter queue, R2_DLQ_ID, ROOTKey API URL, ROOTKey API answers, size limit vs lease.
     *
     * @param visibilityTimeout the lease the connector pulls with ({@code R2Connector.Builder#visibilityTimeout})
     */
    public static List<Check> check(R2ConnectorConfig config, Duration visibilityTimeout) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
        List<Check> checks = new ArrayList<>();
        checkBucket(config, checks);
        checkQueue(config, checks);
        checkDeadLetterQueue(config, checks);
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

    private static void checkQueue(R2ConnectorConfig config, List<Check> checks) {
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
                return;
            }
            List<CloudflareQueue.Consumer> consumers;
            try {
                consumers = queue.consumers();
            } catch (AccessRefusedException e) {
                String why = "skipped: token may not read consumer settings (HTTP " + e.status() + ")";
                for (String name : List.of(consumer, retries, dlq)) {
                    checks.add(Check.skipped(name, why));
                }
                return;
            } catch (Exception e) {
                checks.add(failure(consumer, e, "try again; the consumer settings could not be read"));
                checks.add(Check.skipped(retries, "consumer settings unknown"));
                checks.add(Check.skipped(dlq, "consumer settings unknown"));
                return;
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
                        "add an HTTP pull consumer (wrangler queues consumer http add <queue> --message-retries 5 "
                                + "--dead-letter-queue <dlq>); a Worker consumer would take the messages instead"));
                checks.add(Check.skipped(retries, "no http_pull consumer"));
                checks.add(Check.skipped(dlq, "no http_pull consumer"));
                return;
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
        } catch (RuntimeException e) {
            checks.add(failure(reachable, e, "check CLOUDFLARE_API_BASE_URL"));
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
                bytes(max), human(visibilityTimeout), bytes((long) Math.ceil(needed)));
        if (needed > PLAUSIBLE_BYTES_PER_SECOND) {
            long neededSeconds = (long) Math.ceil((double) max / PLAUSIBLE_BYTES_PER_SECOND);
            checks.add(Check.warn(name, detail + ", more than a plausible " + bytes(PLAUSIBLE_BYTES_PER_SECOND) + "/s",
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

    private static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, value >= 100 ? "%.0f %s" : "%.1f %s", value, units[unit]);
    }

    /** {@code 45 s}, {@code 10 min}, {@code 1 h 26 min}: seconds below two minutes, else minutes rounded up. */
    private static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 120) {
            return s + " s";
        }
        long minutes = (s + 59) / 60;
        if (minutes < 60) {
            return minutes + " min";
        }
        return (minutes / 60) + " h" + (minutes % 60 == 0 ? "" : " " + (minutes % 60) + " min");
    }
}
