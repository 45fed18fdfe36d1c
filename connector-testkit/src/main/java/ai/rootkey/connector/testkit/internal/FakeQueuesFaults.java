package ai.rootkey.connector.testkit.internal;

import ai.rootkey.connector.testkit.QueueEndpoint;
import ai.rootkey.connector.testkit.QueueFault;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;

/**
 * Which requests fail and how: scripted faults first (in the order they were scripted), then random ones drawn
 * from a seeded {@link Random} at a per-endpoint rate. Counts what it injected. Thread-safe.
 */
public final class FakeQueuesFaults {
    private final Random random;
    private final List<Scripted> scripted = new ArrayList<>();
    private final Map<QueueEndpoint, Rate> rates = new EnumMap<>(QueueEndpoint.class);
    private final Map<QueueFault.Kind, Long> injected = new EnumMap<>(QueueFault.Kind.class);

    private static final class Scripted {
        final QueueEndpoint endpoint; // null: any
        final QueueFault fault;
        int remaining;

        Scripted(QueueEndpoint endpoint, QueueFault fault, int remaining) {
            this.endpoint = endpoint;
            this.fault = fault;
            this.remaining = remaining;
        }
    }

    private record Rate(double rate, List<QueueFault> mix) {
    }

    public FakeQueuesFaults(long seed) {
        this.random = new Random(seed);
    }

    /** The next {@code n} requests to {@code endpoint} (null: to any endpoint) fail with {@code fault}. */
    public synchronized void failNext(QueueEndpoint endpoint, int n, QueueFault fault) {
        Objects.requireNonNull(fault, "fault");
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, was " + n);
        }
        if (n > 0) {
            scripted.add(new Scripted(endpoint, fault, n));
        }
    }

    /** Each request to {@code endpoint} fails with probability {@code rate}, with a fault drawn from {@code mix}. */
    public synchronized void rate(QueueEndpoint endpoint, double rate, List<QueueFault> mix) {
        Objects.requireNonNull(endpoint, "endpoint");
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("rate must be between 0 and 1, was " + rate);
        }
        if (rate > 0 && mix.isEmpty()) {
            throw new IllegalArgumentException("a fault rate needs at least one fault to draw from");
        }
        if (rate == 0) {
            rates.remove(endpoint);
        } else {
            rates.put(endpoint, new Rate(rate, List.copyOf(mix)));
        }
    }

    public synchronized void clear() {
        scripted.clear();
        rates.clear();
    }

    /** The fault for the next request to {@code endpoint}, if any; counted as injected. */
    public synchronized Optional<QueueFault> next(QueueEndpoint endpoint) {
        for (Iterator<Scripted> it = scripted.iterator(); it.hasNext(); ) {
            Scripted s = it.next();
            if (s.endpoint == null || s.endpoint == endpoint) {
                if (--s.remaining == 0) {
                    it.remove();
                }
                return Optional.of(count(s.fault));
            }
        }
        Rate r = rates.get(endpoint);
        if (r != null && random.nextDouble() < r.rate()) {
            return Optional.of(count(r.mix().get(random.nextInt(r.mix().size()))));
        }
        return Optional.empty();
    }

    private QueueFault count(QueueFault fault) {
        injected.merge(fault.kind(), 1L, Long::sum);
        return fault;
    }

    public synchronized long injected(QueueFault.Kind kind) {
        return injected.getOrDefault(kind, 0L);
    }
}
