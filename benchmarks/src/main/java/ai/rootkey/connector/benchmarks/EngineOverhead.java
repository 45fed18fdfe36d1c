package ai.rootkey.connector.benchmarks;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** B1: runs {@link EngineOverheadBenchmark} under JMH (baseline and connector in one run) and reports the ratio. */
final class EngineOverhead {
    static final double TARGET_EVENTS_PER_SECOND = 100_000;
    static final long TARGET_P99_NANOS = 1_000_000;

    private EngineOverhead() {
    }

    static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("concurrency", "16");
        d.put("batch", "25");
        d.put("forks", "1");
        d.put("warmup", "3");
        d.put("iterations", "5");
        d.put("seconds", "3");
        d.put("jvm-args", "");
        d.put("results", "benchmarks/results");
        return d;
    }

    static void run(Options o, String command) throws RunnerException, IOException {
        Path out = Files.createTempDirectory("bench-b1-");
        ChainedOptionsBuilder jmh = new OptionsBuilder()
                .include(EngineOverheadBenchmark.class.getName())
                .param("concurrency", o.string("concurrency"))
                .param("batchSize", o.string("batch"))
                .forks(o.integer("forks"))
                .warmupIterations(o.integer("warmup"))
                .warmupTime(TimeValue.seconds(o.integer("seconds")))
                .measurementIterations(o.integer("iterations"))
                .measurementTime(TimeValue.seconds(o.integer("seconds")))
                .jvmArgsAppend(jvmArgs(out, o.string("jvm-args")));
        Collection<RunResult> results = new Runner(jmh.build()).run();

        Report report = new Report("B1 engine overhead", command);
        report.line("No-op reader and anchorer, an O(1) in-memory source (`FastSource`), concurrency "
                + o.string("concurrency") + ", batch " + o.string("batch") + ". Baseline: a bare pool of the same size, "
                + "each thread receiving a batch, calling the same reader and anchorer for each event, and settling "
                + "the batch. Latency: from receive to settle of each event (the connector's includes its settle "
                + "batching). JMH throughput, mean ± 99.9% CI over " + o.string("iterations") + " iterations of "
                + o.string("seconds") + " s.");
        report.line("");
        Map<String, double[]> scores = new LinkedHashMap<>();
        List<List<String>> rows = new ArrayList<>();
        for (String runner : List.of("baseline", "connector")) {
            for (RunResult r : results) {
                if (!runner.equals(r.getParams().getParam("runner"))) {
                    continue;
                }
                double score = r.getPrimaryResult().getScore();
                double error = r.getPrimaryResult().getScoreError();
                Properties latency = latency(out, runner, o.string("concurrency"));
                long p50 = Long.parseLong(latency.getProperty("p50_ns", "0"));
                long p99 = Long.parseLong(latency.getProperty("p99_ns", "0"));
                scores.put(runner, new double[] {score, p99});
                rows.add(List.of(runner, Report.rate(score) + " ± " + Report.rate(Double.isNaN(error) ? 0 : error),
                        Report.micros(p50), Report.micros(p99),
                        Report.micros(Long.parseLong(latency.getProperty("p999_ns", "0"))),
                        latency.getProperty("count", "0")));
            }
        }
        report.table(List.of("runner", "events/s", "p50", "p99", "p99.9", "events timed"), rows);
        if (scores.containsKey("baseline") && scores.containsKey("connector")) {
            double[] c = scores.get("connector");
            double ratio = c[0] / scores.get("baseline")[0];
            report.line("- ratio connector / baseline: " + Report.ratio(ratio));
            report.line("- target ≥ 100,000 events/s: " + Report.met(c[0] >= TARGET_EVENTS_PER_SECOND) + " ("
                    + Report.rate(c[0]) + ")");
            report.line("- target p99 added latency < 1 ms: " + Report.met(c[1] < TARGET_P99_NANOS) + " ("
                    + Report.micros((long) c[1]) + ")");
        }
        report.save(o.string("results"));
    }

    private static String[] jvmArgs(Path out, String extra) {
        List<String> args = new ArrayList<>();
        args.add("-Dbench.out=" + out);
        if (!extra.isBlank()) {
            args.addAll(List.of(extra.trim().split("\\s+")));
        }
        return args.toArray(new String[0]);
    }

    private static Properties latency(Path out, String runner, String concurrency) throws IOException {
        Properties p = new Properties();
        Path file = out.resolve("b1-latency-" + runner + "-c" + concurrency + ".properties");
        if (Files.exists(file)) {
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            }
        }
        return p;
    }
}
