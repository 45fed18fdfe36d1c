package ai.rootkey.connector.micrometer;

import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.Outcome;

import java.time.Duration;
import java.util.Optional;

/** Outcomes made by hand, for listener-only tests. */
final class TestOutcomes {
    private TestOutcomes() {
    }

    static Outcome retried(ObjectEvent event, String reason) {
        return new Outcome(Outcome.Kind.RETRIED, Delivery.of("m", "l", 1, event), reason, Optional.empty(),
                Optional.empty(), Optional.of(Duration.ofSeconds(1)), Duration.ZERO);
    }
}
