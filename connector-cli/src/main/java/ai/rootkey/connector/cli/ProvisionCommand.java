package ai.rootkey.connector.cli;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.ConnectorException;
import ai.rootkey.connector.LogSafe;
import ai.rootkey.connector.r2.AccessRefusedException;
import ai.rootkey.connector.r2.Jurisdiction;
import ai.rootkey.connector.r2.ProvisionPlan;
import ai.rootkey.connector.r2.Provisioner;
import ai.rootkey.connector.r2.Secret;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/** Creates the queues, consumers and notification rule the connector needs, like the Worker's Terraform module. */
@Command(name = "provision",
        mixinStandardHelpOptions = true,
        description = {
            "Creates through the Cloudflare API what the R2 Worker's Terraform module",
            "creates, minus the Worker, for one bucket:",
            "  event queue       rootkey-r2-events-<name suffix>-<hash of the bucket>",
            "  dead-letter queue rootkey-r2-dlq-<name suffix>-<hash of the bucket>",
            "                    (the module's names: queues it made are kept)",
            "  consumers         HTTP pull on the event queue: batch 25, max_retries 5,",
            "                    the dead-letter queue, a lease for the largest object;",
            "                    HTTP pull on the dead-letter queue (for dlq peek/replay)",
            "  notification rule PutObject, CompleteMultipartUpload and CopyObject of the",
            "                    bucket to the event queue, with --prefix and --suffix",
            "",
            "It reads first and changes only what differs: a second run says 'unchanged'",
            "for every step. A queue a Worker consumes is refused unless",
            "--replace-worker-consumer. Prints the plan, then the environment 'run' needs",
            "(never a secret).",
            "",
            "Environment: CLOUDFLARE_API_TOKEN (Queues write and Workers R2 Storage write),",
            "CLOUDFLARE_ACCOUNT_ID, R2_BUCKET, R2_PREFIX, R2_JURISDICTION (when the",
            "options are not given), CLOUDFLARE_API_BASE_URL, ROOTKEY_ALLOW_INSECURE_LOOPBACK."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done, nothing to do, or a dry run",
            "1:a Cloudflare call failed or the token was refused (steps already applied stay: run again)",
            "2:invalid options or environment, or the account or bucket does not exist",
            "3:a step was refused; nothing was changed"})
final class ProvisionCommand implements Callable<Integer> {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_REFUSED = 3;
    private static final Pattern DIGITS = Pattern.compile("^[0-9]{1,19}$");
    /** The library's words for a missing setting, and the command's. */
    private static final Map<String, String> MISSING = Map.of(
            "no account id", "--account or CLOUDFLARE_ACCOUNT_ID is required (the Cloudflare account id)",
            "no bucket", "--bucket or R2_BUCKET is required",
            "no name suffix", "--name-suffix is required (the Worker module's name_suffix, e.g. prod)",
            "no API token", "CLOUDFLARE_API_TOKEN is not set (a token with Queues write and Workers R2 Storage "
                    + "write)");

    private final Main.Cli cli;

    @Option(names = "--account", paramLabel = "ACCOUNT_ID",
            description = "The Cloudflare account id (default: CLOUDFLARE_ACCOUNT_ID).")
    String account;

    @Option(names = "--bucket", paramLabel = "BUCKET", description = "The R2 bucket (default: R2_BUCKET).")
    String bucket;

    @Option(names = "--name-suffix", paramLabel = "SUFFIX",
            description = "The module's name_suffix, 3-12 lowercase letters and digits (required).")
    String nameSuffix;

    @Option(names = "--prefix", paramLabel = "KEY_PREFIX",
            description = "Only keys starting with this are announced (default: R2_PREFIX, else every key).")
    String prefix;

    @Option(names = "--suffix", paramLabel = "KEY_SUFFIX",
            description = "Only keys ending with this are announced (default: every key).")
    String suffix = "";

    @Option(names = "--max-file-size", paramLabel = "BYTES",
            description = "The largest object, 1 to 5368709120 (default: ROOTKEY_MAX_FILE_SIZE_BYTES, else "
                    + "MAX_FILE_SIZE_BYTES, else 524288000).")
    String maxFileSize;

    @Option(names = "--min-bandwidth", paramLabel = "BYTES_PER_SECOND",
            description = "The slowest upload the lease must allow for the largest object (default 1048576): the "
                    + "lease is the upload time plus a quarter, at least 60 s, at most 12 h.")
    String minBandwidth;

    @Option(names = "--jurisdiction", paramLabel = "eu|fedramp|us",
            description = "The bucket's jurisdiction (default: R2_JURISDICTION, else none).")
    String jurisdiction;

    @Option(names = "--dry-run", description = "Print the plan and change nothing.")
    boolean dryRun;

    @Option(names = "--replace-worker-consumer",
            description = "Delete a Worker consumer of the queues (the R2 Worker's) and add the HTTP pull one; "
                    + "without it such a queue is refused. See docs/MIGRATING.md.")
    boolean replaceWorkerConsumer;

