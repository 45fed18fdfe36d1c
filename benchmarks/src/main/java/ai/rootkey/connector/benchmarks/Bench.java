package ai.rootkey.connector.benchmarks;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The benchmarks' command line: {@code java -jar benchmarks/target/benchmarks.jar COMMAND [--option value ...]}.
 * Every command measures its baseline in the same run and prints (and saves) a Markdown report; see BENCHMARKS.md.
 */
public final class Bench {
    private static final String USAGE = String.join("\n",
            "usage: java -jar benchmarks/target/benchmarks.jar COMMAND [--option value ...]",
            "  b1       engine overhead (JMH): no-op read and upload, events/s and receive-to-settle latency",
            "  b2       4 KiB objects end to end on loopback, sweep of concurrency, against a bare loop",
            "  scaling  b2 at 1k, 10k and 50k objects: throughput and retained memory must stay flat",
            "  b3       one big generated object (default 2 GiB), servers in their own processes, connector at -Xmx64m",
            "  b4       scale-out: 1 vs 2 connector instances on one queue, API with 20 ms latency",
            "  b5       latency bound: fixed latency on every call (profiles A and B), connector and Worker-shaped",
            "           baseline against Little's law (concurrency / service time) at concurrency 4, 16, 64, 256",
            "  help     this text; COMMAND --help lists a command's options and defaults");

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        // The loopback fakes run on the JDK HttpServer: without TCP_NODELAY each reply waits ~40 ms for a delayed
        // ACK. The test kit leaves this JVM-wide switch to the program that owns the JVM: this one.
        System.getProperties().putIfAbsent("sun.net.httpserver.nodelay", "true");
        // The JDK server closes a connection as it goes idle once 200 others are idle (JDK 17's default), and a
        // client that reuses it meets a reset: B5 at concurrency 256 keeps more than 200 connections per fake open.
        System.getProperties().putIfAbsent("sun.net.httpserver.maxIdleConnections", "4096");
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
            System.out.println(USAGE);
            return;
        }
        String command = args[0];
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        Map<String, String> defaults;
        switch (command) {
            case "b1":
                defaults = EngineOverhead.defaults();
                break;
            case "b2":
                defaults = SmallObjects.defaults();
                break;
            case "scaling":
                defaults = SmallObjects.scalingDefaults();
                break;
            case "b3":
                defaults = BigObject.defaults();
                break;
            case "b4":
                defaults = ScaleOut.defaults();
                break;
            case "b5":
                defaults = LatencyBound.defaults();
                break;
            default:
                System.err.println("unknown command " + command + "\n" + USAGE);
                System.exit(2);
                return;
        }
        if (rest.contains("--help")) {
            if (command.equals("b5")) {
                System.out.println(LatencyBound.HELP);
            }
            System.out.println(command + " options (defaults): " + defaults);
            return;
        }
        Options options;
        try {
            options = Options.parse(rest, defaults);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        String line = "java -jar benchmarks/target/benchmarks.jar " + command + " " + options.describe();
        switch (command) {
            case "b1":
                EngineOverhead.run(options, line);
                break;
            case "b2":
                SmallObjects.sweep(options, line);
                break;
            case "scaling":
                SmallObjects.scaling(options, line);
                break;
            case "b3":
                BigObject.run(options, line);
                break;
            case "b5":
                LatencyBound.run(options, line);
                break;
            default:
                ScaleOut.run(options, line);
                break;
        }
        System.exit(0); // the fakes and clients leave daemon and non-daemon threads behind
    }
}
