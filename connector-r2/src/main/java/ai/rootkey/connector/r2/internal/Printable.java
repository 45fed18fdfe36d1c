package ai.rootkey.connector.r2.internal;

/** Makes user data (object keys, setting values) safe to put in an exception message or a log line. */
public final class Printable {
    /** Longest value shown; longer ones are cut and marked with their length. */
    static final int MAX_CHARS = 256;

    private Printable() {
    }

    /**
     * {@code value} in double quotes, on one line: backslash and double quote are backslash-escaped, CR, LF and
     * TAB become {@code \r \n \t}, other control, format, separator and unpaired surrogate characters become
     * {@code \}{@code uXXXX}. Printable Unicode (accents, CJK, emoji) is kept. Values over {@value #MAX_CHARS}
     * characters are cut.
     */
    public static String quote(String value) {
        if (value == null) {
            return "null";
        }
        int limit = Math.min(value.length(), MAX_CHARS);
        StringBuilder out = new StringBuilder(limit + 8).append('"');
        for (int i = 0; i < limit; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (needsEscape(value, i, limit, c)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
        if (limit < value.length()) {
            out.append("...(").append(value.length()).append(" chars)");
        }
        return out.toString();
    }

    private static boolean needsEscape(String s, int i, int limit, char c) {
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= limit || !Character.isLowSurrogate(s.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
        }
        int type = Character.getType(c);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || type == Character.UNASSIGNED
                || type == Character.PRIVATE_USE;
    }
}
