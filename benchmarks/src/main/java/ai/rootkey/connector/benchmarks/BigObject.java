package ai.rootkey.connector.benchmarks;

import java.util.LinkedHashMap;
import java.util.Map;

/** B3: placeholder. */
final class BigObject {
    private BigObject() {
    }

    static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("size", "2GiB");
        d.put("results", "benchmarks/results");
        return d;
    }

    static void run(Options o, String command) {
        throw new UnsupportedOperationException("b3 is not written yet");
    }
}
