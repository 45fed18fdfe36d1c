package ai.rootkey.connector.benchmarks;

import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.FakeCloudflareQueues;
import ai.rootkey.connector.testkit.QueueEndpoint;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * B5: latency-bound throughput. Every call to the loopback stand-ins gets a fixed added latency (S3 through
 * {@link S3Latency} on the shared S3 client; the fake API and the fake queues through the test kit's
 * {@code faultRate(1.0, Fault.latency(...))}, which meets every call), and the connector's objects/s are compared with
 * Little's law: concurrency / service time, the service time measured in the same run by the bare loop at
 * concurrency 1. Beside it the Worker-shaped baseline: that many sequential consumers, each pulling a batch, getting
 * and posting its objects one at a time, then acking the batch ({@link BareLoop}).
 */
final class LatencyBound {
    static final double TARGET_RATIO = 0.9;
    /** A run whose JVM and other processes used at least this share of all cores is counted as CPU-bound. */
    static final double CPU_BOUND_PERCENT = 90;

    /** A fixed latency for each kind of call. */
    record Profile(String name, Duration get, Duration post, Duration pull, Duration ack) {
        static Profile named(String name) {
            switch (name) {
                case "A":
                    return new Profile("A", ms(10), ms(40), ms(30), ms(30));
                case "B":
                    return new Profile("B", ms(2), ms(150), ms(80), ms(80));
                default:
                    throw new IllegalArgumentException("unknown profile " + name + "; use A or B");
            }
        }

        String describe() {
            return "S3 GET " + get.toMillis() + " ms, ROOTKey POST " + post.toMillis() + " ms, queue pull "
                    + pull.toMillis() + " ms and ack " + ack.toMillis() + " ms";
        }

        private static Duration ms(long millis) {
            return Duration.ofMillis(millis);
        }
    }

    /** What drains the queue in one run. */
    enum Kind {
        CONNECTOR, WORKER, QUEUE_ZERO
    }

    /** One runner: what drains the queue, and with which batch size. */
    record Runner(Kind kind, int batch) {
        /**
         * Parses {@code connector}, {@code connector:N} (batch N), {@code worker} or {@code queue-0} (the connector
         * with the queue's latency off); {@code batch} where no size is given.
         */
        static Runner parse(String option, int batch) {
            String[] parts = option.split(":", 2);
            int size = parts.length == 2 ? Integer.parseInt(parts[1]) : batch;
            switch (parts[0]) {
                case "connector":
                    return new Runner(Kind.CONNECTOR, size);
                case "worker":
                    return new Runner(Kind.WORKER, size);
                case "queue-0":
                    return new Runner(Kind.QUEUE_ZERO, size);
                default:
                    throw new IllegalArgumentException("unknown runner " + option
                            + "; use connector, connector:BATCH, worker, queue-0");
            }
        }

        String label() {
            switch (kind) {
                case CONNECTOR:
                    return "R2Connector, batch " + batch;
                case WORKER:
                    return "Worker-shaped, batch " + batch;
                default:
                    return "R2Connector, batch " + batch + ", queue latency 0 ms";
            }
        }
    }

    private LatencyBound() {
    }

    /** What {@code b5 --help} prints: every option with its meaning; the defaults follow. */
    static final String HELP = String.join("\n",
            "b5: latency-bound throughput. Every call to the loopback stand-ins gets a fixed added latency; the",
            "connector's objects/s are compared with Little's law, concurrency / S, where S (GET + POST of one object)",
            "is measured by the bare loop at concurrency 1 in the same run. Prints and saves a Markdown report.",
            "",
            "  --profiles A,B           A: GET 10 ms, POST 40 ms, pull 30 ms, ack 30 ms; B: 2 / 150 / 80 / 80 ms",
            "  --concurrency 4,16,...   concurrency levels (workers of the connector, consumers of the Worker shape)",
            "  --runners LIST           connector (batch --batch), connector:N (batch N), worker (Worker-shaped:",
            "                           each consumer pulls a batch, GETs and POSTs its objects one at a time, acks",
            "                           the batch), queue-0 (the connector with the queue's latency off)",
            "  --batch N                messages per pull where a runner does not say (1-100)",
            "  --objects-per-slot N     objects per run = max(--min-objects, N x concurrency)",
            "  --min-objects N",
            "  --size SIZE              object size, e.g. 4KiB",
            "  --rounds N               rounds, runners alternating within each; medians reported",
            "  --probe-objects N        objects the bare loop times at concurrency 1 to measure S",
            "  --results DIR            where the report is saved");

