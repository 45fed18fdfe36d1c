package ai.rootkey.connector.cli;

import ai.rootkey.connector.r2.R2ConnectorConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The runnable connector. With Cloudflare settings in the environment it runs the real connector ({@code run});
 * with none it runs the self-contained demo on local stand-ins ({@code demo}).
 */
@Command(name = "rootkey-connector",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Anchors files that land in a Cloudflare R2 bucket into a ROOTKey vault.",
            "Without a command: 'run' when CLOUDFLARE_* / R2_* variables are set, otherwise 'demo'."},
        subcommands = {RunCommand.class, DemoCommand.class, ProvisionCommand.class, DlqCommand.class,
            BackfillCommand.class, DoctorCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {
    private final Cli cli;

    Main(Cli cli) {
        this.cli = cli;
    }

    public static void main(String[] args) {
        // This process owns its JVM: let the JDK HttpServer (the health endpoints, the demo's loopback fakes) send
        // each reply without waiting ~40 ms for a delayed ACK, unless the user chose otherwise.
        System.getProperties().putIfAbsent("sun.net.httpserver.nodelay", "true");
        System.exit(execute(args, new Cli(System.getenv(), System.out, System.err)));
    }

    /** Runs the command line with the given environment and output streams; returns the exit code. */
    static int execute(String[] args, Cli cli) {
        CommandLine commandLine = new CommandLine(new Main(cli), cli.factory());
        commandLine.setOut(new java.io.PrintWriter(cli.out(), true));
        commandLine.setErr(new java.io.PrintWriter(cli.err(), true));
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        return commandLine.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        if (R2ConnectorConfig.isConfigured(cli.env())) {
            return new RunCommand(cli).call();
        }
        cli.err().println("No CLOUDFLARE_* or R2_* settings in the environment: running the local demo "
                + "(see --help for 'run').");
        return new DemoCommand(cli).call();
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"rootkey-connector " + (version == null ? "development build" : version)};
        }
    }

    /** What a command may use from the outside world: environment and output streams. */
    record Cli(Map<String, String> env, PrintStream out, PrintStream err) {
        CommandLine.IFactory factory() {
            CommandLine.IFactory defaults = CommandLine.defaultFactory();
            return new CommandLine.IFactory() {
                @Override
                public <K> K create(Class<K> type) throws Exception {
                    try {
                        return type.getDeclaredConstructor(Cli.class).newInstance(Cli.this);
                    } catch (NoSuchMethodException e) {
                        return defaults.create(type);
                    }
                }
            };
        }
    }
}
