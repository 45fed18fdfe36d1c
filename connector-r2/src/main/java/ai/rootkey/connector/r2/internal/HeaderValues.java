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
 * section 6.4): send what the public R2 Worker sends. The Worker sets the raw value and workerd writes a header
 * value's characters as UTF-8, so a value goes as its exact UTF-8 bytes, with no companion header: the ROOTKey API
 * then sees the same idempotency key from the Worker and from this SDK.
 *
 * <p>Only a value the Worker cannot send is changed: one with a control character (U+0000-U+001F or U+007F;
 * fetch refuses NUL, CR and LF, and a raw control character would let a key forge header lines), or one that
 * starts or ends with a space (fetch strips leading and trailing HTTP whitespace, so the Worker would send another
 * key). Tab, CR and LF, the other HTTP whitespace, are control characters already. Unicode spaces such as U+00A0
 * or U+3000 are not HTTP whitespace: nobody strips them and they go as UTF-8. Such a value is sent in its percent
 * form, RFC 3986 over UTF-8 (the unreserved characters {@code A-Z a-z 0-9 - . _ ~} and {@code /} kept, every
 * other byte as {@code %XX} with uppercase hex), and the request says so with a companion
 * {@code <header>-encoding: percent} header.
 *
 * <p>UTF-8 never produces the bytes of CR, LF or any other control character for a non-ASCII character (every
 * byte of a multi-byte sequence is 0x80 or above), so a value sent as UTF-8 cannot break the header framing. An
 * unpaired surrogate, which no S3 or R2 key (UTF-8) can hold, has no UTF-8 form: it is written as U+FFFD, as any
 * UTF-8 encoder writes it.
 */
public final class HeaderValues {
    /** The value of the companion {@code -encoding} header when a value was percent-encoded. */
    public static final String PERCENT = "percent";

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private HeaderValues() {
    }

    /**
     * A header value ready to send, to be written as UTF-8.
     *
     * @param value          the value to put in the header: well-formed UTF-16 without control characters or
     *                       surrounding spaces
     * @param percentEncoded true when {@code value} is the percent form of the original
     */
    public record Encoded(String value, boolean percentEncoded) {
        public Encoded {
            Objects.requireNonNull(value, "value");
        }

        /** The bytes that go on the wire. */
        public byte[] utf8() {
            return value.getBytes(StandardCharsets.UTF_8);
        }
    }

    /**
     * The value as it is (unpaired surrogates as U+FFFD) when the Worker can send it, else its percent form; see
     * the class comment.
     */
    public static Encoded encode(String value) {
        Objects.requireNonNull(value, "value");
        return isSentAsIs(value) ? new Encoded(wellFormed(value), false) : new Encoded(percentEncode(value), true);
    }

    /**
     * True when {@code value} goes as its UTF-8 bytes: no control character (U+0000-U+001F, U+007F) and no space
     * at either end.
     */
    public static boolean isSentAsIs(String value) {
        Objects.requireNonNull(value, "value");
        int length = value.length();
        if (length > 0 && (value.charAt(0) == ' ' || value.charAt(length - 1) == ' ')) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                return false;
            }
        }
        return true;
    }

    /**
     * True when {@code value} is visible ASCII ({@code 0x21-0x7E}) or spaces without a space at either end: what
     * the SDK's own header values (API key, {@code User-Agent}) must be.
     */
    public static boolean isPrintableAscii(String value) {
        Objects.requireNonNull(value, "value");
        return isSentAsIs(value) && value.chars().allMatch(c -> c < 0x7F);
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

    /** {@code value} with every unpaired surrogate replaced by U+FFFD; the same instance when it has none. */
    static String wellFormed(String value) {
        int length = value.length();
        StringBuilder out = null;
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < length
                    && Character.isLowSurrogate(value.charAt(i + 1));
            if (paired) {
                if (out != null) {
                    out.append(c).append(value.charAt(i + 1));
                }
                i++;
                continue;
            }
            boolean unpaired = Character.isSurrogate(c);
            if (unpaired && out == null) {
                out = new StringBuilder(length).append(value, 0, i);
            }
            if (out != null) {
                out.append(unpaired ? '\uFFFD' : c);
            }
        }
        return out == null ? value : out.toString();
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
