package ai.rootkey.connector.testkit;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.ObjectMetadata;
import ai.rootkey.connector.ObjectReader;
import ai.rootkey.connector.StoredObject;
import ai.rootkey.connector.testkit.internal.Digests;
import ai.rootkey.connector.testkit.internal.FaultPlan;
import ai.rootkey.connector.testkit.internal.FaultStreams;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory R2 bucket for tests: an {@link ObjectReader} whose writes publish the event notifications R2
 * would publish (DESIGN section 6.1) to the queues subscribed with {@link #notify(InMemoryQueue, NotificationRule)}.
 * Thread-safe.
 *
 * <p>ETags are like R2's: the MD5 hex of the content for a single put, and
 * {@code md5(concatenated part MD5s)-partCount} for a multipart upload. A copy keeps the source's ETag.
 *
 * <p>Read faults ({@link Fault}) are scripted with {@link #failNextReads}; a read meets them as
 * {@code R2ObjectReader} shows the same answer of R2: a {@link Fault#status} is a {@link DependencyException} (a
 * {@link ConfigurationException} for 401 and 403; 404 finds no object), a {@link Fault#resetMidBody} breaks the
 * content stream half way, a {@link Fault#dropBeforeApply} is an {@link IOException}.
 *
 * <pre>{@code
 * InMemoryBucket bucket = InMemoryBucket.named("acme-docs");
 * bucket.notify(queue, NotificationRule.allActions());
 * bucket.put("docs/a.pdf", bytes);               // publishes a PutObject event
 * bucket.failNextReads(1, Fault.status(503));
 * }</pre>
 */
public final class InMemoryBucket implements ObjectReader {
    private final String name;
    private final Clock clock;
    private final Object lock = new Object();
    private final Map<String, Blob> objects = new HashMap<>();
    private final List<Subscription> subscriptions = new ArrayList<>();
    private final FaultPlan<String> faults = new FaultPlan<>(1);
    private final Map<String, Runnable> beforeRead = new HashMap<>();
    private final AtomicLong reads = new AtomicLong();
    private volatile boolean refusingCredentials;
    private volatile Duration readLatency = Duration.ZERO;

    private static final String READ = "read";

    private InMemoryBucket(String name, Clock clock) {
        this.name = name;
        this.clock = clock;
    }

    /** A bucket on the system clock. */
    public static InMemoryBucket named(String name) {
        return new InMemoryBucket(Objects.requireNonNull(name, "name"), Clock.systemUTC());
    }

    /** A bucket whose events and last-modified times use {@code clock}. */
    public static InMemoryBucket named(String name, Clock clock) {
        return new InMemoryBucket(Objects.requireNonNull(name, "name"), Objects.requireNonNull(clock, "clock"));
    }

    public String name() {
        return name;
    }

    /** Publishes this bucket's events that match {@code rule} to {@code queue}. */
    public InMemoryBucket notify(InMemoryQueue queue, NotificationRule rule) {
        synchronized (lock) {
            subscriptions.add(new Subscription(Objects.requireNonNull(queue, "queue"),
                    Objects.requireNonNull(rule, "rule")));
        }
        return this;
    }

    // ------------------------------------------------------------------ writes (each publishes an event)

    /** Stores {@code content} under {@code key} (PutObject); returns the ETag. */
    public String put(String key, byte[] content) {
        return put(key, content, "application/octet-stream");
    }

    /** Stores UTF-8 text under {@code key} (PutObject); returns the ETag. */
    public String put(String key, String text) {
        return put(key, text.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
    }

    /** Stores {@code content} with a content type (PutObject); returns the ETag. */
    public String put(String key, byte[] content, String contentType) {
        Objects.requireNonNull(content, "content");
        String eTag = Digests.md5Hex(content);
        store(key, new Blob(content.clone(), eTag, contentType, clock.instant()), EventAction.PUT_OBJECT, null);
        return eTag;
    }

    /** Stores the concatenation of {@code parts} (CompleteMultipartUpload); returns the multipart ETag. */
    public String completeMultipart(String key, byte[]... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("a multipart upload has at least one part");
        }
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        ByteArrayOutputStream partDigests = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            content.writeBytes(part);
            partDigests.writeBytes(Digests.md5(part));
        }
        String eTag = Digests.md5Hex(partDigests.toByteArray()) + "-" + parts.length;
        store(key, new Blob(content.toByteArray(), eTag, "application/octet-stream", clock.instant()),
                EventAction.COMPLETE_MULTIPART_UPLOAD, null);
        return eTag;
    }

    /** Copies {@code sourceKey} to {@code targetKey} (CopyObject, with copySource); returns the ETag. */
    public String copy(String sourceKey, String targetKey) {
        Blob source;
        synchronized (lock) {
            source = objects.get(sourceKey);
        }
        if (source == null) {
            throw new IllegalArgumentException("no object " + sourceKey + " to copy");
        }
        store(targetKey, new Blob(source.content, source.eTag, source.contentType, clock.instant()),
                EventAction.COPY_OBJECT, sourceKey);
        return source.eTag;
    }

    /** Deletes {@code key} (DeleteObject); true if it existed. */
    public boolean delete(String key) {
        return remove(key, EventAction.DELETE_OBJECT);
    }

    /** Deletes {@code key} as a lifecycle rule would (LifecycleDeletion); true if it existed. */
    public boolean expire(String key) {
        return remove(key, EventAction.LIFECYCLE_DELETION);
    }

    // ------------------------------------------------------------------ faults

    /**
     * The next {@code count} opens meet {@code fault} (0: none).
     *
     * @throws IllegalArgumentException for {@link Fault#dropAfterApply()}: a read changes nothing
     */
    public InMemoryBucket failNextReads(int count, Fault fault) {
        Objects.requireNonNull(fault, "fault");
        if (fault.kind() == Fault.Kind.DROP_AFTER_APPLY) {
            throw FaultPlan.unsupported("InMemoryBucket", fault, "a read changes nothing, so there is no reply to lose "
                    + "after it; use dropBeforeApply or resetMidBody");
        }
        faults.failNext(READ, count, fault);
        return this;
    }

    /** Drops scripted read faults. */
    public InMemoryBucket clearFaults() {
        faults.clear();
        return this;
    }

    /** Read faults met so far, in order. */
    public List<Fault> injectedFaults() {
        return faults.injected();
    }

    /** The next open of {@code key} finds it deleted: the delete happens (with its event) just before the read. */
    public InMemoryBucket deleteBeforeRead(String key) {
        synchronized (lock) {
            beforeRead.put(key, () -> delete(key));
        }
        return this;
    }

    /** The next open of {@code key} finds {@code newContent}: an overwrite (with its event) just before the read. */
    public InMemoryBucket overwriteBeforeRead(String key, byte[] newContent) {
        byte[] copy = newContent.clone();
        synchronized (lock) {
            beforeRead.put(key, () -> put(key, copy));
        }
        return this;
    }

    /**
     * Until {@link #acceptCredentials()}, every open and probe fails as R2 does for refused credentials (a
     * {@link ConfigurationException} saying to check {@code R2_ACCESS_KEY_ID} and {@code R2_SECRET_ACCESS_KEY}).
     */
    public InMemoryBucket refuseCredentials() {
        refusingCredentials = true;
        return this;
    }

    /** Undoes {@link #refuseCredentials()}. */
    public InMemoryBucket acceptCredentials() {
        refusingCredentials = false;
        return this;
    }

    /** Each open waits this long first, like a slow store. */
    public InMemoryBucket readLatency(Duration latency) {
        this.readLatency = Objects.requireNonNull(latency, "latency");
        return this;
    }

    // ------------------------------------------------------------------ ObjectReader

    @Override
    public Optional<StoredObject> open(String bucket, String key) throws IOException {
        reads.incrementAndGet();
        checkAccess(bucket);
        Runnable hook;
        synchronized (lock) {
            hook = beforeRead.remove(key);
        }
        Fault fault = faults.next(READ).orElse(null);
        Duration latency = readLatency;
        if (!latency.isZero()) {
            try {
                Thread.sleep(latency.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while reading " + key);
            }
        }
        if (fault != null) {
            switch (fault.kind()) {
                case STATUS: {
                    int status = fault.status().getAsInt();
                    if (status == 404) {
                        return Optional.empty(); // NoSuchKey: the reader finds no object
                    }
                    if (status == 401 || status == 403) {
                        throw new ConfigurationException("R2 refused the credentials (HTTP " + status + ", simulated by "
                                + "InMemoryBucket " + name + "): check R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY");
                    }
                    throw new DependencyException("R2 answered GetObject for bucket " + name + ", key " + key
                            + " with HTTP " + status + " (simulated by InMemoryBucket)", status, null,
                            fault.retryAfter().orElse(null), null);
                }
                case EXCEPTION:
                    fault.throwException();
                    break;
                case DROP_BEFORE_APPLY:
                    throw new IOException("no answer from the store for GetObject on bucket " + name
                            + ": connection closed (simulated by InMemoryBucket)");
                case LATENCY:
                    FaultStreams.sleep(fault.duration());
                    break;
                default:
                    break;
            }
        }
        if (hook != null) {
            hook.run();
        }
        Blob blob;
        synchronized (lock) {
            blob = objects.get(key);
        }
        if (blob == null) {
            return Optional.empty();
        }
        ObjectMetadata metadata = new ObjectMetadata(blob.content.length, Optional.of('"' + blob.eTag + '"'),
                Optional.ofNullable(blob.contentType), Optional.of(blob.lastModified));
        InputStream content = new ByteArrayInputStream(blob.content);
        if (fault != null && fault.kind() == Fault.Kind.RESET_MID_BODY) {
            content = FaultStreams.resetAfter(content, blob.content.length / 2, "InMemoryBucket");
        } else if (fault != null && fault.kind() == Fault.Kind.STALL_BODY) {
            content = FaultStreams.stallAfter(content, fault.duration(), FaultStreams::sleep);
        }
        return Optional.of(new StoredObject(metadata, content));
    }

    @Override
    public void probe(String bucket) throws IOException {
        checkAccess(bucket);
    }

    // ------------------------------------------------------------------ inspection

    /** The stored content of {@code key}, if present. */
    public Optional<byte[]> get(String key) {
        synchronized (lock) {
            Blob blob = objects.get(key);
            return blob == null ? Optional.empty() : Optional.of(blob.content.clone());
        }
    }

    /** The ETag of {@code key}, if present. */
    public Optional<String> eTag(String key) {
        synchronized (lock) {
            Blob blob = objects.get(key);
            return blob == null ? Optional.empty() : Optional.of(blob.eTag);
        }
    }

    /** The stored keys, sorted. */
    public Set<String> keys() {
        synchronized (lock) {
            return new TreeSet<>(objects.keySet());
        }
    }

    /** How many times {@link #open} was called. */
    public long reads() {
        return reads.get();
    }

    /**
     * Waits until {@link #open} was called at least {@code count} times and returns how many times it was.
     *
     * @throws AssertionError when {@code timeout} passes first
     */
    public long awaitReads(long count, Duration timeout) {
        return Await.until(this::reads, n -> n >= count, timeout);
    }

    @Override
    public String toString() {
        return "InMemoryBucket[" + name + ", objects=" + keys().size() + "]";
    }

    // ------------------------------------------------------------------ internals

    private void checkAccess(String bucket) {
        if (refusingCredentials) {
            throw new ConfigurationException("R2 refused the credentials (AccessDenied) for bucket " + name
                    + ": check R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY");
        }
        if (!name.equals(bucket)) {
            throw new ConfigurationException("no such bucket (NoSuchBucket): this test bucket is " + name);
        }
    }

    private void store(String key, Blob blob, EventAction action, String copySourceKey) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("key must not be empty");
        }
        List<InMemoryQueue> targets;
        synchronized (lock) {
            objects.put(key, blob);
            targets = targets(action, key);
        }
        if (targets.isEmpty()) {
            return;
        }
        ObjectEvent.Builder event = ObjectEvent.builder().bucket(name).key(key).action(action)
                .size(blob.content.length).eTag(blob.eTag).eventTime(clock.instant());
        if (copySourceKey != null) {
            event.copySource(name, copySourceKey);
        }
        ObjectEvent built = event.build();
        for (InMemoryQueue queue : targets) {
            queue.publish(built);
        }
    }

    private boolean remove(String key, EventAction action) {
        List<InMemoryQueue> targets;
        synchronized (lock) {
            if (objects.remove(key) == null) {
                return false;
            }
            targets = targets(action, key);
        }
        ObjectEvent event = ObjectEvent.builder().bucket(name).key(key).action(action).eventTime(clock.instant())
                .build();
        for (InMemoryQueue queue : targets) {
            queue.publish(event);
        }
        return true;
    }

    private List<InMemoryQueue> targets(EventAction action, String key) {
        List<InMemoryQueue> targets = new ArrayList<>();
        for (Subscription s : subscriptions) {
            if (s.rule.matches(action, key)) {
                targets.add(s.queue);
            }
        }
        return targets;
    }

    private record Subscription(InMemoryQueue queue, NotificationRule rule) {
    }

    private static final class Blob {
        final byte[] content;
        final String eTag;
        final String contentType;
        final Instant lastModified;

        Blob(byte[] content, String eTag, String contentType, Instant lastModified) {
            this.content = content;
            this.eTag = eTag;
            this.contentType = contentType;
            this.lastModified = lastModified;
        }
    }
}
