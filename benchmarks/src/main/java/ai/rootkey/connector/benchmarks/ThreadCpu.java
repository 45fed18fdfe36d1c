package ai.rootkey.connector.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * CPU time of this JVM's threads split between the client side (the runner: connector or bare loop, and the HTTP
 * clients' own threads) and the servers side (S3Proxy, the fakes), so the small-object benchmarks can show what the
 * runner itself costs per object, which the servers' share and other processes disturb much less than throughput.
 * Threads that end during a run add their own time through {@link #addEnded()}.
 */
final class ThreadCpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final AtomicLong ENDED_CLIENT = new AtomicLong();
    private static final AtomicLong ENDED_SWITCHES = new AtomicLong();

    private ThreadCpu() {
    }

    /** Client-side CPU nanoseconds so far (live threads plus ended ones that reported). */
    static long client() {
        return snapshot().getOrDefault("client", 0L) + ENDED_CLIENT.get();
    }

    /** Call at the end of a client thread that will not outlive the run. */
    static void addEnded() {
        ENDED_CLIENT.addAndGet(THREADS.getCurrentThreadCpuTime());
        ENDED_SWITCHES.addAndGet(switches(Paths.get("/proc/thread-self/status")));
    }

    /**
     * Voluntary context switches (a thread blocking or waiting) of all this process's threads so far, from {@code /proc/self/task}: each
     * hand-off of work between threads costs at least one. Zero off Linux.
     */
    static long contextSwitches() {
        long sum = ENDED_SWITCHES.get();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Paths.get("/proc/self/task"))) {
            for (Path task : tasks) {
                sum += switches(task.resolve("status"));
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return sum;
    }

    /** Context switches so far by thread name (digits dropped, cut to 15 characters by Linux). */
    static Map<String, Long> switchesByName() {
        Map<String, Long> out = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Paths.get("/proc/self/task"))) {
            for (Path task : tasks) {
                String name = Files.readString(task.resolve("comm")).trim().replaceAll("[0-9]+", "#");
                out.merge(name, switches(task.resolve("status")), Long::sum);
            }
        } catch (IOException | RuntimeException e) {
            return out;
        }
        return out;
    }

    private static long switches(Path status) {
        try {
            long n = 0;
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("voluntary_ctxt_switches:")) {
                    n += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            return n;
        } catch (IOException | RuntimeException e) {
            return 0; // the thread ended meanwhile
        }
    }

    static Map<String, Long> snapshot() {
        Map<String, Long> out = new HashMap<>();
        long[] ids = THREADS.getAllThreadIds();
        ThreadInfo[] infos = THREADS.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] == null) {
                continue;
            }
            long cpu = THREADS.getThreadCpuTime(ids[i]);
            if (cpu > 0) {
                out.merge(group(infos[i].getThreadName()), cpu, Long::sum);
            }
        }
        return out;
    }

    /** CPU nanoseconds so far of live threads by name (digits dropped). */
    static Map<String, Long> byName() {
        Map<String, Long> out = new HashMap<>();
        long[] ids = THREADS.getAllThreadIds();
        ThreadInfo[] infos = THREADS.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] != null) {
                out.merge(infos[i].getThreadName().replaceAll("[0-9]+", "#"), Math.max(0, THREADS.getThreadCpuTime(ids[i])),
                        Long::sum);
            }
        }
        return out;
    }

    static String group(String name) {
        if (name.startsWith("bench-") || name.startsWith("bare-loop-") || name.startsWith("HttpClient-")
                || name.startsWith("sdk-") || name.startsWith("idle-connection-")) {
            return "client";
        }
        return "other";
    }
}
