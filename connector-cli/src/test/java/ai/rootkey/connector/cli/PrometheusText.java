package ai.rootkey.connector.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4 (prometheus.io/docs/instrumenting/exposition_formats):
 * {@code # HELP}/{@code # TYPE} comments and sample lines {@code name{label="value",...} value [timestamp]}. Any line
 * it does not understand fails the parse, so a test that parses a scrape also checks that it is well formed.
 */
final class PrometheusText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") .*");

    /** One sample: metric name, labels in order, value. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;
    private final Map<String, String> types;

    private PrometheusText(List<Sample> samples, Map<String, String> types) {
        this.samples = samples;
        this.types = types;
    }

    static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new HashMap<>();
        int lineNumber = 0;
        for (String line : text.split("\n", -1)) {
            lineNumber++;
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                Matcher type = TYPE.matcher(line);
                if (type.matches()) {
                    types.put(type.group(1), type.group(2));
                } else if (!HELP.matcher(line).matches()) {
                    throw new IllegalArgumentException("line " + lineNumber + ": unknown comment: " + line);
                }
                continue;
            }
            samples.add(sample(line, lineNumber));
        }
        return new PrometheusText(List.copyOf(samples), Map.copyOf(types));
    }

    private static Sample sample(String line, int lineNumber) {
        Matcher name = NAME.matcher(line);
        if (!name.lookingAt()) {
            throw new IllegalArgumentException("line " + lineNumber + ": no metric name: " + line);
        }
        int i = name.end();
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                Matcher label = LABEL_NAME.matcher(line).region(i, line.length());
                if (!label.lookingAt() || line.charAt(label.end()) != '=' || line.charAt(label.end() + 1) != '"') {
                    throw new IllegalArgumentException("line " + lineNumber + ": bad label at " + i + ": " + line);
                }
                i = label.end() + 2;
                StringBuilder value = new StringBuilder();
                while (line.charAt(i) != '"') {
                    char c = line.charAt(i++);
                    if (c == '\\') {
                        char e = line.charAt(i++);
                        value.append(e == 'n' ? '\n' : e);
                    } else {
                        value.append(c);
                    }
                }
                i++;
                if (labels.put(label.group(), value.toString()) != null) {
                    throw new IllegalArgumentException("line " + lineNumber + ": repeated label: " + line);
                }
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw new IllegalArgumentException("line " + lineNumber + ": no space before the value: " + line);
        }
        String[] rest = line.substring(i + 1).split(" ");
        if (rest.length < 1 || rest.length > 2) {
            throw new IllegalArgumentException("line " + lineNumber + ": value [timestamp] expected: " + line);
        }
        return new Sample(name.group(), Map.copyOf(labels), value(rest[0], lineNumber));
    }

    private static double value(String s, int lineNumber) {
        switch (s) {
            case "NaN": return Double.NaN;
            case "+Inf": return Double.POSITIVE_INFINITY;
            case "-Inf": return Double.NEGATIVE_INFINITY;
            default:
                try {
                    return Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("line " + lineNumber + ": bad value: " + s, e);
                }
        }
    }

    List<Sample> samples() {
        return samples;
    }

    /** The {@code # TYPE} of a metric family, if declared. */
    Optional<String> type(String family) {
        return Optional.ofNullable(types.get(family));
    }

    /** The value of the one sample named {@code name} whose labels include {@code labels}. */
    Optional<Double> value(String name, Map<String, String> labels) {
        List<Sample> matching = samples.stream()
                .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
                .toList();
        if (matching.size() > 1) {
            throw new IllegalStateException(matching.size() + " samples match " + name + labels + ": " + matching);
        }
        return matching.stream().findFirst().map(Sample::value);
    }
}
