package ai.rootkey.connector.testkit.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes a header value sent with {@code <header>-encoding: percent}: only {@code A-Z a-z 0-9 - . _ ~ /} and
 * {@code %XX} may appear, and the bytes must be UTF-8. Written independently of the anchorer's encoder, so that
 * each checks the other.
 */
public final class StrictPercentDecoder {
    private StrictPercentDecoder() {
    }

    /**
     * The decoded value.
     *
     * @param header the header's name, for the message
     * @throws Violation (400, {@code bad_encoding}) saying what is wrong
     */
    public static String decode(String header, String value) throws Violation {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%') {
                if (i + 2 >= value.length() || hex(value.charAt(i + 1)) < 0 || hex(value.charAt(i + 2)) < 0) {
                    throw Violation.badRequest("bad_encoding", header + " has a '%' at index " + i
                            + " that is not followed by two hex digits");
                }
                bytes.write(hex(value.charAt(i + 1)) * 16 + hex(value.charAt(i + 2)));
                i += 2;
            } else if (isKept(c)) {
                bytes.write(c);
            } else {
                throw Violation.badRequest("bad_encoding", header + " is marked percent-encoded but contains "
                        + String.format("U+%04X", (int) c) + " at index " + i
                        + "; only A-Z a-z 0-9 - . _ ~ / and %XX may appear");
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw Violation.badRequest("bad_encoding", header + " does not decode to UTF-8");
        }
    }

    private static boolean isKept(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    }

    /** The value of an ASCII hex digit, or -1 (Character.digit would also accept non-ASCII digits). */
    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }
}
