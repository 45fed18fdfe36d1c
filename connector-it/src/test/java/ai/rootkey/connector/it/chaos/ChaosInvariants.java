package ai.rootkey.connector.it.chaos;

import ai.rootkey.connector.ConnectorStats;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.LogSafe;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.SourceRef;
import ai.rootkey.connector.Verdict;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The promises of the SDK, checked at the end of a chaos run against the {@link ChaosLedger} and the final state
 * of the fakes. Each invariant collects every violation it finds, so one run shows all that is wrong.
 */
public final class ChaosInvariants {

    /** The promises. */
    public enum Invariant {
        ANCHORED("every object that should be anchored reached the API at least once, byte-exact (SHA-256), with "
                + "its idempotency headers (bucket, key, live ETag)"),
        ACK_JUSTIFIED("no delivery was acked unless its object was anchored, it was skipped (filter, action, "
                + "duplicate), or it failed permanently with a reason"),
        DLQ_EXHAUSTED("only a decision dead-letters (DESIGN 4 rule 10): everything in the dead-letter queue is a "
                + "transient failure that used all its attempts and was decided EXHAUSTED on its last one, unless no "
                + "live instance ever held that last delivery (killed holder, lost pull reply)"),
        DUPLICATES("duplicates at the API come only from redelivery (at most one upload per delivery) and all carry "
                + "one (bucket, key, ETag) and one content"),
        CONCURRENCY("no instance had more objects open than its concurrency, more undecided deliveries than "
                + "concurrency + one batch (+ up to concurrency where the queue takes several pulls at once), nor "
                + "more leases than that plus one settle batch per ack call under way"),
        DRAINED("nothing is in flight after close, and every message ended exactly once: acked or dead-lettered");

        private final String promise;

        Invariant(String promise) {
            this.promise = promise;
        }

        public String promise() {
            return promise;
        }
    }

    /** One version of an object that was written to the bucket. */
    public record Version(String key, String eTag, String sha256) {
    }

    /** One upload the API accepted. */
    public record ApiUpload(String bucket, String key, Optional<String> eTag, String sha256) {
    }

    /** One message the queue gave up on. */
    public record DeadLetter(String messageId, int attempts, Optional<ObjectEvent> event) {
    }

    /** The queue at the end of the run. */
    public record QueueEnd(List<String> ackedIds, List<DeadLetter> deadLettered, int backlog, int inFlight) {
    }

    /**
     * What the bucket holds and held.
     *
     * @param bucket      the connector's bucket
     * @param live        the objects at the end, by key
     * @param written     every version ever written
     * @param filteredOut keys the connector's filter rejects
     */
    public record Truth(String bucket, Map<String, Version> live, Set<Version> written, Predicate<String> filteredOut) {
    }

    /** Everything the checks look at. */
    public record Run(String suite, long seed, ChaosLedger ledger, List<ChaosInstance> instances, Truth truth,
                      QueueEnd queue, List<ApiUpload> api, int maxAttempts) {
    }

    private ChaosInvariants() {
    }

    /** Checks every invariant and works out the figures. */
    public static Report check(Run run) {
        Checker c = new Checker(run);
        c.anchored();
        c.ackJustified();
        c.deadLetters();
        c.duplicates();
        c.concurrency();
        c.drained();
        return new Report(run, c.violations, c.figures());
    }

    /** True for a verdict reason that means "give up on this message". */
    static boolean isPermanentReason(String reason) {
        if (Set.of(Verdict.MALFORMED_EVENT, Verdict.FOREIGN_BUCKET, Verdict.OVERSIZE, Verdict.OBJECT_MISSING)
                .contains(reason)) {
            return true;
        }
        return reason.matches("http_4\\d\\d") && !reason.equals("http_408") && !reason.equals("http_429");
    }

    /** The result: violations by invariant, and the run's figures. */
    public static final class Report {
        private final Run run;
        private final Map<Invariant, List<String>> violations;
        private final Map<String, Object> figures;

