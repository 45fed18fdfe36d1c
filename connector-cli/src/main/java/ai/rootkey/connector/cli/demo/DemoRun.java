package ai.rootkey.connector.cli.demo;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.LogSafe;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.RetryPolicy;
import ai.rootkey.connector.cli.demo.SampleSet.Expect;
import ai.rootkey.connector.cli.demo.SampleSet.Sample;
import ai.rootkey.connector.local.LoopbackStack;
import ai.rootkey.connector.r2.R2Connector;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.QueueEndpoint;
import ai.rootkey.connector.testkit.ReceivedFile;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static ai.rootkey.connector.cli.demo.Format.bytes;

/**
 * The demo: starts the local stand-ins, uploads a sample set through the S3 API with the events R2 would publish,
 * runs the real {@link R2Connector} against them with a progress bar, then prints a summary and checks that every
 * expected file arrived byte-exact at the fake ROOTKey API.
 */
public final class DemoRun {

    /**
     * The demo's knobs.
     *
     * @param files            ordinary documents (plus four special cases)
     * @param sizeMix          their size distribution
     * @param faultRate        share of API calls (and half as many queue pulls) that fail transiently, to watch
     *                         retries
     * @param seed             seed for content and faults
     * @param maxFileSizeBytes the lowered size limit (the oversize sample exceeds it)
     * @param concurrency      objects processed at once
     * @param timeout          how long to wait for every event to be settled
     */
    public record Options(int files, SampleSet.SizeMix sizeMix, double faultRate, long seed, long maxFileSizeBytes,
                          int concurrency, Duration timeout) {
        public Options {
            if (files < 1 || files > 100_000) {
                throw new IllegalArgumentException("files must be between 1 and 100000, was " + files);
            }
            if (faultRate < 0 || faultRate > 0.9) {
                throw new IllegalArgumentException("fault rate must be between 0 and 0.9, was " + faultRate);
            }
            Objects.requireNonNull(sizeMix, "sizeMix");
            Objects.requireNonNull(timeout, "timeout");
        }
    }

    /** What the demo found: whether the check held, and the figures it printed. */
    public record Result(boolean verified, long anchored, long skipped, long retried, long terminal, long deadLettered,
                         long bytesAnchored, List<String> problems) {
    }

    private final Options options;
    private final PrintStream out;
    private final ProgressBar progress;

    public DemoRun(Options options, PrintStream out, PrintStream progressOut, boolean terminal) {
        this.options = options;
        this.out = out;
        this.progress = new ProgressBar(progressOut, terminal);
    }

