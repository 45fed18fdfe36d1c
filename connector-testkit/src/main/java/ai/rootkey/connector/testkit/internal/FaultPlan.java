package ai.rootkey.connector.testkit.internal;

import ai.rootkey.connector.testkit.Fault;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;

/**
 * Which calls of one fake fail and how, for every fake of the kit: scripted faults first, in the order they were
 * scripted, then random ones drawn from a seeded {@link Random} at a rate per call kind. Records what it injected,
 * in order. Thread-safe.
 *
 * @param <K> the kind of call a fault is scripted for ({@code QueueEndpoint} for the queue fakes; the fakes with one
 *            kind of call use one constant)
 */
public final class FaultPlan<K> {
    private final long seed;
    private final Random random;
    private final List<Scripted<K>> scripted = new ArrayList<>();
    private final Map<K, Rate> rates = new HashMap<>();
    private final List<Fault> injected = new ArrayList<>();

    private static final class Scripted<K> {
        final K target; // null: any
        final Fault fault;
        int remaining;

        Scripted(K target, Fault fault, int remaining) {
            this.target = target;
            this.fault = fault;
            this.remaining = remaining;
        }
    }

    private record Rate(double rate, List<Fault> mix) {
    }

    /** A plan whose random draws come from {@code new Random(seed)}. */
    public FaultPlan(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
    }

    public long seed() {
        return seed;
    }

    /** The next {@code times} calls of {@code target} (null: of any kind) meet {@code fault}; 0 adds nothing. */
    public synchronized void failNext(K target, int times, Fault fault) {
        Objects.requireNonNull(fault, "fault");
        if (times < 0) {
            throw new IllegalArgumentException("times must not be negative, was " + times);
        }
        if (times > 0) {
            scripted.add(new Scripted<>(target, fault, times));
        }
    }

    /**
     * Each call of {@code target} meets a fault with probability {@code rate}, drawn uniformly from {@code mix};
     * 0 turns it off.
     */
    public synchronized void rate(K target, double rate, List<Fault> mix) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("rate must be between 0 and 1, was " + rate);
        }
        mix.forEach(f -> Objects.requireNonNull(f, "a fault in the mix is null"));
        if (rate > 0 && mix.isEmpty()) {
            throw new IllegalArgumentException("a fault rate needs at least one fault to draw from");
        }
        if (rate == 0) {
            rates.remove(target);
        } else {
            rates.put(target, new Rate(rate, List.copyOf(mix)));
        }
    }

    /** Drops scripted faults and rates; what was injected stays recorded. */
    public synchronized void clear() {
        scripted.clear();
        rates.clear();
    }

    /** Forgets what was injected. */
    public synchronized void forgetInjected() {
        injected.clear();
    }

    /** The fault for the next call of {@code target}, if any; recorded as injected. */
    public synchronized Optional<Fault> next(K target) {
        for (Iterator<Scripted<K>> it = scripted.iterator(); it.hasNext(); ) {
            Scripted<K> s = it.next();
            if (s.target == null || s.target.equals(target)) {
                if (--s.remaining == 0) {
                    it.remove();
                }
                injected.add(s.fault);
                return Optional.of(s.fault);
            }
        }
        Rate r = rates.get(target);
        if (r != null && random.nextDouble() < r.rate()) {
            Fault f = r.mix().get(random.nextInt(r.mix().size()));
            injected.add(f);
            return Optional.of(f);
        }
        return Optional.empty();
    }

    /** Faults met so far, scripted and random, in order. */
    public synchronized List<Fault> injected() {
        return List.copyOf(injected);
    }

    /** The exception a fake throws when it is given a fault it cannot show. */
    public static IllegalArgumentException unsupported(String fake, Fault fault, String why) {
        return new IllegalArgumentException(fake + " cannot inject " + fault + ": " + why);
    }
}
