package ai.rootkey.connector.r2.internal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The one rule for putting user data (object keys, bucket names, ETags) into an HTTP header value (DESIGN
 * section 6.4). A value that is a legal header value is sent unchanged; any other value is percent-encoded and
 * the request says so with a companion {@code <header>-encoding: percent} header.
 *
 * <p>Legal means: every character is visible ASCII ({@code 0x21-0x7E}) or a space ({@code 0x20}), and the value
 * neither starts nor ends with a space (servers trim surrounding whitespace). The percent form is RFC 3986 over
 * UTF-8: the unreserved characters {@code A-Z a-z 0-9 - . _ ~} and {@code /} are kept, every other byte becomes
 * {@code %XX} with uppercase hex. An unpaired surrogate (never produced by an S3 or R2 key, which is UTF-8)
 * is encoded as U+FFFD.
 */
public final class HeaderValues {
    /** The value of the companion {@code -encoding} header when a value was percent-encoded. */
    public static final String PERCENT = "percent";

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private HeaderValues() {
    }

    /**
     * A header value ready to send.
     *
     * @param value          the value to put in the header; always a legal header value
     * @param percentEncoded true when {@code value} is the percent form of the original
     */
    public record Encoded(String value, boolean percentEncoded) {
        public Encoded {
            Objects.requireNonNull(value, "value");
        }
    }

    /** The value unchanged when it is legal, else its percent form. */
    public static Encoded encode(String value) {
        Objects.requireNonNull(value, "value");
        return isLegal(value) ? new Encoded(value, false) : new Encoded(percentEncode(value), true);
    }

    /** True when {@code value} can be sent unchanged as a header value (see the class comment). */
    public static boolean isLegal(String value) {
        Objects.requireNonNull(value, "value");
        int length = value.length();
        if (length > 0 && (value.charAt(0) == ' ' || value.charAt(length - 1) == ' ')) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }

    /** The RFC 3986 percent form of {@code value} over UTF-8, keeping unreserved characters and {@code /}. */
    public static String percentEncode(String value) {
        Objects.requireNonNull(value, "value");
        ByteBuffer utf8 = utf8(value);
        StringBuilder out = new StringBuilder(utf8.remaining() * 3);
        while (utf8.hasRemaining()) {
            int b = utf8.get() & 0xFF;
            if (isUnreserved(b) || b == '/') {
                out.append((char) b);
            } else {
                out.append('%').append(HEX[b >>> 4]).append(HEX[b & 0x0F]);
            }
        }
        return out.toString();
    }

    private static boolean isUnreserved(int b) {
        return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')
                || b == '-' || b == '.' || b == '_' || b == '~';
    }

    private static ByteBuffer utf8(String value) {
        CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE)
                .replaceWith("\uFFFD".getBytes(StandardCharsets.UTF_8));
        try {
            return encoder.encode(CharBuffer.wrap(value));
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("UTF-8 encoding with replacement cannot fail", e);
        }
    }
}
