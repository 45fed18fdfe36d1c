package ai.rootkey.connector.it.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Helpers for a chaos run's seeded plan of operations. */
final class ChaosPlan {
    private ChaosPlan() {
    }

    /** Each constant of {@code type} repeated as often as its weight says, in declaration order: a seeded draw's pool. */
    static <E extends Enum<E>> List<E> weighted(Class<E> type, Map<E, Integer> weights) {
        List<E> out = new ArrayList<>();
        for (E op : type.getEnumConstants()) {
            for (int i = 0; i < weights.getOrDefault(op, 0); i++) {
                out.add(op);
            }
        }
        return List.copyOf(out);
    }
}