    public Result run() throws Exception {
        List<Sample> samples = SampleSet.generate(options.files(), options.sizeMix(), options.maxFileSizeBytes(),
                options.seed());
        try (LoopbackStack stack = LoopbackStack.builder().seed(options.seed()).start()) {
            out.println("Local stand-ins on 127.0.0.1:");
            out.println("  R2 bucket (S3Proxy)        " + stack.s3().endpoint() + "  bucket " + stack.bucket());
            out.println("  Cloudflare Queues (fake)   " + stack.queues().baseUrl() + "  max_retries "
                    + LoopbackStack.MAX_RETRIES + ", dead-letter queue");
            out.println("  ROOTKey API (fake)         " + stack.api().baseUrl());
            Map<String, String> eTags = upload(stack, samples);
            int expectedMessages = samples.size() + 1; // every put, plus the DeleteObject event
            injectFaults(stack);

            Recorder recorder = new Recorder();
            long started = System.nanoTime();
            Connector connector = R2Connector.builder()
                    .config(stack.configBuilder().maxFileSizeBytes(options.maxFileSizeBytes()).build())
                    .filter(EventFilter.glob("**/" + SampleSet.LOCK_FILE_PREFIX + "*").negate())
                    .listener(recorder)
                    .engine(b -> b.concurrency(options.concurrency())
                            .retryPolicy(RetryPolicy.defaults().withDelays(Duration.ofMillis(500), Duration.ofSeconds(2)))
                            .idleBackoff(Duration.ofMillis(10), Duration.ofMillis(200))
                            .settleEvery(25, Duration.ofMillis(50)))
                    .start();
            try {
                awaitSettled(stack, recorder, expectedMessages, started);
            } finally {
                connector.close();
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
            List<String> problems = verify(stack, samples, eTags, recorder);
            Result result = new Result(problems.isEmpty(), recorder.count(Outcome.Kind.ANCHORED),
                    recorder.count(Outcome.Kind.SKIPPED), recorder.count(Outcome.Kind.RETRIED),
                    recorder.count(Outcome.Kind.TERMINAL), recorder.count(Outcome.Kind.EXHAUSTED),
                    recorder.bytes.get(), problems);
            printSummary(result, recorder, elapsed, samples);
            return result;
        }
    }

    private Map<String, String> upload(LoopbackStack stack, List<Sample> samples) {
        long total = samples.stream().mapToLong(s -> s.content().length).sum();
        out.println("Uploading " + samples.size() + " objects (" + bytes(total) + ") through the S3 API; "
                + "publishing the R2 event notifications...");
        Map<String, String> eTags = new LinkedHashMap<>();
        for (Sample sample : samples) {
            eTags.put(sample.key(), stack.put(sample.key(), sample.content()));
            if (sample.expect() == Expect.DELETED_BEFORE_READ) {
                stack.delete(sample.key()); // gone before the connector reads it; R2 publishes a DeleteObject event
            }
        }
        return eTags;
    }

    private void injectFaults(LoopbackStack stack) {
        if (options.faultRate() <= 0) {
            return;
        }
        stack.api().faultRate(options.faultRate(), Fault.status(503),
                Fault.status(429, Duration.ofSeconds(1)), Fault.resetMidBody());
        stack.queues().faultRate(QueueEndpoint.PULL, options.faultRate() / 2, Fault.status(503));
        out.println(String.format(Locale.ROOT, "Injecting faults: %.0f%% of uploads (503, 429, reset), %.0f%% of "
                + "pulls (503); seed %d", options.faultRate() * 100, options.faultRate() * 50, options.seed()));
    }

    private void awaitSettled(LoopbackStack stack, Recorder recorder, int expected, long started) {
        long deadline = started + options.timeout().toNanos();
        while (true) {
            long done = recorder.finals.size();
            boolean drained = stack.queues().queue(stack.queueId()).backlog().isEmpty();
            double seconds = Math.max(0.001, (System.nanoTime() - started) / 1e9);
            String detail = String.format(Locale.ROOT, "anchored %d  skipped %d  retries %d  terminal %d  %s/s",
                    recorder.count(Outcome.Kind.ANCHORED), recorder.count(Outcome.Kind.SKIPPED),
                    recorder.count(Outcome.Kind.RETRIED) + recorder.count(Outcome.Kind.EXHAUSTED),
                    recorder.count(Outcome.Kind.TERMINAL), bytes((long) (recorder.bytes.get() / seconds)));
            if (done >= expected && drained) {
                progress.finish(done, expected, detail);
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                progress.finish(done, expected, detail + "  (timed out)");
                return;
            }
            progress.update(done, expected, detail);
            LockSupport.parkNanos(100_000_000L);
        }
    }

    private List<String> verify(LoopbackStack stack, List<Sample> samples, Map<String, String> eTags,
                                Recorder recorder) {
        Map<String, ReceivedFile> received = new LinkedHashMap<>();
        for (ReceivedFile file : stack.api().uniqueFiles()) {
            received.put(file.key(), file);
        }
        List<String> problems = new ArrayList<>();
        for (Sample sample : samples) {
            ReceivedFile file = received.get(sample.key());
            String key = LogSafe.quoted(sample.key());
            if (sample.expect() == Expect.ANCHORED) {
                if (file == null) {
                    problems.add(key + " did not arrive at the API");
                } else if (!file.sha256().equals(sample.sha256()) || file.size() != sample.content().length) {
                    problems.add(key + " arrived with different content (" + file.size() + " bytes, sha256 "
                            + file.sha256() + ")");
                } else if (!file.eTag().equals(Optional.of(eTags.get(sample.key())))) {
                    problems.add(key + " arrived with ETag " + file.eTag().orElse("none") + ", expected "
                            + eTags.get(sample.key()));
                }
                continue;
            }
            if (file != null) {
                problems.add(key + " should not have been anchored (" + sample.expect() + ")");
            }
            String wanted = sample.expect() == Expect.OVERSIZE ? "oversize"
                    : sample.expect() == Expect.FILTERED ? Outcome.FILTERED : "object_missing";
            if (!recorder.reasonsFor(sample.key()).contains(wanted)) {
                problems.add(key + " should have ended as " + wanted + ", got " + recorder.reasonsFor(sample.key()));
            }
        }
        return problems;
    }

    private void printSummary(Result result, Recorder recorder, Duration elapsed, List<Sample> samples) {
        double seconds = Math.max(0.001, elapsed.toMillis() / 1000.0);
        out.println();
        out.println("Summary");
        out.println("  outcome          count   bytes");
        out.println(row("anchored", result.anchored(), bytes(result.bytesAnchored())));
        out.println(row("skipped", result.skipped(), recorder.skipReasons()));
        out.println(row("retried", result.retried(), ""));
        out.println(row("terminal", result.terminal(), ""));
        out.println(row("dead-lettered", result.deadLettered(), ""));
        out.println(String.format(Locale.ROOT, "  throughput: %s in %.1f s = %s/s, %.1f files/s",
                bytes(result.bytesAnchored()), seconds, bytes((long) (result.bytesAnchored() / seconds)),
                result.anchored() / seconds));
        if (!recorder.terminals.isEmpty()) {
            out.println("  terminal failures (acked, logged as rootkey.event.dlq_terminal_failure):");
            recorder.terminals.forEach((key, reason) -> out.println("    " + LogSafe.quoted(key) + "  " + reason));
        }
        long expected = samples.stream().filter(s -> s.expect() == Expect.ANCHORED).count();
        if (result.verified()) {
            out.println("Check: all " + expected + " expected files arrived byte-exact at the API (size, SHA-256, "
                    + "ETag); oversize, filtered and deleted objects ended as expected. OK");
        } else {
            out.println("Check FAILED:");
            result.problems().forEach(p -> out.println("  - " + p));
        }
    }

    private static String row(String outcome, long count, String extra) {
        return String.format(Locale.ROOT, "  %-14s %7d   %s", outcome, count, extra);
    }

    /** Collects outcomes: the final one per message, counts, bytes, reasons by key. */
    private static final class Recorder implements ConnectorListener {
        final Map<String, Outcome.Kind> finals = new ConcurrentHashMap<>();
        final Map<Outcome.Kind, AtomicLong> counts = new EnumMap<>(Outcome.Kind.class);
        final Map<String, List<String>> reasonsByKey = new ConcurrentHashMap<>();
        final Map<String, String> skipReasons = new ConcurrentHashMap<>();
        final Map<String, String> terminals = new ConcurrentHashMap<>();
        final AtomicLong bytes = new AtomicLong();

        Recorder() {
            for (Outcome.Kind kind : Outcome.Kind.values()) {
                counts.put(kind, new AtomicLong());
            }
        }

        @Override
        public void onOutcome(Outcome outcome) {
            counts.get(outcome.kind()).incrementAndGet();
            outcome.receipt().filter(r -> outcome.kind() == Outcome.Kind.ANCHORED)
                    .ifPresent(r -> bytes.addAndGet(r.bytesSent()));
            String key = outcome.event().map(e -> e.key()).orElse("(message " + outcome.delivery().messageId() + ")");
            reasonsByKey.computeIfAbsent(key, k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                    .add(outcome.reason());
            switch (outcome.kind()) {
                case ANCHORED:
                case EXHAUSTED:
                    finals.put(outcome.delivery().messageId(), outcome.kind());
                    break;
                case SKIPPED:
                    finals.put(outcome.delivery().messageId(), outcome.kind());
                    skipReasons.merge(outcome.reason(), "1", (a, b) -> Integer.toString(Integer.parseInt(a) + 1));
                    break;
                case TERMINAL:
                    finals.put(outcome.delivery().messageId(), outcome.kind());
                    terminals.put(key, outcome.reason());
                    break;
                default:
                    break;
            }
        }

        long count(Outcome.Kind kind) {
            return counts.get(kind).get();
        }

        List<String> reasonsFor(String key) {
            return reasonsByKey.getOrDefault(key, List.of());
        }

        String skipReasons() {
            StringBuilder text = new StringBuilder();
            skipReasons.forEach((reason, n) -> text.append(text.length() == 0 ? "(" : ", ").append(reason).append(' ')
                    .append(n));
            return text.length() == 0 ? "" : text.append(')').toString();
        }
    }
}