    static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("profiles", "A,B");
        d.put("concurrency", "4,16,64,256");
        d.put("objects-per-slot", "50");
        d.put("min-objects", "400");
        d.put("size", "4KiB");
        d.put("batch", "25");
        d.put("rounds", "3");
        d.put("probe-objects", "20");
        d.put("runners", "connector,connector:100,worker,queue-0");
        d.put("results", "benchmarks/results");
        return d;
    }

    static void run(Options o, String command) throws Exception {
        List<Profile> profiles = new ArrayList<>();
        for (String name : o.string("profiles").split(",")) {
            profiles.add(Profile.named(name.trim()));
        }
        List<Runner> runners = new ArrayList<>();
        for (String name : o.string("runners").split(",")) {
            runners.add(Runner.parse(name.trim(), o.integer("batch")));
        }
        List<Integer> levels = o.integers("concurrency");
        int perSlot = o.integer("objects-per-slot");
        int minObjects = o.integer("min-objects");
        int batch = o.integer("batch");
        int rounds = o.integer("rounds");
        int probeObjects = o.integer("probe-objects");
        int most = minObjects;
        for (int c : levels) {
            most = Math.max(most, objects(c, perSlot, minObjects));
        }
        Report report = new Report("B5 latency bound", command);
        report.line("Objects of " + Sizes.format(o.size("size")) + " through LoopbackStack (in-memory S3Proxy, "
                + "FakeCloudflareQueues, FakeRootkeyApi with retention off), everything in this JVM, with a fixed "
                + "added latency on every call: S3 by an `ExecutionInterceptor` on the one S3 client every runner is "
                + "given (`S3Latency`, waiting after the answer's headers, in the calling thread, holding the "
                + "connection), the fake API and the fake queues by `faultRate(1.0, Fault.latency(...))`. Objects per "
                + "run: max(" + minObjects + ", " + perSlot + " × concurrency); the clock stops when the queue is "
                + "empty (every message acked). Batch " + batch + " unless the runner says otherwise. " + rounds
                + " rounds, runners alternating; medians shown.");
        report.line("");
        report.line("- limit (Little's law) = concurrency / S, where S = GET + POST of one object, measured in the "
                + "same run by the bare loop at concurrency 1 (plain clients: the shared S3 client, `java.net.http` "
                + "for the API and the queue), taking objects one at a time: pull 1 → GET → POST → ack 1. Pull and "
                + "ack are not in S: a runner that pulls ahead and batches its acks hides them, so c / S is the most "
                + "any runner with c objects in flight can do.");
        report.line("- Worker-shaped: c sequential consumers, each pulling " + batch + ", getting and posting them one "
                + "at a time, then acking the batch in one call (`BareLoop`), as the Worker processes a batch.");
        report.line("- CPU-bound: this JVM and other processes together used ≥ " + (int) CPU_BOUND_PERCENT + "% of the "
                + "cores during the run.");
        report.line("");
        S3Latency s3Latency = new S3Latency();
        try (Bed bed = Bed.start(most, o.size("size"), List.of(s3Latency))) {
            for (Profile p : profiles) {
                profile(bed, s3Latency, p, levels, runners, perSlot, minObjects, batch, rounds, probeObjects, report);
            }
        }
        report.save(o.string("results"));
    }

    private static void profile(Bed bed, S3Latency s3Latency, Profile p, List<Integer> levels, List<Runner> runners,
                                int perSlot, int minObjects, int batch, int rounds, int probeObjects, Report report)
            throws Exception {
        s3Latency.delay(p.get());
        bed.apiSetup(api -> api.faultRate(1.0, Fault.latency(p.post())));
        queueLatency(bed, p, true);
        // warm-up of every runner (JIT), not measured
        for (Runner r : runners) {
            run(bed, s3Latency, p, r, minObjects, 16);
        }
        List<Double> services = new ArrayList<>();
        List<BareLoop.Steps> allSteps = new ArrayList<>();
        List<List<String>> rows = new ArrayList<>();
        List<String> verdicts = new ArrayList<>();
        Map<Integer, Map<Runner, List<Bed.Run>>> byLevel = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            List<BareLoop.Steps> steps = bed.probe(probeObjects);
            allSteps.addAll(steps);
            services.add(median(steps, s -> s.getNanos() + s.postNanos()) / 1e6);
            System.err.printf("profile %s round %d: S = %.1f ms%n", p.name(), round, services.get(round));
            for (int c : levels) {
                int n = objects(c, perSlot, minObjects);
                for (Runner r : runners) {
                    Bed.Run run = run(bed, s3Latency, p, r, n, c);
                    byLevel.computeIfAbsent(c, k -> new LinkedHashMap<>())
                            .computeIfAbsent(r, k -> new ArrayList<>()).add(run);
                    System.err.printf(Locale.ROOT, "profile %s c=%d %s: %.1f objects/s, %.2f pulls and %.2f acks per "
                                    + "object, CPU %.0f%% + others %.0f%%, leases %.0f + %.0f%n", p.name(), c, r.label(),
                            run.perSecond(), (double) run.pulls() / n, (double) run.acks() / n, run.cpuPercent(),
                            run.otherCpuPercent(), run.leases().meanInFlight(), run.leases().meanUnsettled());
                }
            }
        }
        double serviceMs = medianOf(services);
        report.line("### Profile " + p.name() + ": " + p.describe());
        report.line("");
        report.line(String.format(Locale.ROOT, "- S = %.1f ms (median over rounds: %s ms). Calls at concurrency 1, "
                        + "medians over %d objects: pull %.1f ms, GET %.1f ms, POST %.1f ms, ack %.1f ms; pull → GET → "
                        + "POST → ack of one object %.1f ms.", serviceMs, spreadMs(services), allSteps.size(),
                median(allSteps, BareLoop.Steps::pullNanos) / 1e6, median(allSteps, BareLoop.Steps::getNanos) / 1e6,
                median(allSteps, BareLoop.Steps::postNanos) / 1e6, median(allSteps, BareLoop.Steps::ackNanos) / 1e6,
                median(allSteps, s -> s.pullNanos() + s.getNanos() + s.postNanos() + s.ackNanos()) / 1e6));
        report.line("");
        for (Map.Entry<Integer, Map<Runner, List<Bed.Run>>> level : byLevel.entrySet()) {
            int c = level.getKey();
            double limit = c / (serviceMs / 1000);
            Runner plain = new Runner(Kind.CONNECTOR, batch);
            Runner zero = new Runner(Kind.QUEUE_ZERO, batch);
            Bed.Run queueZero = level.getValue().containsKey(zero) ? medianRun(level.getValue().get(zero)) : null;
            for (Runner r : runners) {
                List<Bed.Run> runs = level.getValue().get(r);
                Bed.Run m = medianRun(runs);
                double ratio = m.perSecond() / limit;
                boolean cpuBound = m.cpuPercent() + m.otherCpuPercent() >= CPU_BOUND_PERCENT;
                rows.add(List.of(Integer.toString(c), r.label(), String.format(Locale.ROOT, "%,d", m.objects()),
                        Report.rate(m.perSecond()), spread(runs), Report.rate(limit), Report.ratio(ratio),
                        String.format(Locale.ROOT, "%.3f / %.3f", (double) m.pulls() / m.objects(),
                                (double) m.acks() / m.objects()),
                        String.format(Locale.ROOT, "%.0f%% / %.0f%%%s", m.cpuPercent(), m.otherCpuPercent(),
                                cpuBound ? " (CPU-bound)" : ""),
                        Double.isNaN(m.leases().meanInFlight()) ? "≤ " + (c * r.batch()) : String.format(Locale.ROOT,
                                "%.0f + %.0f", m.leases().meanInFlight(), m.leases().meanUnsettled()),
                        r.equals(plain) && queueZero != null
                                ? Report.ratio(m.perSecond() / queueZero.perSecond()) : ""));
                if (r.kind() == Kind.CONNECTOR) {
                    verdicts.add("c=" + c + ", batch " + r.batch() + ": " + Report.ratio(ratio) + (ratio >= TARGET_RATIO ? " met"
                            : cpuBound ? " not met, CPU-bound" : " not met"));
                }
            }
        }
        report.table(List.of("concurrency", "runner", "objects per run", "objects/s (median)", "all runs",
                "limit c / S", "ratio to limit", "pull / ack calls per object", "CPU this JVM / other processes",
                "leases held: mean in flight + unsettled",
                "objects/s with the queue's latency / with none"), rows);
        report.line("- goal R2Connector ≥ " + TARGET_RATIO + "× the limit up to where CPU saturates: "
                + String.join("; ", verdicts));
        report.line("");
    }

    /** One run with the profile's latencies; checks that every call met its latency. */
    private static Bed.Run run(Bed bed, S3Latency s3Latency, Profile p, Runner r, int n, int c) throws Exception {
        FakeCloudflareQueues queues = bed.stack().queues();
        boolean queueOn = r.kind() != Kind.QUEUE_ZERO;
        queueLatency(bed, p, queueOn);
        long gets0 = s3Latency.delayedCalls();
        int queueFaults0 = queues.injectedFaults().size();
        Bed.Run run;
        try {
            run = bed.run(r.kind() == Kind.WORKER ? Bed.Runner.BASELINE : Bed.Runner.CONNECTOR, n, c, r.batch());
        } finally {
            queueLatency(bed, p, true);
        }
        long gets = s3Latency.delayedCalls() - gets0;
        int uploads = bed.stack().api().injectedFaults().size();
        int queueFaults = queues.injectedFaults().size() - queueFaults0;
        long queueCalls = (p.pull().isZero() ? 0 : run.pulls()) + (p.ack().isZero() ? 0 : run.acks());
        if ((!p.get().isZero() && gets < n) || (!p.post().isZero() && uploads != n)
                || (queueOn && queueFaults != queueCalls) || (!queueOn && queueFaults != 0)) {
            throw new IllegalStateException("a call missed its latency: " + gets + " delayed GETs and " + uploads
                    + " delayed uploads for " + n + " objects, " + queueFaults + " delayed queue calls of "
                    + queueCalls);
        }
        return run;
    }

    private static void queueLatency(Bed bed, Profile p, boolean on) {
        FakeCloudflareQueues queues = bed.stack().queues();
        queueLatency(queues, QueueEndpoint.PULL, on ? p.pull() : Duration.ZERO);
        queueLatency(queues, QueueEndpoint.ACK, on ? p.ack() : Duration.ZERO);
    }

    private static void queueLatency(FakeCloudflareQueues queues, QueueEndpoint endpoint, Duration d) {
        if (d.isZero()) {
            queues.faultRate(endpoint, 0);
        } else {
            queues.faultRate(endpoint, 1.0, Fault.latency(d));
        }
    }

    static int objects(int concurrency, int perSlot, int minObjects) {
        return Math.max(minObjects, concurrency * perSlot);
    }

    private interface Nanos {
        long of(BareLoop.Steps s);
    }

    private static double median(List<BareLoop.Steps> steps, Nanos f) {
        List<Double> values = new ArrayList<>();
        for (BareLoop.Steps s : steps) {
            values.add((double) f.of(s));
        }
        return medianOf(values);
    }

    private static double medianOf(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Comparator.naturalOrder());
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static Bed.Run medianRun(List<Bed.Run> runs) {
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

    private static String spreadMs(List<Double> values) {
        StringBuilder s = new StringBuilder();
        for (double v : values) {
            s.append(s.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", v));
        }
        return s.toString();
    }
}
