package ai.rootkey.connector.benchmarks;

import ai.rootkey.connector.testkit.FakeRootkeyApi;
import ai.rootkey.connector.testkit.Fault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * B4, scale-out: one connector against two on the same queue, with every upload answered after a fixed latency, so
 * that each instance is limited by its own concurrency (at most {@code concurrency / latency} uploads per second),
 * not by the fakes or the CPU.
 */
final class ScaleOut {
    static final double TARGET_RATIO = 1.6;

    private ScaleOut() {
    }

    static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("objects", "1500");
        d.put("size", "4KiB");
        d.put("concurrency", "2");
        d.put("batch", "10");
        d.put("latency-ms", "20");
        d.put("rounds", "3");
        d.put("results", "benchmarks/results");
        return d;
    }

    static void run(Options o, String command) throws Exception {
        int n = o.integer("objects");
        int c = o.integer("concurrency");
        int batch = o.integer("batch");
        int rounds = o.integer("rounds");
        Duration latency = Duration.ofMillis(o.integer("latency-ms"));
        Report report = new Report("B4 scale-out", command);
        report.line(n + " objects of " + Sizes.format(o.size("size")) + " per run; FakeRootkeyApi answers every upload "
                + latency.toMillis() + " ms after reading it (`faultRate(1.0, Fault.latency(" + latency.toMillis()
                + " ms))`). Each instance is a separate `R2Connector` with its own clients, concurrency " + c
                + ", batch " + batch + ", all in this JVM. One instance can do at most " + c + " / "
                + latency.toMillis() + " ms = " + Report.rate(c * 1000.0 / latency.toMillis()) + " uploads/s, so "
                + "the runs are bound by per-instance concurrency, not by CPU (see the CPU column). " + rounds
                + " rounds, alternating; median shown.");
        report.line("");
        List<Bed.Run> one = new ArrayList<>();
        List<Bed.Run> two = new ArrayList<>();
        try (Bed bed = Bed.start(n, o.size("size"))) {
            bed.apiSetup(api -> api.faultRate(1.0, Fault.latency(latency)));
            bed.run(Bed.Runner.CONNECTOR_OWN_CLIENTS, Math.min(n, 500), 2, c, batch, null);
            for (int round = 0; round < rounds; round++) {
                one.add(bed.run(Bed.Runner.CONNECTOR_OWN_CLIENTS, n, 1, c, batch, null));
                two.add(bed.run(Bed.Runner.CONNECTOR_OWN_CLIENTS, n, 2, c, batch, null));
                if (bed.stack().api().injectedFaults().size() != n) {
                    throw new IllegalStateException("expected the latency fault on each of the " + n + " uploads, got "
                            + bed.stack().api().injectedFaults().size());
                }
                System.err.printf("round %d: one %.0f/s, two %.0f/s%n", round, one.get(round).perSecond(),
                        two.get(round).perSecond());
            }
        }
        Bed.Run m1 = median(one);
        Bed.Run m2 = median(two);
        double ratio = m2.perSecond() / m1.perSecond();
        report.table(List.of("instances", "objects/s (median)", "all runs", "CPU this JVM / other processes", "ratio to one"), List.of(
                List.of("1 (baseline)", Report.rate(m1.perSecond()), spread(one), String.format("%.0f%% / %.0f%%", m1.cpuPercent(), m1.otherCpuPercent()),
                        "1.00×"),
                List.of("2", Report.rate(m2.perSecond()), spread(two), String.format("%.0f%% / %.0f%%", m2.cpuPercent(), m2.otherCpuPercent()),
                        Report.ratio(ratio))));
        report.line("- ceiling per instance: " + Report.rate(c * 1000.0 / latency.toMillis()) + " objects/s");
        report.line("- target 2 instances ≥ 1.6× one: " + Report.met(ratio >= TARGET_RATIO) + " (" + Report.ratio(ratio)
                + ")");
        report.save(o.string("results"));
    }

    private static Bed.Run median(List<Bed.Run> runs) {
        List<Bed.Run> sorted = new ArrayList<>(runs);
        sorted.sort((a, b) -> Double.compare(a.perSecond(), b.perSecond()));
        return sorted.get(sorted.size() / 2);
    }

    private static String spread(List<Bed.Run> runs) {
        StringBuilder s = new StringBuilder();
        for (Bed.Run r : runs) {
            s.append(s.length() == 0 ? "" : ", ").append(Report.rate(r.perSecond()));
        }
        return s.toString();
    }
}
