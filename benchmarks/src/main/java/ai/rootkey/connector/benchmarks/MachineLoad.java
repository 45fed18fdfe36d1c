package ai.rootkey.connector.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;

/**
 * CPU used by the whole machine, from {@code /proc/stat}, so a report can show how much of it other processes took
 * during a run (the benchmark machine may be shared). Zero where there is no {@code /proc/stat}.
 */
final class MachineLoad {
    private MachineLoad() {
    }

    /** Busy CPU time of all cores since boot, in nanoseconds (user, nice, system, irq, softirq, steal). */
    static long busyNanos() {
        try {
            List<String> lines = Files.readAllLines(Paths.get("/proc/stat"));
            String[] f = lines.get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy * (1_000_000_000L / 100); // USER_HZ is 100 on Linux
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The 1-minute load average, or -1. */
    static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
