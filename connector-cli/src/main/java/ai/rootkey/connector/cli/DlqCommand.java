package ai.rootkey.connector.cli;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.LogSafe;
import ai.rootkey.connector.r2.DeadLetterQueue;
import ai.rootkey.connector.r2.R2ConnectorConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code dlq peek} and {@code dlq replay}. */
@Command(name = "dlq",
        mixinStandardHelpOptions = true,
        description = {
            "Looks at and replays the dead-letter queue (R2_DLQ_ID): messages the queue gave up on after max_retries.",
            "Use 'dlq peek' to list them and 'dlq replay' to send them back to the event queue (R2_QUEUE_ID)."},
        subcommands = {DlqCommand.Peek.class, DlqCommand.Replay.class, CommandLine.HelpCommand.class})
final class DlqCommand implements Callable<Integer> {
    private final Main.Cli cli;

    DlqCommand(Main.Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        cli.err().println("Missing command: dlq peek or dlq replay (see dlq --help).");
        return 2;
    }

    /** Opens the dead-letter queue from the environment, or prints why it cannot. */
    static Optional<DeadLetterQueue> open(Main.Cli cli) {
        Optional<R2ConnectorConfig> config = Environment.config(cli);
        if (config.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(DeadLetterQueue.fromConfig(config.get()));
        } catch (ConfigurationException | IllegalArgumentException | IllegalStateException e) {
            cli.err().println("Cannot open the dead-letter queue: " + e.getMessage());
            return Optional.empty();
        }
    }

    static String age(Duration age) {
        long s = age.toSeconds();
        if (s < 10) {
            return String.format(java.util.Locale.ROOT, "%.1f s", age.toMillis() / 1000.0);
        }
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return (s / 60) + " min";
        }
        if (s < 172_800) {
            return (s / 3600) + " h";
        }
        return (s / 86_400) + " d";
    }

    @Command(name = "peek",
            mixinStandardHelpOptions = true,
            description = {
                "Lists dead-lettered messages (in the order a pull would hand them out) with their key, attempts and",
                "age, through Cloudflare's messages/peek: nothing is leased and no attempt is counted. One peek sees",
                "the first 100 messages."})
    static final class Peek implements Callable<Integer> {
        private final Main.Cli cli;

        @Option(names = "--prefix", paramLabel = "KEY_PREFIX", description = "Only keys starting with this.")
        String prefix = "";

        @Option(names = "--limit", paramLabel = "N", description = "Show at most N messages (default ${DEFAULT-VALUE}).")
        int limit = 20;

        Peek(Main.Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            if (limit < 1) {
                cli.err().println("--limit must be at least 1");
                return 2;
            }
            Optional<DeadLetterQueue> opened = open(cli);
            if (opened.isEmpty()) {
                return 2;
            }
            try (DeadLetterQueue dlq = opened.get()) {
                List<DeadLetterQueue.DeadLetter> letters = dlq.peek(prefix, limit);
                Instant now = Clock.systemUTC().instant();
                String format = "%-8s  %8s  %-34s  %s%n";
                cli.out().printf(format, "AGE", "ATTEMPTS", "MESSAGE ID", "KEY");
                for (DeadLetterQueue.DeadLetter letter : letters) {
                    cli.out().printf(format, age(letter.age(now)), letter.attempts(), letter.messageId(),
                            letter.key().map(LogSafe::escape)
                                    .orElse("(not an event: " + letter.problem().orElse("?") + ")"));
                }
                cli.out().println(letters.size() + " message(s) shown" + (prefix.isEmpty() ? ""
                        : " with keys starting " + LogSafe.quoted(prefix)) + " from dead-letter queue " + dlq.id()
                        + " (peeked: not leased, no attempt counted).");
                return 0;
            } catch (IOException | ConfigurationException e) {
                cli.err().println("dlq peek failed: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "replay",
            mixinStandardHelpOptions = true,
            description = {
                "Sends dead-lettered messages back to the event queue: pulls from the dead-letter queue, publishes",
                "each body to R2_QUEUE_ID as json, and acks it from the dead-letter queue only after the publish",
                "succeeded. Interrupted at any point, a message ends in one queue or (duplicated) in both, never in",
                "neither. Messages not replayed are handed back with a retry of delay 0, which counts one attempt;",
                "a message on its dead-letter consumer's last delivery is published to the dead-letter queue again",
                "instead, when the token may read that consumer's max_retries."})
    static final class Replay implements Callable<Integer> {
        private final Main.Cli cli;

        @Option(names = "--prefix", paramLabel = "KEY_PREFIX", description = "Only keys starting with this.")
        String prefix = "";

        @Option(names = "--limit", paramLabel = "N", description = "Replay at most N messages (default: all).")
        Integer limit;

        @Option(names = "--dry-run", description = "Count what would be replayed; publish and ack nothing.")
        boolean dryRun;

        Replay(Main.Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            if (limit != null && limit < 1) {
                cli.err().println("--limit must be at least 1");
                return 2;
            }
            Optional<DeadLetterQueue> opened = open(cli);
            if (opened.isEmpty()) {
                return 2;
            }
            String verb = dryRun ? "would replay" : "replayed";
            try (DeadLetterQueue dlq = opened.get()) {
                DeadLetterQueue.Replay replay = dlq.replay().keyPrefix(prefix).dryRun(dryRun)
                        .onProgress(p -> cli.out().println(line(p, verb)));
                if (limit != null) {
                    replay.limit(limit);
                }
                DeadLetterQueue.ReplayReport report = replay.run();
                cli.out().println((dryRun ? "Dry run: " : "Done: ") + line(report, verb) + " in "
                        + age(report.elapsed()) + (dryRun ? "; nothing was published or acked." : "."));
                return 0;
            } catch (IOException | ConfigurationException e) {
                cli.err().println("dlq replay stopped: " + e.getMessage());
                cli.err().println("Nothing is lost: what was acked is in the event queue; everything else is in the "
                        + "dead-letter queue again once its lease ends. Run the replay again.");
                return 1;
            }
        }

        private static String line(DeadLetterQueue.ReplayReport p, String verb) {
            return verb + " " + p.replayed() + ", examined " + p.examined() + ", left " + p.filteredOut()
                    + " (other prefix), " + p.unreplayable() + " not replayable";
        }
    }
}
