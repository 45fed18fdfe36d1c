package ai.rootkey.connector.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * This JVM's memory as a benchmark reports it: heap used sampled every 10 ms (its maximum is the peak seen), the sum
 * of the heap pools' own peaks (an upper bound: the pools need not peak together), and the process's resident set
 * high-water mark ({@code VmHWM}).
 */
final class MemoryWatch implements AutoCloseable {
    private final Thread sampler;
    private volatile boolean stop;
    private volatile long peakSampled;

    MemoryWatch() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
        sampler = new Thread(() -> {
            while (!stop) {
                long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                if (used > peakSampled) {
                    peakSampled = used;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "memory-watch");
        sampler.setDaemon(true);
        sampler.start();
    }

    long peakHeapSampled() {
        return peakSampled;
    }

    static long peakHeapPools() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    static long maxHeap() {
        return Runtime.getRuntime().maxMemory();
    }

    /** {@code VmHWM} of this process in bytes, or -1 off Linux. */
    static long residentHighWater() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    @Override
    public void close() {
        stop = true;
        sampler.interrupt();
    }
}
