package ai.rootkey.connector;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one {@link EventSource#receive(int)} returned: zero or more deliveries and, when the queue reports
 * it, its backlog.
 */
public record Batch(List<Delivery> deliveries, Optional<Backlog> backlog) {
    public Batch {
        deliveries = List.copyOf(Objects.requireNonNull(deliveries, "deliveries"));
        Values.requireOptional(backlog, "backlog");
    }

    public static Batch of(List<Delivery> deliveries) {
        return new Batch(deliveries, Optional.empty());
    }

    public static Batch empty() {
        return new Batch(List.of(), Optional.empty());
    }

    public boolean isEmpty() {
        return deliveries.isEmpty();
    }

    public int size() {
        return deliveries.size();
    }
}