        Report(Run run, Map<Invariant, List<String>> violations, Map<String, Object> figures) {
            this.run = run;
            this.violations = violations;
            this.figures = figures;
        }

        public Map<Invariant, List<String>> violations() {
            return violations;
        }

        public Map<String, Object> figures() {
            return figures;
        }

        /** The figures, one {@code name: value} per line, headed by the suite and seed. */
        public String figuresText() {
            StringBuilder out = new StringBuilder();
            out.append("chaos figures: ").append(run.suite()).append(" seed=").append(run.seed()).append('\n');
            figures.forEach((k, v) -> out.append("  ").append(k).append(": ").append(v).append('\n'));
            return out.toString();
        }

        /** Deliveries decided REQUEUED in the run. */
        public long requeued() {
            return run.ledger().decisions().values().stream()
                    .filter(d -> d.outcome().kind() == Outcome.Kind.REQUEUED).count();
        }

        /** Throws an {@link AssertionError} naming every broken invariant with up to 10 examples each. */
        public void assertHolds() {
            if (violations.values().stream().allMatch(List::isEmpty)) {
                return;
            }
            StringBuilder message = new StringBuilder("chaos run " + run.suite() + " broke its invariants (replay with "
                    + "-Dchaos.seed=" + run.seed() + "):\n");
            violations.forEach((invariant, list) -> {
                if (list.isEmpty()) {
                    return;
                }
                message.append("- ").append(invariant).append(": ").append(invariant.promise()).append(" -- ")
                        .append(list.size()).append(" violation(s), e.g.:\n");
                list.stream().limit(10).forEach(v -> message.append("    * ").append(v).append('\n'));
            });
            message.append(figuresText());
            throw new AssertionError(message.toString());
        }
    }

    private static final class Checker {
        private final Run run;
        private final Map<Invariant, List<String>> violations = new EnumMap<>(Invariant.class);
        private final Map<SourceRef, List<String>> uploadsById = new HashMap<>();
        private final Map<String, List<ChaosLedger.Decision>> decisionsByMessage = new HashMap<>();
        private final Map<List<String>, String> writtenSha = new HashMap<>();
        private final Map<String, ChaosLedger.Decision> decisions;
        private int excusedByDlq;
        private int deadLetteredWithDeadHolder;
        private int deadLetteredUnseen;
        private int deadLetteredNotRequeueable;
        private int excusedByTerminal;
        private int notAnchored;
        private int messagesNotEnded;

        Checker(Run run) {
            this.run = run;
            for (Invariant i : Invariant.values()) {
                violations.put(i, new ArrayList<>());
            }
            for (ApiUpload u : run.api()) {
                uploadsById.computeIfAbsent(new SourceRef(u.bucket(), u.key(), u.eTag()), k -> new ArrayList<>())
                        .add(u.sha256());
            }
            decisions = run.ledger().decisions();
            for (ChaosLedger.Decision d : decisions.values()) {
                decisionsByMessage.computeIfAbsent(d.outcome().delivery().messageId(), k -> new ArrayList<>()).add(d);
            }
            for (Version v : run.truth().written()) {
                writtenSha.put(List.of(v.key(), v.eTag()), v.sha256());
            }
        }

        private void violation(Invariant invariant, String text) {
            violations.get(invariant).add(text);
        }

        private boolean apiHas(SourceRef id, String sha256) {
            List<String> shas = uploadsById.get(id);
            return shas != null && shas.contains(sha256);
        }

