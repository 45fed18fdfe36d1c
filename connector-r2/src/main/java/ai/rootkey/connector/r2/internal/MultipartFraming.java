package ai.rootkey.connector.r2.internal;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * The framing of the upload body (DESIGN section 6.4): one {@code multipart/form-data} part named {@code file}.
 *
 * <pre>
 * --BOUNDARY CRLF
 * Content-Disposition: form-data; name="file"; filename="NAME" CRLF
 * Content-Type: application/octet-stream CRLF
 * CRLF
 * (content bytes) CRLF
 * --BOUNDARY-- CRLF
 * </pre>
 *
 * The file name is written in UTF-8 as it is (RFC 7578 section 4.2), after {@link #fileName(String)}.
 */
public final class MultipartFraming {
    /** Longest file name sent, in UTF-16 chars (as the Worker cuts it). */
    public static final int MAX_FILE_NAME_CHARS = 255;
    /** The file name sent when the key has no last path segment. */
    public static final String DEFAULT_FILE_NAME = "file";

    private static final String BOUNDARY_PREFIX = "rootkey-";
    private static final int BOUNDARY_RANDOM_BYTES = 16;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final String boundary;
    private final byte[] preamble;
    private final byte[] epilogue;

    private MultipartFraming(String boundary, String fileName) {
        this.boundary = boundary;
        this.preamble = ("--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"" + fileName(fileName) + "\"\r\n"
                + "Content-Type: application/octet-stream\r\n"
                + "\r\n").getBytes(StandardCharsets.UTF_8);
        this.epilogue = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The framing for one upload, with a fresh boundary of 128 random bits from {@code random}. */
    public static MultipartFraming create(SecureRandom random, String fileName) {
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(fileName, "fileName");
        byte[] bytes = new byte[BOUNDARY_RANDOM_BYTES];
        random.nextBytes(bytes);
        StringBuilder boundary = new StringBuilder(BOUNDARY_PREFIX.length() + 2 * bytes.length).append(BOUNDARY_PREFIX);
        for (byte b : bytes) {
            boundary.append(HEX[(b >>> 4) & 0x0F]).append(HEX[b & 0x0F]);
        }
        return new MultipartFraming(boundary.toString(), fileName);
    }

    /**
     * The file name as sent: {@code name}, or {@value #DEFAULT_FILE_NAME} when empty; CR, LF, {@code "} and
     * {@code \} replaced by {@code _}; cut to {@value #MAX_FILE_NAME_CHARS} chars without splitting a surrogate
     * pair.
     */
    public static String fileName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            return DEFAULT_FILE_NAME;
        }
        String safe = name.replace('\r', '_').replace('\n', '_').replace('"', '_').replace('\\', '_');
        if (safe.length() <= MAX_FILE_NAME_CHARS) {
            return safe;
        }
        int end = MAX_FILE_NAME_CHARS;
        if (Character.isHighSurrogate(safe.charAt(end - 1)) && Character.isLowSurrogate(safe.charAt(end))) {
            end--;
        }
        return safe.substring(0, end);
    }

    public String boundary() {
        return boundary;
    }

    /** {@code multipart/form-data; boundary=...}. */
    public String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    /** The bytes before the content: boundary line and part headers. A copy. */
    public byte[] preamble() {
        return preamble.clone();
    }

    /** The bytes after the content: CRLF and the closing boundary line. A copy. */
    public byte[] epilogue() {
        return epilogue.clone();
    }

    /**
     * The exact body length for {@code contentBytes} of content.
     *
     * @throws IllegalArgumentException when the total does not fit in a {@code long}
     */
    public long bodyLength(long contentBytes) {
        if (contentBytes < 0) {
            throw new IllegalArgumentException("contentBytes must be >= 0, was " + contentBytes);
        }
        long framing = (long) preamble.length + epilogue.length;
        if (contentBytes > Long.MAX_VALUE - framing) {
            throw new IllegalArgumentException("content of " + contentBytes + " bytes is too large to frame");
        }
        return contentBytes + framing;
    }
}
