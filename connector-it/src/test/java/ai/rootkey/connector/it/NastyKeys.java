package ai.rootkey.connector.it;

import java.util.List;

/**
 * Object keys that break naive code: control characters (CR, LF, NUL, TAB, DEL), quotes, backslashes,
 * {@code %}, {@code +}, spaces (inner, trailing, Unicode), bidi marks, accents, emoji, empty path segments, dot
 * segments and 1,024-byte keys (R2's longest). Shared by the chaos runs and {@link NastyKeysIT}.
 */
public final class NastyKeys {
    private static final String PREFIX = "nasty/";

    /** Every key of the corpus. */
    public static final List<String> ALL = List.of(
            "nasty/carriage\rreturn.txt",
            "nasty/line\nfeed.txt",
            "nasty/crlf\r\nx-injected: 1.txt",
            "nasty/nul\u0000byte.txt",
            "nasty/tab\there.txt",
            "nasty/del\u007Fchar.txt",
            "nasty/\"double\" 'single' quotes.txt",
            "nasty/back\\slash\\.txt",
            "nasty/100% sure %41%2F.txt",
            "nasty/a+b=c&d?e#f.txt",
            "nasty/  spaces  .txt",
            "nasty/rtl\u202Egnp.exe",
            "nasty/bidi\u200F\u200E\u061C.txt",
            "nasty/emoji \uD83D\uDCC4\uD83D\uDE00.txt",
            "nasty/relat\u00f3rios/Q3 r\u00e9sum\u00e9.pdf",
            "nasty/nbsp\u00A0and ideographic\u3000space\u00A0",
            "nasty/trailing-space ",
            "nasty/a//b",
            "/leading-slash.txt",
            "nasty/trailing-slash/",
            "nasty/..",
            "nasty/./dot",
            PREFIX + "k".repeat(1024 - PREFIX.length()),
            PREFIX + "\u65E5".repeat((1024 - PREFIX.length()) / 3) + "x".repeat((1024 - PREFIX.length()) % 3));

    private NastyKeys() {
    }

    /**
     * The keys S3Proxy (the loopback bucket) can store: not those with NUL (rejected with 400) or an empty path
     * segment ({@code a//b}, a leading {@code /}: 403, see {@code EmbeddedS3}). Those are covered through the
     * in-memory bucket.
     */
    public static List<String> servedByS3Proxy() {
        return ALL.stream().filter(k -> k.indexOf('\u0000') < 0 && !k.contains("//") && !k.startsWith("/")).toList();
    }
}
