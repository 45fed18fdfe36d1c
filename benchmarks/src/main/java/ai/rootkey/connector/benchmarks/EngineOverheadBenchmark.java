package ai.rootkey.connector.benchmarks;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Anchorer;
import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Connector;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.ObjectReader;
import ai.rootkey.connector.Settlement;
import ai.rootkey.connector.SourceRef;
import ai.rootkey.connector.StoredObject;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * B1, engine overhead: events per second through the engine with a no-op reader and anchorer and an O(1) source,
 * against a bare pool of the same size that calls the same reader and anchorer (receive a batch, open, anchor,
 * close, settle the batch: nothing else). One operation is one settled event. The time from receive to settle of
 * each event (which includes the engine's settle batching) is recorded during measurement iterations and written to
 * {@code -Dbench.out} as {@code b1-latency-RUNNER.properties}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class EngineOverheadBenchmark {
    /** Events one benchmark invocation waits for. */
    public static final int EVENTS_PER_OP = 2000;

    @Param({"baseline", "connector"})
    public String runner;

    @Param({"16"})
    public int concurrency;

    @Param({"25"})
    public int batchSize;

    private FastSource source;
    private AutoCloseable running;
    private final LatencyHistogram measured = new LatencyHistogram();

    @Setup(Level.Trial)
    public void start() {
        source = new FastSource();
        ObjectReader reader = new NoopParts.Reader();
        Anchorer anchorer = new NoopParts.Uploader();
        if (runner.equals("connector")) {
            running = Connector.builder().source(source).reader(reader).anchorer(anchorer)
                    .bucket(FastSource.BUCKET).concurrency(concurrency).batchSize(batchSize)
                    .name("b1").start();
        } else {
            running = BarePool.start(source, reader, anchorer, concurrency, batchSize);
        }
    }

    @Setup(Level.Iteration)
    public void beginIteration(IterationParams iteration) {
        source.latency().reset();
        source.restartCount();
        source.recording(iteration.getType() == IterationType.MEASUREMENT);
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
        source.recording(false);
        measured.addAll(source.latency());
    }

    @TearDown(Level.Trial)
    public void stop(BenchmarkParams params) throws Exception {
        running.close();
        String out = System.getProperty("bench.out");
        if (out != null) {
            Properties p = new Properties();
            p.setProperty("count", Long.toString(measured.count()));
            p.setProperty("p50_ns", Long.toString(measured.quantile(0.50)));
            p.setProperty("p99_ns", Long.toString(measured.quantile(0.99)));
            p.setProperty("p999_ns", Long.toString(measured.quantile(0.999)));
            p.setProperty("max_ns", Long.toString(measured.quantile(1.0)));
            Path file = Paths.get(out, "b1-latency-" + runner + "-c" + concurrency + ".properties");
            try {
                Files.createDirectories(file.getParent());
                try (var w = Files.newBufferedWriter(file)) {
                    p.store(w, params.getBenchmark());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS_PER_OP)
    public void events() {
        source.awaitSettled(EVENTS_PER_OP);
    }

    /** The baseline: {@code size} threads, each receiving a batch, processing it in turn and settling it. */
    static final class BarePool implements AutoCloseable {
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean stop;

        static BarePool start(FastSource source, ObjectReader reader, Anchorer anchorer, int size, int batchSize) {
            BarePool pool = new BarePool();
            for (int i = 0; i < size; i++) {
                Thread t = new Thread(() -> pool.loop(source, reader, anchorer, batchSize), "b1-bare-" + i);
                t.setDaemon(true);
                pool.threads.add(t);
                t.start();
            }
            return pool;
        }

        private void loop(FastSource source, ObjectReader reader, Anchorer anchorer, int batchSize) {
            try {
                while (!stop) {
                    Batch batch = source.receive(batchSize);
                    List<Settlement> settlements = new ArrayList<>(batch.size());
                    for (Delivery d : batch.deliveries()) {
                        ObjectEvent e = d.event().orElseThrow();
                        try (StoredObject o = reader.open(e.bucket(), e.key()).orElseThrow()) {
                            anchorer.anchor(new AnchorRequest(new SourceRef(e.bucket(), e.key(), o.metadata().eTag()),
                                    o.metadata().size(), o.metadata().contentType(), o.body()));
                        }
                        settlements.add(Settlement.ack(d));
                    }
                    source.settle(settlements);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            stop = true;
            try {
                for (Thread t : threads) {
                    t.join(5000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
