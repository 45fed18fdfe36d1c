package ai.rootkey.connector.benchmarks;

import ai.rootkey.connector.Connector;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/** B2 (4 KiB objects end to end, concurrency sweep) and the scaling curve (B2 at 1k, 10k and 50k objects). */
final class SmallObjects {
    static final double TARGET_RATIO = 0.9;

    private SmallObjects() {
    }

    static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("objects", "2000");
        d.put("size", "4KiB");
        d.put("concurrency", "1,4,16,64");
        d.put("batch", "25");
        d.put("rounds", "3");
        d.put("warmup", "1000");
        d.put("runners", "baseline,connector,own-clients");
        d.put("results", "benchmarks/results");
        return d;
    }

    static Map<String, String> scalingDefaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("objects", "1000,10000,50000");
        d.put("size", "4KiB");
        d.put("concurrency", "16");
        d.put("batch", "25");
        d.put("warmup", "2000");
        d.put("results", "benchmarks/results");
        return d;
    }

    static void sweep(Options o, String command) throws Exception {
        int n = o.integer("objects");
        int batch = o.integer("batch");
        int rounds = o.integer("rounds");
        List<Bed.Runner> runners = new ArrayList<>();
        for (String name : o.string("runners").split(",")) {
            runners.add(Bed.Runner.named(name.trim()));
        }
        Report report = new Report("B2 small objects", command);
        report.line(n + " objects of " + Sizes.format(o.size("size")) + " per run through LoopbackStack (in-memory "
                + "S3Proxy, FakeCloudflareQueues, FakeRootkeyApi with retention off, faults off), everything in this "
                + "JVM. Each run: publish one event per object, start the runner, stop the clock when the queue is "
                + "empty. Runners alternate; " + rounds + " rounds; the table shows the median run. Batch size "
                + batch + ". Baseline: `BareLoop` (pull → get → post → ack, the connector's client settings).");
        report.line("");
        List<List<String>> rows = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        try (Bed bed = Bed.start(Math.max(n, o.integer("warmup")), o.size("size"))) {
            for (Bed.Runner r : runners) {
                bed.run(r, o.integer("warmup"), 16, batch);
            }
            for (int c : o.integers("concurrency")) {
                Map<Bed.Runner, List<Bed.Run>> runs = new EnumMap<>(Bed.Runner.class);
                for (int round = 0; round < rounds; round++) {
                    for (Bed.Runner r : runners) {
                        Bed.Run run = bed.run(r, n, c, batch);
                        System.err.printf("c=%d %s: %.0f objects/s, %.0f us CPU/object (client side %.0f us), %.1f "
                                + "context switches/object, %d pulls, %d acks%n", c, r.label, run.perSecond(),
                                run.cpuMicrosPerObject(), run.clientCpuMicrosPerObject(), run.switchesPerObject(),
                                run.pulls(), run.acks());
                        runs.computeIfAbsent(r, k -> new ArrayList<>()).add(run);
                    }
                }
                Bed.Run baseRun = runs.containsKey(Bed.Runner.BASELINE) ? median(runs.get(Bed.Runner.BASELINE)) : null;
                for (Bed.Runner r : runners) {
                    Bed.Run m = median(runs.get(r));
                    double ratio = baseRun == null ? Double.NaN : m.perSecond() / baseRun.perSecond();
                    double cpuRatio = baseRun == null ? Double.NaN
                            : baseRun.cpuMicrosPerObject() / m.cpuMicrosPerObject();
                    if (r == Bed.Runner.CONNECTOR) {
                        ratios.add(ratio);
                    }
                    rows.add(List.of(Integer.toString(c), r.label, Report.rate(m.perSecond()), spread(runs.get(r)),
                            Report.ratio(ratio), String.format("%.0f µs", m.cpuMicrosPerObject()),
                            Report.ratio(cpuRatio), String.format("%.0f µs", m.clientCpuMicrosPerObject()),
                            String.format("%.1f", m.switchesPerObject()), m.pulls() + " / " + m.acks(),
                            String.format("%.0f%% / %.0f%%", m.cpuPercent(),
                                    m.otherCpuPercent())));
                }
            }
        }
        report.table(List.of("concurrency", "runner", "objects/s (median)", "all runs", "ratio to baseline",
                "CPU per object", "CPU efficiency vs baseline", "client-side CPU per object", "context switches per object", "pull / ack calls",
                "CPU this JVM / other processes"), rows);
        double worst = ratios.stream().min(Double::compare).orElse(0.0);
        report.line("- target connector ≥ 0.9× baseline at every concurrency: " + Report.met(worst >= TARGET_RATIO)
                + " (lowest " + Report.ratio(worst) + ")");
        report.save(o.string("results"));
    }

    static void scaling(Options o, String command) throws Exception {
        List<Integer> sizes = o.integers("objects");
        int c = o.integer("concurrency");
        int batch = o.integer("batch");
        int max = sizes.stream().max(Integer::compare).orElseThrow();
        Report report = new Report("Scaling curve", command);
        report.line("B2's set-up (4 KiB objects, concurrency " + c + ", batch " + batch + ") at growing object counts, "
                + "one run of each runner per count (baseline first). Retained heap: live bytes after a full GC, taken "
                + "while the last connector is still running after the drain, by owner (class histogram): the "
                + "connector's classes, the HTTP client libraries (JDK HttpClient, AWS SDK, Apache HttpClient 5), "
                + "and the test fakes (which record every upload and ack by design).");
        report.line("");
        List<List<String>> rows = new ArrayList<>();
        List<Double> rates = new ArrayList<>();
        try (Bed bed = Bed.start(Math.max(max, o.integer("warmup")), o.size("size"))) {
            bed.run(Bed.Runner.BASELINE, o.integer("warmup"), c, batch);
            bed.run(Bed.Runner.CONNECTOR, o.integer("warmup"), c, batch);
            for (int n : sizes) {
                Bed.Run base = bed.run(Bed.Runner.BASELINE, n, c, batch);
                AtomicReference<Map<String, Long>> census = new AtomicReference<>();
                Bed.Run run = bed.run(Bed.Runner.CONNECTOR, n, 1, c, batch,
                        (Connector connector) -> census.set(HeapCensus.take()));
                rates.add(run.perSecond());
                Map<String, Long> heap = census.get();
                rows.add(List.of(String.format("%,d", n), Report.rate(base.perSecond()), Report.rate(run.perSecond()),
                        Report.ratio(run.perSecond() / base.perSecond()), Sizes.mib(heap.get("connector")),
                        Sizes.mib(heap.get("http-clients")), Sizes.mib(heap.get("fakes")),
                        Sizes.mib(heap.get("total"))));
                System.err.printf("n=%d baseline %.0f/s connector %.0f/s%n", n, base.perSecond(), run.perSecond());
            }
        }
        report.table(List.of("objects", "baseline objects/s", "connector objects/s", "ratio", "connector heap",
                "HTTP clients heap", "fakes heap", "total live heap"), rows);
        double first = rates.get(0);
        double last = rates.get(rates.size() - 1);
        report.line("- throughput at " + sizes.get(sizes.size() - 1) + " objects / at " + sizes.get(0) + ": "
                + Report.ratio(last / first) + " (flat means about 1.00×)");
        report.save(o.string("results"));
    }

    private static Bed.Run median(List<Bed.Run> runs) {
        List<Bed.Run> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparingDouble(Bed.Run::perSecond));
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
