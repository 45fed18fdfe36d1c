package ai.rootkey.connector.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A child process (a JVM) with its output (stdout and stderr merged) collected line by line. */
final class ChildProcess {
    private static final Pattern VARIABLE = Pattern.compile("^([A-Z0-9_]+)=(.*)$");

    final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private ChildProcess(Process process) {
        this.process = process;
        reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code command} with {@code env} added to this JVM's environment, minus any {@code CLOUDFLARE_*},
     * {@code R2_*} and {@code ROOTKEY_*} variables of ours.
     */
    static ChildProcess start(Map<String, String> env, List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("CLOUDFLARE_") || k.startsWith("R2_")
                || k.startsWith("ROOTKEY_"));
        builder.environment().putAll(env);
        return new ChildProcess(builder.start());
    }

    /** The {@code java} launcher of this JVM. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Sends SIGTERM (through the handle: {@code Process.destroy()} would also close our end of its output). */
    boolean sigterm() {
        return process.toHandle().destroy();
    }

    /** Waits for the process to end and for its last output line to be read. */
    boolean awaitExit(Duration timeout) throws InterruptedException {
        boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        reader.join(timeout.toMillis());
        return exited && !reader.isAlive();
    }

    /** The {@code NAME=value} lines printed so far. */
    Map<String, String> variables() {
        Map<String, String> vars = new HashMap<>();
        for (String line : lines) {
            Matcher m = VARIABLE.matcher(line);
            if (m.matches()) {
                vars.put(m.group(1), m.group(2));
            }
        }
        return vars;
    }

    String output() {
        return String.join("\n", lines);
    }

    void kill() {
        process.destroyForcibly();
    }
}