        void anchored() {
            String bucket = run.truth().bucket();
            // An announcement of the key in the DLQ accounts for the live version, whatever ETag it announced (an
            // object overwritten before its event was read is announced with its old ETag): reads are live, so
            // replaying it anchors the live version.
            Set<List<String>> deadKeys = new HashSet<>();
            for (DeadLetter d : run.queue().deadLettered()) {
                d.event().ifPresent(e -> deadKeys.add(List.of(e.bucket(), e.key())));
            }
            // A version the API refused for good (e.g. 400) is accounted for: acked as a terminal failure, logged.
            Set<SourceRef> refused = new HashSet<>();
            Set<String> ackedLeases = new HashSet<>();
            for (ChaosLedger.Wire w : run.ledger().wire()) {
                if (w.settlement().kind() == Settlement.Kind.ACK) {
                    ackedLeases.add(w.settlement().delivery().leaseId());
                }
            }
            for (ChaosLedger.Decision d : decisions.values()) {
                Outcome o = d.outcome();
                if (o.kind() == Outcome.Kind.TERMINAL && o.source().isPresent() && isPermanentReason(o.reason())
                        && ackedLeases.contains(o.delivery().leaseId())) {
                    refused.add(o.source().get());
                }
            }
            for (Version v : run.truth().live().values()) {
                if (run.truth().filteredOut().test(v.key())) {
                    continue;
                }
                if (apiHas(new SourceRef(bucket, v.key(), Optional.of(v.eTag())), v.sha256())) {
                    continue;
                }
                if (deadKeys.contains(List.of(bucket, v.key()))) {
                    excusedByDlq++;
                    continue;
                }
                if (refused.contains(new SourceRef(bucket, v.key(), Optional.of(v.eTag())))) {
                    excusedByTerminal++;
                    continue;
                }
                notAnchored++;
                violation(Invariant.ANCHORED, "object " + LogSafe.quoted(v.key()) + " (ETag " + v.eTag() + ", sha256 "
                        + v.sha256() + ") never reached the API, was never refused for good, and no announcement of it is in the DLQ; uploads of this key: "
                        + run.api().stream().filter(u -> u.key().equals(v.key())).map(u -> u.eTag().orElse("-") + "#"
                        + u.sha256()).toList());
            }
            for (ApiUpload u : run.api()) {
                String what = "upload of " + LogSafe.quoted(u.key()) + " (ETag " + u.eTag().orElse("none") + ")";
                if (!u.bucket().equals(bucket)) {
                    violation(Invariant.ANCHORED, what + " names bucket " + LogSafe.quoted(u.bucket()));
                }
                if (u.eTag().isEmpty()) {
                    violation(Invariant.ANCHORED, what + " carries no ETag header");
                    continue;
                }
                String expected = writtenSha.get(List.of(u.key(), u.eTag().get()));
                if (expected == null) {
                    violation(Invariant.ANCHORED, what + " names a version that was never written");
                } else if (!expected.equals(u.sha256())) {
                    violation(Invariant.ANCHORED, what + " carries bytes with sha256 " + u.sha256()
                            + ", not the version's " + expected);
                }
                if (run.truth().filteredOut().test(u.key())) {
                    violation(Invariant.ANCHORED, what + " should have been filtered out");
                }
            }
        }

