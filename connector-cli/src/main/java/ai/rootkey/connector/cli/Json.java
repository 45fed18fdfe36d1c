package ai.rootkey.connector.cli;

/** A flat JSON object written by hand: the health endpoints need strings, numbers and booleans, nothing nested. */
final class Json {
    private final StringBuilder out = new StringBuilder(256).append('{');
    private boolean first = true;

    Json put(String name, String value) {
        key(name);
        quote(value);
        return this;
    }

    Json put(String name, long value) {
        key(name);
        out.append(value);
        return this;
    }

    Json put(String name, boolean value) {
        key(name);
        out.append(value);
        return this;
    }

    @Override
    public String toString() {
        return out + "}";
    }

    private void key(String name) {
        if (!first) {
            out.append(',');
        }
        first = false;
        quote(name);
        out.append(':');
    }

    /** RFC 8259 string: quote, backslash and control characters escaped; everything else as is. */
    private void quote(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                default:
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }
}
