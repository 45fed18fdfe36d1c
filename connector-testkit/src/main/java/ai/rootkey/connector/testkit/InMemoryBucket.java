package ai.rootkey.connector.testkit;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.ObjectMetadata;
import ai.rootkey.connector.ObjectReader;
import ai.rootkey.connector.StoredObject;
import ai.rootkey.connector.testkit.internal.Digests;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * An in-memory R2 bucket for tests: an {@link ObjectReader} whose writes publish the event notifications R2
 * would publish (DESIGN section 6.1) to the queues subscribed with {@link #notify(InMemoryQueue, NotificationRule)}.
 * Thread-safe.
 *
 * <p>ETags are like R2's: the MD5 hex of the content for a single put, and
 * {@code md5(concatenated part MD5s)-partCount} for a multipart upload. A copy keeps the source's ETag.
 *
 * <pre>{@code
 * InMemoryBucket bucket = InMemoryBucket.named("acme-docs");
 * bucket.notify(queue, NotificationRule.allActions());
 * bucket.put("docs/a.pdf", bytes);               // publishes a PutObject event
 * bucket.failNextReads(1, () -> new IOException("reset"));
 * }</pre>
 */
public final class InMemoryBucket implements ObjectReader {
    private final String name;
    private final Clock clock;
    private final Object lock = new Object();
    private final Map<String, Blob> objects = new HashMap<>();
    private final List<Subscription> subscriptions = new ArrayList<>();
    private final ArrayDeque<Supplier<? extends Exception>> readFaults = new ArrayDeque<>();
    private final Map<String, Runnable> beforeRead = new HashMap<>();
    private final AtomicLong reads = new AtomicLong();
    private volatile boolean accessDenied;
    private volatile Duration readLatency = Duration.ZERO;

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

    /** The next {@code count} opens throw the supplied exception (an IOException, DependencyException, ...). */
    public void failNextReads(int count, Supplier<? extends Exception> exception) {
        synchronized (lock) {
            for (int i = 0; i < count; i++) {
                readFaults.add(exception);
            }
        }
    }

    /** The next open of {@code key} finds it deleted: the delete happens (with its event) just before the read. */
    public void deleteBeforeRead(String key) {
        synchronized (lock) {
            beforeRead.put(key, () -> delete(key));
        }
    }

    /** The next open of {@code key} finds {@code newContent}: an overwrite (with its event) just before the read. */
    public void overwriteBeforeRead(String key, byte[] newContent) {
        byte[] copy = newContent.clone();
        synchronized (lock) {
            beforeRead.put(key, () -> put(key, copy));
        }
    }

    /** While true, every open and probe fails as R2 does for refused credentials ({@link ConfigurationException}). */
    public void denyAccess(boolean denied) {
        this.accessDenied = denied;
    }

    /** Each open waits this long first, like a slow store. */
    public void readLatency(Duration latency) {
        this.readLatency = Objects.requireNonNull(latency, "latency");
    }

    // ------------------------------------------------------------------ ObjectReader

    @Override
    public Optional<StoredObject> open(String bucket, String key) throws IOException {
        reads.incrementAndGet();
        checkAccess(bucket);
        Runnable hook;
        Supplier<? extends Exception> fault;
        synchronized (lock) {
            hook = beforeRead.remove(key);
            fault = readFaults.poll();
        }
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
            throwUnchecked(fault.get());
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
        return Optional.of(new StoredObject(metadata, new ByteArrayInputStream(blob.content)));
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

    @Override
    public String toString() {
        return "InMemoryBucket[" + name + ", objects=" + keys().size() + "]";
    }

    // ------------------------------------------------------------------ internals

    private void checkAccess(String bucket) {
        if (accessDenied) {
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

    private static void throwUnchecked(Exception e) throws IOException {
        if (e instanceof IOException) {
            throw (IOException) e;
        }
        if (e instanceof RuntimeException) {
            throw (RuntimeException) e;
        }
        throw new IOException(e);
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