        void ackJustified() {
            String bucket = run.truth().bucket();
            Set<String> ackedOnWire = new HashSet<>();
            for (ChaosLedger.Wire w : run.ledger().wire()) {
                if (w.settlement().kind() == Settlement.Kind.RETRY) {
                    continue;
                }
                Delivery delivery = w.settlement().delivery();
                ackedOnWire.add(delivery.messageId());
                if (w.settlement().kind() == Settlement.Kind.REQUEUE) {
                    ChaosLedger.Decision decision = decisions.get(delivery.leaseId());
                    if (decision == null || decision.outcome().kind() != Outcome.Kind.REQUEUED
                            || delivery.attempts() < run.maxAttempts()) {
                        violation(Invariant.ACK_JUSTIFIED, "requeue of message " + delivery.messageId() + " (attempt "
                                + delivery.attempts() + ") without a REQUEUED decision on its last attempt");
                    }
                    continue;
                }
                String what = "ack of message " + delivery.messageId() + " (lease " + delivery.leaseId() + ", attempt "
                        + delivery.attempts() + ", by " + w.instance() + ")";
                ChaosLedger.Decision decision = decisions.get(delivery.leaseId());
                if (decision == null) {
                    violation(Invariant.ACK_JUSTIFIED, what + " has no decision");
                    continue;
                }
                Outcome o = decision.outcome();
                Optional<ObjectEvent> event = delivery.event();
                switch (o.kind()) {
                    case ANCHORED: {
                        SourceRef source = o.source().orElse(null);
                        String sha = o.receipt().map(r -> r.sha256()).orElse("");
                        if (source == null || !apiHas(source, sha)) {
                            violation(Invariant.ACK_JUSTIFIED, what + ": decided anchored as " + source
                                    + " #" + sha + " but the API has no such upload");
                        }
                        break;
                    }
                    case SKIPPED: {
                        boolean justified;
                        switch (o.reason()) {
                            case Outcome.FILTERED:
                                justified = event.isPresent() && run.truth().filteredOut().test(event.get().key());
                                break;
                            case Outcome.ACTION_NOT_ANCHORED:
                                justified = event.isPresent() && !event.get().action().createsContent();
                                break;
                            case Outcome.DUPLICATE:
                                justified = event.isPresent() && uploadsById.containsKey(new SourceRef(
                                        event.get().bucket(), event.get().key(), event.get().eTag()));
                                break;
                            default:
                                justified = false;
                        }
                        if (!justified) {
                            violation(Invariant.ACK_JUSTIFIED, what + ": skipped as " + o.reason() + " without cause"
                                    + event.map(e -> " (key " + LogSafe.quoted(e.key()) + ", action " + e.action() + ")")
                                    .orElse(""));
                        }
                        break;
                    }
                    case TERMINAL: {
                        if (!isPermanentReason(o.reason())) {
                            violation(Invariant.ACK_JUSTIFIED, what + ": terminal with reason " + o.reason()
                                    + ", which is not a permanent failure");
                        } else if (o.reason().equals(Verdict.MALFORMED_EVENT) && delivery.parseFailure().isEmpty()) {
                            violation(Invariant.ACK_JUSTIFIED, what + ": malformed_event for a parsed event");
                        } else if (o.reason().equals(Verdict.FOREIGN_BUCKET)
                                && event.map(e -> e.bucket().equals(bucket)).orElse(true)) {
                            violation(Invariant.ACK_JUSTIFIED, what + ": foreign_bucket for our own bucket");
                        }
                        break;
                    }
                    default:
                        violation(Invariant.ACK_JUSTIFIED, what + ": acked although the decision was " + o.kind() + " ("
                                + o.reason() + ")");
                }
            }
            for (String id : run.queue().ackedIds()) {
                if (!ackedOnWire.contains(id)) {
                    violation(Invariant.ACK_JUSTIFIED, "the queue removed message " + id + " as acked, but no "
                            + "instance sent an ack for it");
                }
            }
        }

