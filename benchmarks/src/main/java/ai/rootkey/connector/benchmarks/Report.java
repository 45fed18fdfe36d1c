package ai.rootkey.connector.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The result of one benchmark command as Markdown: printed as it grows, and saved under {@code --results} (default
 * {@code benchmarks/results/}, ignored by git) when the command ends.
 */
final class Report {
    private final String name;
    private final List<String> lines = new ArrayList<>();

    Report(String name, String command) {
        this.name = name;
        line("## " + name);
        line("");
        line("- machine: " + machine());
        line(String.format(Locale.ROOT, "- load average at start: %.2f (the machine may be shared; see the other-CPU "
                + "columns)", MachineLoad.loadAverage()));
        line("- command: `" + command + "`");
        line("");
    }

    void line(String text) {
        lines.add(text);
        System.out.println(text);
        System.out.flush();
    }

    /** A Markdown table. */
    void table(List<String> header, List<List<String>> rows) {
        line("| " + String.join(" | ", header) + " |");
        StringBuilder sep = new StringBuilder("|");
        for (int i = 0; i < header.size(); i++) {
            sep.append(" --- |");
        }
        line(sep.toString());
        for (List<String> row : rows) {
            line("| " + String.join(" | ", row) + " |");
        }
        line("");
    }

    /** Writes the report to {@code directory}/NAME-TIMESTAMP.md and returns the file. */
    Path save(String directory) {
        try {
            Path dir = Paths.get(directory);
            Files.createDirectories(dir);
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            Path file = dir.resolve(name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-") + "-" + stamp + ".md");
            Files.write(file, lines);
            System.out.println("(saved to " + file + ")");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String machine() {
        long memKb = 0;
        String cpu = "?";
        try {
            for (String l : Files.readAllLines(Paths.get("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    memKb = Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
            for (String l : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    cpu = l.substring(l.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: leave the blanks
        }
        return String.format(Locale.ROOT, "%d cores (%s), %d GiB RAM, %s %s (%s), %s",
                Runtime.getRuntime().availableProcessors(), cpu, Math.round(memKb / 1048576.0),
                System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"),
                System.getProperty("java.vm.vendor"), ManagementFactory.getOperatingSystemMXBean().getName()
                        + " " + System.getProperty("os.version"));
    }

    static String rate(double perSecond) {
        return perSecond >= 100 ? String.format(Locale.ROOT, "%,.0f", perSecond)
                : String.format(Locale.ROOT, "%.1f", perSecond);
    }

    static String ratio(double r) {
        return String.format(Locale.ROOT, "%.2f×", r);
    }

    static String micros(long nanos) {
        return String.format(Locale.ROOT, "%.1f µs", nanos / 1000.0);
    }

    static String met(boolean met) {
        return met ? "**met**" : "**not met**";
    }
}
