package ai.rootkey.connector.internal;

import ai.rootkey.connector.Failure;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.SourceRef;
import ai.rootkey.connector.Verdict;

import java.util.Optional;

/**
 * What the {@link Pipeline} concluded about one delivery; the engine turns it into a settlement, counters, a log line
 * and, for some kinds, a change of health or a pause.
 *
 * @param kind    what to do
 * @param reason  the outcome reason (a {@link Verdict} reason, or an {@link ai.rootkey.connector.Outcome} constant)
 * @param detail  for the log line; for {@link Kind#RELEASE}, the lease note for the health reason when there is one
 * @param verdict for {@link Kind#RETRY}: its retry-after
 * @param stage   for {@link Kind#RETRY}, the stage whose health the failure counts against; for {@link Kind#PAUSE},
 *                the stage to probe
 * @param bucket  for {@link Kind#PAUSE}: the bucket to probe
 */
record Decision(Kind kind, String reason, String detail, Optional<Verdict> verdict, Optional<SourceRef> source,
                Optional<Receipt> receipt, Optional<Failure.Stage> stage, Optional<String> bucket) {

    enum Kind {
        /** Stored in the vault: ack. */
        ANCHORED,
        /** Nothing to do (filtered, not a content event, a duplicate): ack. */
        SKIPPED,
        /** Retrying cannot help: ack with {@code rootkey.event.dlq_terminal_failure}. */
        TERMINAL,
        /** May work later: retry with a delay, or exhausted on the last attempt. */
        RETRY,
        /** The connector is misconfigured or its credentials are refused: pause and hand the delivery back. */
        PAUSE,
        /** Hand the delivery back undecided (lease too short, a fatal error). */
        RELEASE,
        /** Waiting behind a delivery of the same object version; it comes back when that one is decided. */
        PARKED,
        /** Decided elsewhere already (released at the drain timeout while it ran). */
        NONE
    }

    static final Decision PARKED = of(Kind.PARKED, "parked", "");
    static final Decision NONE = of(Kind.NONE, "none", "");

    static Decision anchored(SourceRef source, Receipt receipt) {
        return new Decision(Kind.ANCHORED, "anchored", "", Optional.empty(), Optional.of(source),
                Optional.of(receipt), Optional.empty(), Optional.empty());
    }

    static Decision skipped(String reason, String detail) {
        return of(Kind.SKIPPED, reason, detail);
    }

    static Decision terminal(String reason, String detail) {
        return of(Kind.TERMINAL, reason, detail);
    }

    static Decision terminal(String reason, String detail, Optional<SourceRef> source, Optional<Receipt> receipt) {
        return new Decision(Kind.TERMINAL, reason, detail, Optional.empty(), source, receipt, Optional.empty(),
                Optional.empty());
    }

    /** A retry; {@code stage} is the stage whose health it counts against, if any. */
    static Decision retry(Verdict verdict, String detail, Optional<SourceRef> source, Optional<Receipt> receipt,
                          Optional<Failure.Stage> stage) {
        return new Decision(Kind.RETRY, verdict.reason(), detail, Optional.of(verdict), source, receipt, stage,
                Optional.empty());
    }

    static Decision pause(String reason, Failure.Stage stage, Optional<String> bucket) {
        return new Decision(Kind.PAUSE, reason, "", Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(stage), bucket);
    }

    /** A hand-back; {@code leaseNote}, when not empty, says why the lease was too short for the health reason. */
    static Decision release(String reason, String leaseNote) {
        return of(Kind.RELEASE, reason, leaseNote);
    }

    private static Decision of(Kind kind, String reason, String detail) {
        return new Decision(kind, reason, detail, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
    }
}