        void deadLetters() {
            Set<String> crashed = new HashSet<>();
            for (ChaosInstance i : run.instances()) {
                if (i.state() == ChaosInstance.State.CRASHED) {
                    crashed.add(i.name());
                }
            }
            Set<String> sentLeases = new HashSet<>();
            for (ChaosLedger.Wire w : run.ledger().wire()) {
                sentLeases.add(w.settlement().delivery().leaseId());
            }
            Map<String, ChaosLedger.Received> lastDelivery = new HashMap<>();
            for (ChaosLedger.Received r : run.ledger().received().values()) {
                lastDelivery.merge(r.delivery().messageId(), r,
                        (a, b) -> a.delivery().attempts() >= b.delivery().attempts() ? a : b);
            }
            for (DeadLetter d : run.queue().deadLettered()) {
                String what = "dead-lettered message " + d.messageId() + d.event().map(e -> " (key "
                        + LogSafe.quoted(e.key()) + ")").orElse(" (malformed)");
                if (d.attempts() != run.maxAttempts()) {
                    violation(Invariant.DLQ_EXHAUSTED, what + " used " + d.attempts() + " attempts, not "
                            + run.maxAttempts());
                }
                // Rule 10: the last delivery was decided EXHAUSTED, unless no live engine ever held it.
                ChaosLedger.Received last = lastDelivery.get(d.messageId());
                if (last != null && last.delivery().attempts() == d.attempts()) {
                    ChaosLedger.Decision decision = decisions.get(last.delivery().leaseId());
                    boolean holderDied = crashed.contains(last.instance()) && (decision == null
                            || decision.afterCrash() || !sentLeases.contains(last.delivery().leaseId()));
                    if (holderDied) {
                        deadLetteredWithDeadHolder++;
                    } else if (decision != null && decision.outcome().kind() == Outcome.Kind.RELEASED
                            && !last.requeueable()) {
                        deadLetteredNotRequeueable++; // logged at ERROR as rootkey.event.released_to_dlq
                    } else if (decision == null) {
                        violation(Invariant.DLQ_EXHAUSTED, what + ": its last delivery (attempt " + d.attempts()
                                + ", held by " + last.instance() + ") was never decided: its lease ran out");
                    } else if (decision.outcome().kind() != Outcome.Kind.EXHAUSTED) {
                        violation(Invariant.DLQ_EXHAUSTED, what + ": its last delivery was decided "
                                + decision.outcome().kind() + " (" + decision.outcome().reason() + ") by "
                                + decision.instance() + ", not EXHAUSTED");
                    }
                } else {
                    deadLetteredUnseen++; // its last delivery was lost with a pull reply: no engine saw it
                }
                for (ChaosLedger.Decision decision : decisionsByMessage.getOrDefault(d.messageId(), List.of())) {
                    if (decision.afterCrash() || (crashed.contains(decision.instance())
                            && !sentLeases.contains(decision.outcome().delivery().leaseId()))) {
                        continue; // decided inside a dead process, or just before its death: never reached the queue
                    }
                    Outcome o = decision.outcome();
                    String attempt = " on attempt " + o.attempt() + " (by " + decision.instance() + ")";
                    switch (o.kind()) {
                        case RETRIED:
                        case EXHAUSTED:
                            if (isPermanentReason(o.reason())) {
                                violation(Invariant.DLQ_EXHAUSTED, what + " was retried for a permanent failure "
                                        + o.reason() + attempt);
                            }
                            if (o.kind() == Outcome.Kind.RETRIED && o.attempt() >= run.maxAttempts()) {
                                violation(Invariant.DLQ_EXHAUSTED, what + " was retried as if attempts remained"
                                        + attempt);
                            }
                            if (o.kind() == Outcome.Kind.EXHAUSTED && o.attempt() < run.maxAttempts()) {
                                violation(Invariant.DLQ_EXHAUSTED, what + " was declared exhausted early" + attempt);
                            }
                            break;
                        case RELEASED:
                            break;
                        default:
                            violation(Invariant.DLQ_EXHAUSTED, what + " was decided " + o.kind() + " (" + o.reason()
                                    + ")" + attempt + ", which acks it");
                    }
                }
            }
        }

