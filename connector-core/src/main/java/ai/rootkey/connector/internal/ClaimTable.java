package ai.rootkey.connector.internal;

import ai.rootkey.connector.ObjectEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * In-process duplicates (DESIGN section 4 rule 7): at most one delivery per (bucket, key, ETag) reads and uploads at
 * a time. A second delivery of the same object version parks behind the first and gets it back as a waiter when the
 * first is decided, which is when the engine knows whether anything is left to do for it.
 */
final class ClaimTable {
    record Key(String bucket, String key, String eTag) {
    }

    private final ConcurrentHashMap<Key, Job> claims = new ConcurrentHashMap<>();

    /**
     * Claims the object version {@code event} names for {@code job}. Returns false when another job holds it:
     * {@code job} is then parked behind it and comes back from that job's {@link #release}.
     */
    boolean claim(Job job, ObjectEvent event) {
        Key key = new Key(event.bucket(), event.key(), event.eTag().orElse(""));
        while (true) {
            Job holder = claims.putIfAbsent(key, job);
            if (holder == null || holder == job) {
                job.claim = key;
                return true;
            }
            synchronized (holder) {
                if (!holder.claimReleased) {
                    job.parked = true;
                    holder.waiters.add(job);
                    return false;
                }
            }
            claims.remove(key, holder); // released between the two lookups: try again
        }
    }

    /** Ends {@code job}'s claim, if it holds one, and returns the jobs parked behind it, in the order they came. */
    List<Job> release(Job job) {
        if (job.claim == null) {
            return List.of();
        }
        List<Job> waiters;
        synchronized (job) {
            job.claimReleased = true;
            waiters = new ArrayList<>(job.waiters);
            job.waiters.clear();
        }
        claims.remove(job.claim, job);
        for (Job waiter : waiters) {
            waiter.parked = false;
        }
        return waiters;
    }

    /** How many object versions are claimed now. */
    int size() {
        return claims.size();
    }
}