    ProvisionCommand(Main.Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        List<String> problems = new ArrayList<>();
        Provisioner.Builder builder = builder(problems);
        for (String problem : builder.problems()) {
            problems.add(MISSING.entrySet().stream().filter(m -> problem.startsWith(m.getKey()))
                    .map(Map.Entry::getValue).findFirst().orElse(problem));
        }
        if (!problems.isEmpty()) {
            cli.err().println("Cannot provision: " + problems.size() + (problems.size() == 1 ? " problem" : " problems")
                    + ":");
            problems.forEach(p -> cli.err().println("  " + p));
            return EXIT_USAGE;
        }
        Provisioner provisioner = builder.onStep(step -> {
            if (step.action() == ProvisionPlan.Action.CREATE || step.action() == ProvisionPlan.Action.UPDATE) {
                cli.err().println("applied: " + step.action().word() + " " + step.name());
            }
        }).build();
        ProvisionPlan plan;
        try {
            plan = dryRun ? provisioner.plan() : provisioner.apply();
        } catch (IOException | ConnectorException e) {
            cli.err().println("provision stopped: " + e.getMessage());
            if (!dryRun) {
                cli.err().println("The steps listed as applied above were made; run provision again to finish: it "
                        + "reads what exists and does only the rest.");
            }
            // a missing account or bucket is a setting to fix; a refused token or a failing API is not
            return e instanceof ConfigurationException && !(e instanceof AccessRefusedException) ? EXIT_USAGE
                    : EXIT_FAILED;
        }
        cli.out().print(plan.render());
        cli.out().flush();
        return plan.refused() ? EXIT_REFUSED : EXIT_OK;
    }

    /** The builder from the options and the environment; option values that do not parse go to {@code problems}. */
    private Provisioner.Builder builder(List<String> problems) {
        Map<String, String> env = cli.env();
        Provisioner.Builder b = Provisioner.builder().replaceWorkerConsumer(replaceWorkerConsumer);
        value(account, env, "CLOUDFLARE_ACCOUNT_ID").ifPresent(b::accountId);
        value(bucket, env, "R2_BUCKET").ifPresent(b::bucket);
        if (nameSuffix != null) {
            b.nameSuffix(nameSuffix);
        }
        value(prefix, env, "R2_PREFIX").ifPresent(b::prefix);
        b.suffix(suffix);
        value(null, env, "CLOUDFLARE_API_TOKEN").ifPresent(token -> b.apiToken(Secret.of(token)));
        boolean insecure = value(null, env, "ROOTKEY_ALLOW_INSECURE_LOOPBACK").map("true"::equalsIgnoreCase)
                .orElse(false);
        b.allowInsecureLoopbackForTesting(insecure);
        value(null, env, "CLOUDFLARE_API_BASE_URL").ifPresent(url -> {
            try {
                b.baseUrl(new URI(url));
            } catch (URISyntaxException e) {
                problems.add("CLOUDFLARE_API_BASE_URL is not a valid URL (got " + LogSafe.quoted(url) + ")");
            }
        });
        Optional<String> size = Optional.ofNullable(maxFileSize).or(() -> maxFileSizeFromEnvironment(env, problems));
        size.ifPresent(s -> number(s, "--max-file-size", problems).ifPresent(b::maxFileSizeBytes));
        Optional.ofNullable(minBandwidth)
                .ifPresent(s -> number(s, "--min-bandwidth", problems).ifPresent(b::minBandwidthBytesPerSecond));
        value(jurisdiction, env, "R2_JURISDICTION").ifPresent(j -> {
            try {
                b.jurisdiction(Jurisdiction.fromWireName(j));
            } catch (IllegalArgumentException e) {
                problems.add("--jurisdiction must be one of eu, fedramp, us (got " + LogSafe.quoted(j) + ")");
            }
        });
        return b;
    }

    /** The size limit {@code run} would read: {@code R2ConnectorConfig}'s rule for the two variable names. */
    private static Optional<String> maxFileSizeFromEnvironment(Map<String, String> env, List<String> problems) {
        Optional<String> ours = value(null, env, "ROOTKEY_MAX_FILE_SIZE_BYTES");
        Optional<String> workers = value(null, env, "MAX_FILE_SIZE_BYTES");
        if (ours.isPresent() && workers.isPresent()
                && !number(ours.get(), "ROOTKEY_MAX_FILE_SIZE_BYTES", new ArrayList<>())
                .equals(number(workers.get(), "MAX_FILE_SIZE_BYTES", new ArrayList<>()))) {
            problems.add("ROOTKEY_MAX_FILE_SIZE_BYTES and MAX_FILE_SIZE_BYTES (the R2 Worker's name for it) are both "
                    + "set, to different values: unset one, or pass --max-file-size");
            return Optional.empty();
        }
        return ours.or(() -> workers);
    }

    private static Optional<String> value(String option, Map<String, String> env, String variable) {
        if (option != null) {
            return Optional.of(option);
        }
        String v = env.get(variable);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v);
    }

    private static Optional<Long> number(String value, String name, List<String> problems) {
        if (DIGITS.matcher(value).matches()) {
            try {
                return Optional.of(Long.parseLong(value));
            } catch (NumberFormatException e) {
                // too large: reported below
            }
        }
        problems.add(name + " must be a whole number (got " + LogSafe.quoted(value) + ")");
        return Optional.empty();
    }
}
