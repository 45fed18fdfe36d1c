package ai.rootkey.connector.engine;

import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.Health;
import ai.rootkey.connector.Outcome;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Records every outcome and health change. */
final class RecordingListener implements ConnectorListener {
    private final List<Outcome> outcomes = new ArrayList<>();
    private final List<Health> health = new ArrayList<>();

    @Override
    public synchronized void onOutcome(Outcome outcome) {
        outcomes.add(outcome);
    }

    @Override
    public synchronized void onHealthChanged(Health h) {
        health.add(h);
    }

    synchronized List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    synchronized List<Outcome> of(Outcome.Kind kind) {
        return outcomes.stream().filter(o -> o.kind() == kind).collect(Collectors.toList());
    }

    synchronized List<Health> healthChanges() {
        return List.copyOf(health);
    }
}
