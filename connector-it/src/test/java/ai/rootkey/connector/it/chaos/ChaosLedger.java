package ai.rootkey.connector.it.chaos;

import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.SourceRef;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What happened in a chaos run, recorded at the edges of each connector instance (see {@link ChaosInstance}):
 * every delivery the engine was handed, every settlement that reached the queue, every decision the engine
 * reported, and every object opened and upload started. The invariants are checked against this record and the
 * final state of the fakes. Thread-safe.
 */
public final class ChaosLedger {

    /**
     * A delivery handed to an instance's engine; {@code requeueable} is what its source answered to
     * {@code canRequeue}.
     */
    public record Received(String instance, Delivery delivery, boolean requeueable) {
    }

    /**
     * A settlement an instance sent to the queue (before it crashed, if it crashed); the queue may have applied it
     * even when the call failed afterwards.
     */
    public record Wire(String instance, Settlement settlement) {
    }

    /** A decision an instance's engine reported; {@code afterCrash} when the instance was already dead. */
    public record Decision(String instance, Outcome outcome, boolean afterCrash) {
    }

    private final Map<String, Received> received = new ConcurrentHashMap<>();
    private final Map<String, Decision> decisions = new ConcurrentHashMap<>();
    private final List<Wire> wire = new ArrayList<>();
    private final Map<SourceRef, AtomicLong> opens = new ConcurrentHashMap<>();
    private final Map<SourceRef, AtomicLong> anchorCalls = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> faults = new ConcurrentHashMap<>();
    private final AtomicLong duplicateDecisions = new AtomicLong();

    void received(String instance, List<Delivery> deliveries, java.util.function.Predicate<Delivery> requeueable) {
        for (Delivery d : deliveries) {
            received.put(d.leaseId(), new Received(instance, d, requeueable.test(d)));
        }
    }

    synchronized void sent(String instance, List<Settlement> settlements) {
        for (Settlement s : settlements) {
            wire.add(new Wire(instance, s));
        }
    }

    void decided(String instance, Outcome outcome, boolean afterCrash) {
        if (decisions.putIfAbsent(outcome.delivery().leaseId(), new Decision(instance, outcome, afterCrash)) != null) {
            duplicateDecisions.incrementAndGet(); // checked: one decision per delivery
        }
    }

    void opened(SourceRef live) {
        opens.computeIfAbsent(live, k -> new AtomicLong()).incrementAndGet();
    }

    void anchorCall(SourceRef source) {
        anchorCalls.computeIfAbsent(source, k -> new AtomicLong()).incrementAndGet();
    }

    /** Counts one injected fault of {@code kind} (figures only). */
    public void fault(String kind) {
        faults.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    }

    /** Counts {@code n} injected faults of {@code kind}. */
    public void faults(String kind, long n) {
        if (n > 0) {
            faults.computeIfAbsent(kind, k -> new AtomicLong()).addAndGet(n);
        }
    }

    public Map<String, Received> received() {
        return Map.copyOf(received);
    }

    public Map<String, Decision> decisions() {
        return Map.copyOf(decisions);
    }

    public synchronized List<Wire> wire() {
        return List.copyOf(wire);
    }

    public Map<SourceRef, Long> anchorCalls() {
        Map<SourceRef, Long> out = new ConcurrentHashMap<>();
        anchorCalls.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    public Map<SourceRef, Long> opens() {
        Map<SourceRef, Long> out = new ConcurrentHashMap<>();
        opens.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Injected faults by kind, sorted by name. */
    public Map<String, Long> faults() {
        Map<String, Long> out = new TreeMap<>();
        faults.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    public long duplicateDecisions() {
        return duplicateDecisions.get();
    }
}
