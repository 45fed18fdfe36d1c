package ai.rootkey.connector.benchmarks;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The baselines' own upload framing: the one {@code file} part DESIGN 6.4 specifies, written as a user without the SDK
 * would write it, so that the baselines measure no SDK code. Their file names are plain ASCII (no quote, backslash or
 * line break to replace), so the name goes in as it is.
 */
final class Multipart {
    private final String boundary;
    private final byte[] head;
    private final byte[] tail;

    /** The framing of one upload, with a fresh random boundary. */
    Multipart(SecureRandom random, String fileName) {
        byte[] bits = new byte[16];
        random.nextBytes(bits);
        boundary = "bench-" + HexFormat.of().formatHex(bits);
        head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                + (fileName.isEmpty() ? "file" : fileName) + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8);
        tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    /** The bytes before the content. */
    byte[] preamble() {
        return head.clone();
    }

    /** The bytes after the content. */
    byte[] epilogue() {
        return tail.clone();
    }

    /** The exact body length for {@code contentBytes} of content. */
    long bodyLength(long contentBytes) {
        return head.length + contentBytes + tail.length;
    }
}