        void duplicates() {
            if (run.ledger().duplicateDecisions() > 0) {
                violation(Invariant.DUPLICATES, run.ledger().duplicateDecisions()
                        + " deliveries were decided more than once");
            }
            Map<SourceRef, Long> reaching = new HashMap<>();
            Map<List<String>, Long> releasedByKey = new HashMap<>();
            for (ChaosLedger.Decision d : decisions.values()) {
                Outcome o = d.outcome();
                o.source().ifPresent(s -> reaching.merge(s, 1L, Long::sum));
                if (o.kind() == Outcome.Kind.RELEASED || o.kind() == Outcome.Kind.REQUEUED) {
                    o.event().ifPresent(e -> releasedByKey.merge(List.of(e.bucket(), e.key()), 1L, Long::sum));
                }
            }
            Map<SourceRef, Long> calls = run.ledger().anchorCalls();
            calls.forEach((id, n) -> {
                long deliveries = reaching.getOrDefault(id, 0L)
                        + releasedByKey.getOrDefault(List.of(id.bucket(), id.key()), 0L);
                if (n > deliveries) {
                    violation(Invariant.DUPLICATES, n + " uploads of " + describe(id) + " were started by only "
                            + deliveries + " deliveries that read it");
                }
            });
            uploadsById.forEach((id, shas) -> {
                long n = calls.getOrDefault(id, 0L);
                if (shas.size() > n) {
                    violation(Invariant.DUPLICATES, "the API accepted " + shas.size() + " uploads of " + describe(id)
                            + " but only " + n + " were sent");
                }
                if (new HashSet<>(shas).size() > 1) {
                    violation(Invariant.DUPLICATES, "uploads of " + describe(id) + " carry different contents: "
                            + new HashSet<>(shas));
                }
            });
        }

        void concurrency() {
            for (ChaosInstance i : run.instances()) {
                if (i.maxProcessing() > i.concurrency()) {
                    violation(Invariant.CONCURRENCY, i.name() + " had " + i.maxProcessing()
                            + " objects open at once with concurrency " + i.concurrency());
                }
                if (i.maxUploading() > i.concurrency()) {
                    violation(Invariant.CONCURRENCY, i.name() + " ran " + i.maxUploading()
                            + " uploads at once with concurrency " + i.concurrency());
                }
                if (i.maxUndecided() > i.undecidedBound()) {
                    violation(Invariant.CONCURRENCY, i.name() + " held " + i.maxUndecided() + " undecided deliveries "
                            + "at once, more than concurrency + what may be received ahead = " + i.undecidedBound());
                }
                int leaseBound = i.undecidedBound() + i.settleBatchSize() * i.concurrentCalls();
                if (i.maxHeld() > leaseBound) {
                    violation(Invariant.CONCURRENCY, i.name() + " held " + i.maxHeld() + " leases at once, more than "
                            + "that plus one settle batch per ack call under way = " + leaseBound);
                }
            }
        }

        void drained() {
            for (ChaosInstance i : run.instances()) {
                if (i.state() != ChaosInstance.State.CLOSED) {
                    continue;
                }
                ConnectorStats stats = i.statsAfterClose().orElseThrow();
                if (stats.inFlight() != 0) {
                    violation(Invariant.DRAINED, i.name() + " reports " + stats.inFlight() + " deliveries in flight "
                            + "after close: " + stats);
                }
                if (i.heldAfterClose() != 0) {
                    violation(Invariant.DRAINED, i.name() + " left " + i.heldAfterClose() + " deliveries unsettled "
                            + "with the queue after close");
                }
            }
            QueueEnd q = run.queue();
            if (q.backlog() != 0 || q.inFlight() != 0) {
                violation(Invariant.DRAINED, "the queue still holds " + q.backlog() + " messages (" + q.inFlight()
                        + " leased) at the end");
            }
            Set<String> acked = new HashSet<>();
            for (String id : q.ackedIds()) {
                if (!acked.add(id)) {
                    violation(Invariant.DRAINED, "message " + id + " was acked twice");
                }
            }
            Set<String> dead = new HashSet<>();
            for (DeadLetter d : q.deadLettered()) {
                if (!dead.add(d.messageId()) || acked.contains(d.messageId())) {
                    violation(Invariant.DRAINED, "message " + d.messageId() + " was dead-lettered twice, or both "
                            + "acked and dead-lettered");
                }
            }
            for (ChaosLedger.Received r : run.ledger().received().values()) {
                String id = r.delivery().messageId();
                if (!acked.contains(id) && !dead.contains(id)) {
                    messagesNotEnded++;
                    violation(Invariant.DRAINED, "message " + id + " was delivered but neither acked nor "
                            + "dead-lettered");
                }
            }
        }

