package ai.rootkey.connector.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code --name value} options of one benchmark command; unknown names are an error. */
final class Options {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, String> defaults;

    private Options(Map<String, String> defaults) {
        this.defaults = defaults;
    }

    /**
     * Parses {@code args} against {@code defaults} (name without dashes to default value).
     *
     * @throws IllegalArgumentException for an unknown option or a missing value
     */
    static Options parse(List<String> args, Map<String, String> defaults) {
        Options options = new Options(defaults);
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("expected --option, got " + arg);
            }
            String name = arg.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
            if (!defaults.containsKey(name)) {
                throw new IllegalArgumentException("unknown option --" + name + "; known: " + defaults.keySet());
            }
            options.values.put(name, value);
        }
        return options;
    }

    String string(String name) {
        if (!defaults.containsKey(name)) {
            throw new IllegalStateException("undeclared option " + name);
        }
        return values.getOrDefault(name, defaults.get(name));
    }

    int integer(String name) {
        return Integer.parseInt(string(name).replace("_", ""));
    }

    long size(String name) {
        return Sizes.parse(string(name));
    }

    List<Integer> integers(String name) {
        List<Integer> out = new ArrayList<>();
        for (String part : string(name).split(",")) {
            out.add(Integer.parseInt(part.trim().replace("_", "").replace("k", "000")));
        }
        return out;
    }

    /** The effective values, for the report header. */
    String describe() {
        StringBuilder s = new StringBuilder();
        for (String name : defaults.keySet()) {
            s.append(s.length() == 0 ? "" : " ").append("--").append(name).append(' ').append(string(name));
        }
        return s.toString();
    }
}
