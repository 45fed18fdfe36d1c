package ai.rootkey.connector.it.chaos;

import ai.rootkey.connector.Batch;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.Settlement;

import java.io.IOException;
import java.time.Duration;
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

    /**
     * Delivers every message visible in {@code queue} {@code deliveries} times and hands each back with a retry of
     * delay 0, outside any connector instance: the next delivery of each is then its {@code deliveries + 1}-th. Used
     * to put a wave on its last attempt, so that the run exercises the requeue of deliveries handed back undecided.
     */
    static void deliverAndHandBack(EventSource queue, int deliveries) throws IOException {
        for (int round = 0; round < deliveries; round++) {
            List<Settlement> handBack = new ArrayList<>();
            for (Batch batch = queue.receive(100); !batch.isEmpty(); batch = queue.receive(100)) {
                batch.deliveries().forEach(d -> handBack.add(Settlement.retry(d, Duration.ZERO)));
            }
            queue.settle(handBack);
        }
    }
}
