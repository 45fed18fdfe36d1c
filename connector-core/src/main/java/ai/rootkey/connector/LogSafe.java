package ai.rootkey.connector;

/**
 * Makes user data (object keys, message bodies, server replies) safe to put in a log line or an exception
 * message: one line, no way to forge log structure. Object keys are user data; the connector prints every key
 * through this class, and listeners that log keys should too.
 *
 * <pre>{@code
 * log.info("anchored key={}", LogSafe.quoted(outcome.source().orElseThrow().key()));
 * }</pre>
 */
public final class LogSafe {
    /** Longest value printed by default; longer ones are cut and marked with their length. */
    public static final int MAX_CHARS = 2048;

    private LogSafe() {
    }

    /**
     * Escapes {@code value} so that it prints on one line and cannot forge log structure: backslash and double
     * quote are backslash-escaped, CR/LF/TAB become {@code \r \n \t}, and every other control, format
     * (e.g. right-to-left marks), separator or unpaired surrogate character becomes {@code \}{@code uXXXX}.
     * Printable Unicode (accents, CJK, emoji) is kept. Values over {@value #MAX_CHARS} characters are cut.
     */
    public static String escape(String value) {
        return escape(value, MAX_CHARS);
    }

    /** {@link #escape(String)} with a different length limit. */
    public static String escape(String value, int maxChars) {
        if (maxChars < 1) {
            throw new IllegalArgumentException("maxChars must be positive, was " + maxChars);
        }
        if (value == null) {
            return "null";
        }
        int limit = Math.min(value.length(), maxChars);
        StringBuilder out = null;
        for (int i = 0; i < limit; i++) {
            char c = value.charAt(i);
            String replacement = replacementFor(value, i, limit, c);
            if (replacement != null && out == null) {
                out = new StringBuilder(limit + 16).append(value, 0, i);
            }
            if (out != null) {
                if (replacement != null) {
                    out.append(replacement);
                } else {
                    out.append(c);
                }
            }
        }
        if (out == null && limit == value.length()) {
            return value;
        }
        if (out == null) {
            out = new StringBuilder(value.substring(0, limit));
        }
        if (limit < value.length()) {
            out.append("...(").append(value.length()).append(" chars)");
        }
        return out.toString();
    }

    /** {@code "escaped"}: the escaped value in double quotes ({@code null} unquoted). */
    public static String quoted(String value) {
        return quoted(value, MAX_CHARS);
    }

    /** {@link #quoted(String)} with a different length limit. */
    public static String quoted(String value, int maxChars) {
        return value == null ? "null" : '"' + escape(value, maxChars) + '"';
    }

    private static String replacementFor(String s, int i, int limit, char c) {
        switch (c) {
            case '\\':
                return "\\\\";
            case '"':
                return "\\\"";
            case '\n':
                return "\\n";
            case '\r':
                return "\\r";
            case '\t':
                return "\\t";
            default:
                break;
        }
        if (Character.isHighSurrogate(c)) {
            return i + 1 < limit && Character.isLowSurrogate(s.charAt(i + 1)) ? null : unicode(c);
        }
        if (Character.isLowSurrogate(c)) {
            return i > 0 && Character.isHighSurrogate(s.charAt(i - 1)) ? null : unicode(c);
        }
        int type = Character.getType(c);
        if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || type == Character.UNASSIGNED
                || type == Character.PRIVATE_USE) {
            return unicode(c);
        }
        return null;
    }

    private static String unicode(char c) {
        return String.format("\\u%04x", (int) c);
    }
}
