package ai.rootkey.connector.testkit.internal;

/** Makes user data (keys, file names) safe for one line of output: control and format characters escaped. */
public final class Printable {
    private Printable() {
    }

    /** {@code value} with backslash, control, format and unpaired surrogate characters as {@code \}{@code uXXXX}. */
    public static String escape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            int type = Character.getType(c);
            boolean pairedSurrogate = Character.isHighSurrogate(c) && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1));
            if (pairedSurrogate) {
                out.append(c).append(value.charAt(++i));
            } else if (c == '\\' || type == Character.CONTROL || type == Character.FORMAT
                    || type == Character.SURROGATE || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
