package ai.rootkey.connector.r2;

import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.Settlement;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.function.Consumer;

/**
 * An {@link EventSource} that lists a bucket with {@code ListObjectsV2} and hands out one synthesized
 * {@code PutObject} delivery per object (size and ETag from the listing), so the connector's engine anchors
 * existing objects exactly as it anchors new ones. It behaves like a queue: a retry comes back after its delay
 * with one more attempt; a retry of the last allowed attempt is given up (counted as failed, like a dead letter).
 *
 * <p>Settled keys advance the checkpoint: the largest listed key such that it and every key listed before it are
 * settled. Keys come in the store's order (UTF-8 binary), so resuming with {@code start-after = checkpoint}
 * skips exactly the settled prefix of the listing. Thread-safe (receive and settle run on two threads).
 */
final class BackfillSource implements EventSource {
    /** Keys listed and not yet settled, at most; listing waits while this many are open. */
    static final int MAX_OPEN = 10_000;
    static final int PAGE_SIZE = 1000;

    /** A page lister, {@link R2ObjectReader#list} in production. */
    @FunctionalInterface
    interface Lister {
        ListObjectsV2Response list(String startAfter, String continuationToken) throws IOException;
    }

    private final String bucket;
    private final Lister lister;
    private final int maxAttempts;
    private final Clock clock;
    private final Consumer<String> checkpointAdvanced;
    private final Object lock = new Object();
    private final Object listing = new Object();

    // guarded by lock
    private final ArrayDeque<Entry> order = new ArrayDeque<>();
    private final ArrayDeque<Entry> fresh = new ArrayDeque<>();
    private final PriorityQueue<Entry> delayed = new PriorityQueue<>((a, b) -> a.visibleAt.compareTo(b.visibleAt));
    private final Map<String, Entry> byLease = new HashMap<>();
    private long leaseSeq;
    private long listed;
    private long listedBytes;
    private final List<String> failedKeys = new ArrayList<>();
    private long failed;
    private boolean listingDone;
    private String continuation = "";
    private String startAfter;
    private String checkpoint;

    private static final class Entry {
        final String key;
        final long size;
        final String eTag;
        final Instant lastModified;
        int attempts;
        Instant visibleAt = Instant.EPOCH;
        boolean settled;

        Entry(String key, long size, String eTag, Instant lastModified) {
            this.key = key;
            this.size = size;
            this.eTag = eTag;
            this.lastModified = lastModified;
        }
    }

    BackfillSource(String bucket, String startAfter, Lister lister, int maxAttempts, Clock clock,
                   Consumer<String> checkpointAdvanced) {
        this.bucket = bucket;
        this.startAfter = startAfter;
        this.lister = lister;
        this.maxAttempts = maxAttempts;
        this.clock = clock;
        this.checkpointAdvanced = checkpointAdvanced;
    }

    @Override
    public Batch receive(int maxMessages) throws IOException {
        maybeList();
        List<Delivery> out = new ArrayList<>();
        synchronized (lock) {
            Instant now = clock.instant();
            while (out.size() < maxMessages && !delayed.isEmpty() && !delayed.peek().visibleAt.isAfter(now)) {
                out.add(deliver(delayed.poll()));
            }
            while (out.size() < maxMessages && !fresh.isEmpty()) {
                out.add(deliver(fresh.poll()));
            }
        }
        return Batch.of(out);
    }

    /** Lists the next page when the fresh keys run low and not too many are open. One lister at a time. */
    private void maybeList() throws IOException {
        synchronized (listing) {
            String after;
            String token;
            synchronized (lock) {
                if (listingDone || fresh.size() >= PAGE_SIZE / 2 || order.size() >= MAX_OPEN) {
                    return;
                }
                after = startAfter;
                token = continuation;
            }
            ListObjectsV2Response page = lister.list(after, token);
            synchronized (lock) {
                for (S3Object o : page.contents()) {
                    Entry e = new Entry(o.key(), o.size() == null ? 0 : o.size(), o.eTag(),
                            o.lastModified() == null ? clock.instant() : o.lastModified());
                    order.addLast(e);
                    fresh.addLast(e);
                    listed++;
                    listedBytes += e.size;
                    startAfter = o.key();
                }
                String next = page.nextContinuationToken();
                if (Boolean.TRUE.equals(page.isTruncated()) && next != null && !next.isEmpty()) {
                    continuation = next;
                } else {
                    listingDone = true;
                    continuation = "";
                }
            }
            advanceCheckpoint();
        }
    }

    private Delivery deliver(Entry e) {
        e.attempts++;
        String lease = "backfill-" + (++leaseSeq);
        byLease.put(lease, e);
        ObjectEvent.Builder event = ObjectEvent.builder().bucket(bucket).key(e.key).action(EventAction.PUT_OBJECT)
                .size(e.size).eventTime(e.lastModified);
        if (e.eTag != null && !e.eTag.isEmpty()) {
            event.eTag(e.eTag);
        }
        return Delivery.of(e.key, lease, e.attempts, event.build());
    }

    @Override
    public void settle(List<Settlement> settlements) {
        synchronized (lock) {
            Instant now = clock.instant();
            for (Settlement s : settlements) {
                Entry e = byLease.remove(s.delivery().leaseId());
                if (e == null || e.settled) {
                    continue; // settled twice (the engine repeats a settle call after a failure): harmless
                }
                if (s.kind() == Settlement.Kind.ACK) {
                    e.settled = true;
                } else if (e.attempts >= maxAttempts && !s.delay().isZero()) {
                    e.settled = true; // given up, like a dead letter
                    failed++;
                    if (failedKeys.size() < 100) {
                        failedKeys.add(e.key);
                    }
                } else {
                    e.visibleAt = now.plus(s.delay());
                    delayed.add(e);
                }
            }
        }
        advanceCheckpoint();
    }

    private void advanceCheckpoint() {
        String advancedTo = null;
        synchronized (lock) {
            while (!order.isEmpty() && order.peekFirst().settled) {
                advancedTo = order.pollFirst().key;
            }
            if (advancedTo != null) {
                checkpoint = advancedTo;
            }
            if (order.isEmpty() && listingDone) {
                lock.notifyAll();
            }
        }
        if (advancedTo != null) {
            checkpointAdvanced.accept(advancedTo);
        }
    }

    /** True once every listed key is settled and the listing is complete. */
    boolean finished() {
        synchronized (lock) {
            return listingDone && order.isEmpty();
        }
    }

    /** The largest key with every key up to it settled, when any is. */
    Optional<String> checkpoint() {
        synchronized (lock) {
            return Optional.ofNullable(checkpoint);
        }
    }

    long listed() {
        synchronized (lock) {
            return listed;
        }
    }

    long listedBytes() {
        synchronized (lock) {
            return listedBytes;
        }
    }

    long failed() {
        synchronized (lock) {
            return failed;
        }
    }

    List<String> failedKeys() {
        synchronized (lock) {
            return List.copyOf(failedKeys);
        }
    }

    /** Keys handed out or waiting and not settled (for the progress line). */
    int open() {
        synchronized (lock) {
            int n = 0;
            for (Iterator<Entry> it = order.iterator(); it.hasNext(); ) {
                if (!it.next().settled) {
                    n++;
                }
            }
            return n;
        }
    }
}
