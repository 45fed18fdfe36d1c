package ai.rootkey.connector.testkit.internal;

import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.FakeRootkeyApi;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** The command line of {@link FakeRootkeyApi#main(String[])}: options and environment. */
public final class FakeApiMain {
    public static final String USAGE = "usage: FakeRootkeyApi [--port N] [--api-key KEY] [--seed N] "
            + "[--fault-rate 0..1] [--max-retained-bytes N]";
    /** What {@code --fault-rate} draws from: 429 with {@code Retry-After: 1}, 503, a reset mid-body. */
    public static final List<Fault> FAULT_MIX = List.of(Fault.status(429, Duration.ofSeconds(1)), Fault.status(503),
            Fault.resetMidBody());

    private static final List<String> KNOWN = List.of("--port", "--api-key", "--seed", "--fault-rate",
            "--max-retained-bytes");

    private FakeApiMain() {
    }

    /**
     * The options, from the command line (which wins) and the environment: {@code --port}
     * ({@code FAKE_ROOTKEY_API_PORT}), {@code --api-key} ({@code ROOTKEY_API_KEY}), {@code --seed}
     * ({@code FAKE_ROOTKEY_API_SEED}), {@code --fault-rate} ({@code FAKE_ROOTKEY_API_FAULT_RATE}),
     * {@code --max-retained-bytes}.
     */
    public record Options(Optional<Integer> port, Optional<String> apiKey, OptionalLong seed, double faultRate,
                          OptionalLong maxRetainedBytes) {
    }

    /**
     * Parses {@code args} ({@code --name value} or {@code --name=value}) and {@code env}.
     *
     * @throws IllegalArgumentException for an unknown or incomplete option or a bad number, with the usage
     */
    public static Options parse(String[] args, Map<String, String> env) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            }
            if (!KNOWN.contains(arg) || value == null) {
                throw new IllegalArgumentException(USAGE + "; unknown or incomplete option: " + args[i]);
            }
            options.put(arg, value);
        }
        Optional<Integer> port = option(options, env, "--port", "FAKE_ROOTKEY_API_PORT").map(v -> parseInt(v, "port"));
        Optional<String> apiKey = option(options, env, "--api-key", "ROOTKEY_API_KEY");
        OptionalLong seed = option(options, env, "--seed", "FAKE_ROOTKEY_API_SEED")
                .map(v -> OptionalLong.of(parseLong(v, "seed"))).orElse(OptionalLong.empty());
        double rate = option(options, env, "--fault-rate", "FAKE_ROOTKEY_API_FAULT_RATE")
                .map(v -> parseDouble(v, "fault-rate")).orElse(0.0);
        OptionalLong retained = Optional.ofNullable(options.get("--max-retained-bytes"))
                .map(v -> OptionalLong.of(parseLong(v, "max-retained-bytes"))).orElse(OptionalLong.empty());
        return new Options(port, apiKey, seed, rate, retained);
    }

    private static Optional<String> option(Map<String, String> options, Map<String, String> env, String name,
                                           String variable) {
        String value = options.get(name);
        if (value == null) {
            value = env.get(variable);
        }
        return Optional.ofNullable(value).filter(v -> !v.isBlank());
    }

    private static int parseInt(String value, String name) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, was " + value);
        }
    }

    private static long parseLong(String value, String name) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, was " + value);
        }
    }

    private static double parseDouble(String value, String name) {
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, was " + value);
        }
    }
}
