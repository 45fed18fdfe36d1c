package ai.rootkey.connector.benchmarks;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.r2.R2Connector;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The connector's own JVM in B3: an {@link R2Connector} configured from the environment (DESIGN section 6.5 names)
 * runs until its first decision, then prints
 * {@code RESULT outcome=... seconds=... cpu_seconds=... bytes=... sha256=... peak_heap_sampled=... peak_heap_pools=... max_heap=...
 * vmhwm=...}. The time runs from {@code start()} to the decision (the upload's answer), so JVM start-up and client
 * construction are not counted. Argument: the connector's concurrency (default 2).
 */
public final class ConnectorProcess {
    private ConnectorProcess() {
    }

    public static void main(String[] args) throws Exception {
        int concurrency = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        CompletableFuture<Outcome> decided = new CompletableFuture<>();
        try (MemoryWatch watch = new MemoryWatch()) {
            Connector connector = R2Connector.builder().fromEnvironment()
                    .listener(new ConnectorListener() {
                        @Override
                        public void onOutcome(Outcome outcome) {
                            decided.complete(outcome);
                        }
                    })
                    .engine(b -> b.concurrency(concurrency))
                    .build();
            long t0 = System.nanoTime();
            long cpu0 = Bed.cpuNanos();
            connector.start();
            Outcome outcome = decided.get(60, TimeUnit.MINUTES);
            long t1 = System.nanoTime();
            long cpu1 = Bed.cpuNanos();
            Receipt receipt = outcome.receipt().orElse(null);
            System.out.println("RESULT outcome=" + outcome.kind() + " reason=" + outcome.reason()
                    + " seconds=" + (t1 - t0) / 1e9 + " cpu_seconds=" + (cpu1 - cpu0) / 1e9
                    + " bytes=" + (receipt == null ? -1 : receipt.bytesSent())
                    + " sha256=" + (receipt == null ? "-" : receipt.sha256())
                    + " peak_heap_sampled=" + watch.peakHeapSampled()
                    + " peak_heap_pools=" + MemoryWatch.peakHeapPools()
                    + " max_heap=" + MemoryWatch.maxHeap()
                    + " vmhwm=" + MemoryWatch.residentHighWater());
            System.out.flush();
            connector.close();
        }
        System.exit(0);
    }
}
