package ai.rootkey.connector.r2.internal;

/**
 * Takes a secret out of text a server sent back, before that text goes into a receipt, an exception message or a
 * log line. Some servers echo the credential they refused ("invalid API key abc123", a proxy quoting the
 * Authorization header); the SDK must not repeat it.
 */
public final class Redaction {
    /** What a secret is replaced with. */
    public static final String MARK = "[redacted]";
    /** The shortest tail that counts as the start of a cut-off secret. */
    private static final int MIN_TAIL = 4;

    private Redaction() {
    }

    /**
     * {@code text} with every occurrence of {@code secret} replaced by {@value #MARK}, and a tail that is the
     * beginning of {@code secret} (a reply cut to a length limit in the middle of it) replaced too. Null or empty
     * text comes back as it is.
     */
    public static String redact(String text, String secret) {
        if (text == null || text.isEmpty() || secret == null || secret.isEmpty()) {
            return text;
        }
        String out = text.replace(secret, MARK);
        for (int n = Math.min(secret.length() - 1, out.length()); n >= MIN_TAIL; n--) {
            if (out.regionMatches(out.length() - n, secret, 0, n)) {
                return out.substring(0, out.length() - n) + MARK;
            }
        }
        return out;
    }
}
