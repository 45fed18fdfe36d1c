package ai.rootkey.connector.internal;

import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.LogSafe;
import ai.rootkey.connector.ObjectEvent;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The built-in {@link EventFilter}s, each with a readable {@code toString()}. */
public final class Filters {
    public static final EventFilter ALL = new Described(e -> true, "all()");

    private Filters() {
    }

    public static EventFilter and(EventFilter a, EventFilter b) {
        if (a == ALL) {
            return b;
        }
        if (b == ALL) {
            return a;
        }
        return new Described(e -> a.accepts(e) && b.accepts(e), a + " and " + b);
    }

    public static EventFilter or(EventFilter a, EventFilter b) {
        return new Described(e -> a.accepts(e) || b.accepts(e), "(" + a + " or " + b + ")");
    }

    public static EventFilter not(EventFilter a) {
        return new Described(e -> !a.accepts(e), "not(" + a + ")");
    }

    public static EventFilter prefix(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        return new Described(e -> e.key().startsWith(prefix), "prefix(" + quote(prefix) + ")");
    }

    public static EventFilter suffix(String suffix) {
        Objects.requireNonNull(suffix, "suffix");
        return new Described(e -> e.key().endsWith(suffix), "suffix(" + quote(suffix) + ")");
    }

    public static EventFilter glob(String glob) {
        Pattern pattern = Pattern.compile(globToRegex(Objects.requireNonNull(glob, "glob")), Pattern.DOTALL);
        return new Described(e -> pattern.matcher(e.key()).matches(), "glob(" + quote(glob) + ")");
    }

    public static EventFilter regex(Pattern pattern) {
        Objects.requireNonNull(pattern, "pattern");
        return new Described(e -> pattern.matcher(e.key()).find(), "regex(" + quote(pattern.pattern()) + ")");
    }

    public static EventFilter sizeRange(long minBytes, long maxBytes) {
        if (minBytes < 0 || maxBytes < minBytes) {
            throw new IllegalArgumentException("sizeRange needs 0 <= minBytes <= maxBytes, was [" + minBytes + ", "
                    + maxBytes + "]");
        }
        return new Described(e -> {
            if (e.size().isEmpty()) {
                return true;
            }
            long size = e.size().getAsLong();
            return size >= minBytes && size <= maxBytes;
        }, "sizeRange(" + minBytes + ", " + maxBytes + ")");
    }

    public static EventFilter actions(EnumSet<EventAction> actions) {
        Set<EventAction> copy = EnumSet.copyOf(actions);
        String names = copy.stream().map(EventAction::wireName).collect(Collectors.joining(", "));
        return new Described(e -> copy.contains(e.action()), "actions(" + names + ")");
    }

    /**
     * Translates a glob into a regular expression: {@code **} crosses {@code /}, {@code *} and {@code ?} do not,
     * {@code {a,b}} alternates, everything else is literal.
     */
    static String globToRegex(String glob) {
        StringBuilder regex = new StringBuilder(glob.length() * 2);
        int braces = 0;
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*':
                    if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                        i++;
                        if (i + 1 < glob.length() && glob.charAt(i + 1) == '/') {
                            // "**/" also matches no directory at all
                            i++;
                            regex.append("(?:.*/)?");
                        } else {
                            regex.append(".*");
                        }
                    } else {
                        regex.append("[^/]*");
                    }
                    break;
                case '?':
                    regex.append("[^/]");
                    break;
                case '{':
                    braces++;
                    regex.append("(?:");
                    break;
                case '}':
                    if (braces == 0) {
                        throw new IllegalArgumentException("glob has '}' without '{': " + glob);
                    }
                    braces--;
                    regex.append(')');
                    break;
                case ',':
                    regex.append(braces > 0 ? "|" : ",");
                    break;
                default:
                    regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        if (braces != 0) {
            throw new IllegalArgumentException("glob has '{' without '}': " + glob);
        }
        return regex.toString();
    }

    private static String quote(String s) {
        return '"' + LogSafe.escape(s) + '"';
    }

    /** A filter with a description. */
    private static final class Described implements EventFilter {
        private final EventFilter delegate;
        private final String description;

        Described(EventFilter delegate, String description) {
            this.delegate = delegate;
            this.description = description;
        }

        @Override
        public boolean accepts(ObjectEvent event) {
            return delegate.accepts(event);
        }

        @Override
        public String toString() {
            return description;
        }
    }
}
