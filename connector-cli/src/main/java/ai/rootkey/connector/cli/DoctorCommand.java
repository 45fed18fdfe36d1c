package ai.rootkey.connector.cli;

import ai.rootkey.connector.r2.Doctor;
import ai.rootkey.connector.r2.R2ConnectorConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** Checks the configuration end to end and prints a table. */
@Command(name = "doctor",
        mixinStandardHelpOptions = true,
        description = {
            "Checks the configuration end to end, without consuming a message or uploading anything: the R2 bucket,",
            "the queue, its consumer settings and message retention, the dead-letter queue, the bucket's event",
            "notification rule, the ROOTKey API, and whether the size limit fits the lease. Prints one row per check",
            "(OK, WARN, FAIL, SKIPPED) and, under each WARN or FAIL, what",
            "to fix. Exits 1 when any check fails, 2 when the environment is incomplete, 0 otherwise."})
final class DoctorCommand implements Callable<Integer> {
    private final Main.Cli cli;

    @Option(names = "--visibility-timeout", paramLabel = "SECONDS",
            description = "The lease the connector pulls with (default: R2_VISIBILITY_TIMEOUT_SECONDS, else "
                    + "600).")
    Long visibilityTimeoutSeconds;

    DoctorCommand(Main.Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        Optional<R2ConnectorConfig> config = Environment.config(cli);
        if (config.isEmpty()) {
            return 2;
        }
        if (visibilityTimeoutSeconds != null && visibilityTimeoutSeconds < 1) {
            cli.err().println("--visibility-timeout must be at least 1 second");
            return 2;
        }
        Duration lease = visibilityTimeoutSeconds != null ? Duration.ofSeconds(visibilityTimeoutSeconds)
                : config.get().visibilityTimeout();
        List<Doctor.Check> checks = Doctor.check(config.get(), lease);
        cli.out().print(table(checks));
        long failed = checks.stream().filter(c -> c.status() == Doctor.Status.FAIL).count();
        long warned = checks.stream().filter(c -> c.status() == Doctor.Status.WARN).count();
        cli.out().println();
        cli.out().println(failed == 0 ? (warned == 0 ? "All checks passed." : "No failures; " + warned
                + " warning(s).") : failed + " check(s) failed; " + warned + " warning(s).");
        return failed == 0 ? 0 : 1;
    }

    static String table(List<Doctor.Check> checks) {
        int width = "CHECK".length();
        for (Doctor.Check c : checks) {
            width = Math.max(width, c.name().length());
        }
        StringBuilder out = new StringBuilder();
        String format = "%-" + width + "s  %-7s  %s%n";
        out.append(String.format(format, "CHECK", "STATUS", "DETAIL"));
        for (Doctor.Check c : checks) {
            out.append(String.format(format, c.name(), c.status(), c.detail()));
            c.fix().ifPresent(fix -> out.append(String.format(format, "", "", "fix: " + fix)));
        }
        return out.toString();
    }
}