        Map<String, Object> figures() {
            Map<String, Object> f = new LinkedHashMap<>();
            ChaosLedger ledger = run.ledger();
            f.put("messages (acked + dead-lettered)", run.queue().ackedIds().size() + run.queue().deadLettered().size());
            f.put("object versions written", run.truth().written().size());
            f.put("objects live at the end", run.truth().live().size());
            f.put("deliveries", ledger.received().size());
            Map<Outcome.Kind, Long> kinds = new EnumMap<>(Outcome.Kind.class);
            Map<String, Long> terminal = new TreeMap<>();
            Map<String, Long> retried = new TreeMap<>();
            Map<String, Long> skipped = new TreeMap<>();
            for (ChaosLedger.Decision d : decisions.values()) {
                Outcome o = d.outcome();
                kinds.merge(o.kind(), 1L, Long::sum);
                switch (o.kind()) {
                    case TERMINAL -> terminal.merge(o.reason(), 1L, Long::sum);
                    case RETRIED, EXHAUSTED -> retried.merge(o.reason(), 1L, Long::sum);
                    case SKIPPED -> skipped.merge(o.reason(), 1L, Long::sum);
                    default -> { }
                }
            }
            f.put("decisions (one per delivery)", kinds);
            f.put("retries by reason", retried);
            f.put("terminal by reason", terminal);
            f.put("skipped by reason", skipped);
            f.put("faults injected", ledger.faults());
            f.put("acks sent to the queue", ledger.wire().stream().filter(w -> w.settlement().kind() == Settlement.Kind.ACK)
                    .count());
            f.put("dead-lettered", run.queue().deadLettered().size());
            f.put("dead-lettered: last delivery decided EXHAUSTED", run.queue().deadLettered().size()
                    - deadLetteredWithDeadHolder - deadLetteredUnseen - deadLetteredNotRequeueable);
            f.put("dead-lettered: handed back on the last attempt, not requeueable (v8/bytes; logged "
                    + "rootkey.event.released_to_dlq)", deadLetteredNotRequeueable);
            f.put("dead-lettered: last delivery held by a killed instance", deadLetteredWithDeadHolder);
            f.put("dead-lettered: last delivery lost with a pull reply", deadLetteredUnseen);
            f.put("requeued (handed back undecided on the last attempt)", kinds.getOrDefault(Outcome.Kind.REQUEUED, 0L));
            f.put("live objects not anchored: announced by a message in the DLQ", excusedByDlq);
            f.put("live objects not anchored: refused for good by the API (terminal, logged)", excusedByTerminal);
            f.put("uploads accepted by the API", run.api().size());
            f.put("distinct (bucket, key, ETag) at the API", uploadsById.size());
            f.put("duplicates at the API", run.api().size() - uploadsById.size());
            f.put("instances", run.instances().stream().map(i -> i.name() + "(" + i.state().name().toLowerCase()
                    + ", c=" + i.concurrency() + ", maxOpen=" + i.maxProcessing() + ", maxHeld=" + i.maxHeld() + ")")
                    .collect(Collectors.joining(", ")));
            f.put("lost", notAnchored + messagesNotEnded);
            return f;
        }

        private static String describe(SourceRef id) {
            return "(" + LogSafe.quoted(id.bucket()) + ", " + LogSafe.quoted(id.key()) + ", "
                    + id.eTag().orElse("no ETag") + ")";
        }
    }

    /** Parses each body with {@code parse}, empty when it is not an event. */
    public static Optional<ObjectEvent> eventOf(String body, java.util.function.Function<String, ObjectEvent> parse) {
        Objects.requireNonNull(body, "body");
        try {
            return Optional.of(parse.apply(body));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
