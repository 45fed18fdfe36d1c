package ai.rootkey.connector.testkit.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A strict, streaming reader of the ROOTKey upload body: {@code multipart/form-data} with exactly one part named
 * {@code file}. Written independently of the anchorer's writer so that each checks the other.
 *
 * <p>Accepted, and nothing else: the body starts with {@code --BOUNDARY CRLF}; part header lines end in CRLF and
 * are UTF-8; exactly one {@code Content-Disposition: form-data; name="file"; filename="..."} (quoted values, no
 * escapes, no other parameters; a non-empty file name of at most 255 chars) and exactly one
 * {@code Content-Type: application/octet-stream}; an empty line; the content; {@code CRLF --BOUNDARY--}; then
 * nothing or a single CRLF. The body is read in bounded memory: the content is hashed and counted as it streams
 * and kept only up to a limit.
 */
public final class StrictMultipartParser {
    /** Longest part header section accepted, in bytes. */
    public static final int MAX_HEADER_BYTES = 16 * 1024;
    /** Longest file name accepted, in UTF-16 chars. */
    public static final int MAX_FILE_NAME_CHARS = 255;

    private static final int BUFFER_BYTES = 64 * 1024;
    private static final String BCHARS =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'()+_,-./:=? ";

    /**
     * The one file of an accepted body.
     *
     * @param fileName the part's file name
     * @param size     content bytes
     * @param sha256   lowercase hex SHA-256 of the content
     * @param content  the content, or null when it was larger than the retention limit
     */
    public record Part(String fileName, long size, String sha256, byte[] content) {
    }

    private StrictMultipartParser() {
    }

    /**
     * The boundary of a {@code multipart/form-data; boundary=...} content type (RFC 2046: 1 to 70 bchars, not
     * ending in a space; quoted or not).
     *
     * @throws Violation (400, {@code content_type}) for another type, a missing or malformed boundary
     */
    public static String boundary(String contentType) throws Violation {
        if (contentType == null) {
            throw Violation.badRequest("content_type", "Content-Type is missing: expected multipart/form-data; "
                    + "boundary=...");
        }
        String[] pieces = contentType.split(";", -1);
        if (!pieces[0].trim().equalsIgnoreCase("multipart/form-data")) {
            throw Violation.badRequest("content_type", "Content-Type must be multipart/form-data, was "
                    + pieces[0].trim());
        }
        String boundary = null;
        for (int i = 1; i < pieces.length; i++) {
            String param = pieces[i].trim();
            int eq = param.indexOf('=');
            if (eq <= 0) {
                throw Violation.badRequest("content_type", "Content-Type has a malformed parameter: " + param);
            }
            String name = param.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = param.substring(eq + 1).trim();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            if (name.equals("boundary")) {
                if (boundary != null) {
                    throw Violation.badRequest("content_type", "Content-Type has two boundary parameters");
                }
                boundary = value;
            }
        }
        if (boundary == null) {
            throw Violation.badRequest("content_type", "Content-Type has no boundary parameter");
        }
        if (boundary.isEmpty() || boundary.length() > 70 || boundary.endsWith(" ")
                || !boundary.chars().allMatch(c -> BCHARS.indexOf(c) >= 0)) {
            throw Violation.badRequest("content_type", "the boundary must be 1 to 70 characters from RFC 2046's "
                    + "bchars, not ending in a space");
        }
        return boundary;
    }

    /**
     * Reads exactly {@code contentLength} bytes of {@code body} and returns its one file.
     *
     * @param maxRetainedBytes keep the content when it is at most this long (0: never)
     * @throws Violation (400) saying what is wrong; the body may be partly unread then
     */
    public static Part parse(InputStream body, long contentLength, String boundary, long maxRetainedBytes)
            throws Violation {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(boundary, "boundary");
        Input in = new Input(body, contentLength);
        byte[] dashBoundary = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);

        if (!in.request(dashBoundary.length + 2) || !in.startsWith(dashBoundary)) {
            throw Violation.badRequest("framing", "the body must start with the boundary line --" + boundary);
        }
        in.skip(dashBoundary.length);
        if (!in.startsWith(new byte[] {'\r', '\n'})) {
            throw Violation.badRequest("framing", "the first boundary line must end with CRLF");
        }
        in.skip(2);

        String fileName = readPartHeaders(in);

        byte[] delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.US_ASCII);
        Content content = new Content(maxRetainedBytes);
        while (true) {
            int at = in.indexOf(delimiter);
            if (at >= 0) {
                content.add(in.buffer, in.pos, at - in.pos);
                in.pos = at + delimiter.length;
                break;
            }
            int safe = Math.max(in.pos, in.end - (delimiter.length - 1));
            content.add(in.buffer, in.pos, safe - in.pos);
            in.pos = safe;
            if (!in.fill()) {
                throw Violation.badRequest("closing_boundary", "the body ends without the closing boundary --"
                        + boundary + "--");
            }
        }

        readEnd(in, boundary);
        return new Part(fileName, content.size, content.sha256(), content.retained());
    }

    private static String readPartHeaders(Input in) throws Violation {
        Map<String, String> headers = new HashMap<>();
        int headerBytes = 0;
        while (true) {
            int lf = in.indexOf(new byte[] {'\n'});
            while (lf < 0) {
                if (in.end - in.pos > MAX_HEADER_BYTES || !in.fill()) {
                    throw Violation.badRequest("part_headers", "the part headers do not end with an empty line "
                            + "within " + MAX_HEADER_BYTES + " bytes");
                }
                lf = in.indexOf(new byte[] {'\n'});
            }
            if (lf == in.pos || in.buffer[lf - 1] != '\r') {
                throw Violation.badRequest("part_headers", "a part header line ends with a bare LF; lines must end "
                        + "with CRLF");
            }
            int lineEnd = lf - 1;
            headerBytes += lf + 1 - in.pos;
            if (headerBytes > MAX_HEADER_BYTES) {
                throw Violation.badRequest("part_headers", "the part headers are longer than " + MAX_HEADER_BYTES
                        + " bytes");
            }
            for (int i = in.pos; i < lineEnd; i++) {
                if (in.buffer[i] == '\r') {
                    throw Violation.badRequest("part_headers", "a part header line contains a bare CR");
                }
            }
            String line = utf8(in.buffer, in.pos, lineEnd - in.pos);
            in.pos = lf + 1;
            if (line.isEmpty()) {
                break;
            }
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                throw Violation.badRequest("part_headers", "folded part header lines are not accepted");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw Violation.badRequest("part_headers", "a part header line has no name: " + abbreviate(line));
            }
            String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
            if (!name.chars().allMatch(c -> c > 0x20 && c < 0x7F)) {
                throw Violation.badRequest("part_headers", "a part header name is not a token: " + abbreviate(name));
            }
            if (headers.put(name, line.substring(colon + 1).strip()) != null) {
                throw Violation.badRequest("part_headers", "the part has two " + name + " headers");
            }
        }
        String type = headers.get("content-type");
        if (type == null || !type.equalsIgnoreCase("application/octet-stream")) {
            throw Violation.badRequest("part_content_type", "the part's Content-Type must be "
                    + "application/octet-stream, was " + (type == null ? "missing" : abbreviate(type)));
        }
        String disposition = headers.get("content-disposition");
        if (disposition == null) {
            throw Violation.badRequest("part_headers", "the part has no Content-Disposition header");
        }
        return fileName(disposition);
    }

    private static String fileName(String disposition) throws Violation {
        int semicolon = disposition.indexOf(';');
        String type = (semicolon < 0 ? disposition : disposition.substring(0, semicolon)).strip();
        if (!type.equalsIgnoreCase("form-data")) {
            throw Violation.badRequest("part_headers", "Content-Disposition must be form-data, was "
                    + abbreviate(type));
        }
        Map<String, String> params = new HashMap<>();
        int i = semicolon < 0 ? disposition.length() : semicolon;
        while (i < disposition.length()) {
            // at a ';'
            i = skipSpaces(disposition, i + 1);
            int eq = disposition.indexOf('=', i);
            if (eq < 0) {
                throw Violation.badRequest("part_headers", "Content-Disposition has a parameter without a value");
            }
            String name = disposition.substring(i, eq).strip().toLowerCase(Locale.ROOT);
            if (!name.equals("name") && !name.equals("filename")) {
                throw Violation.badRequest("part_headers", "Content-Disposition parameter " + abbreviate(name)
                        + " is not accepted; only name and filename are");
            }
            i = skipSpaces(disposition, eq + 1);
            if (i >= disposition.length() || disposition.charAt(i) != '"') {
                throw Violation.badRequest("part_headers", "Content-Disposition " + name + " must be a quoted string");
            }
            int close = disposition.indexOf('"', i + 1);
            if (close < 0) {
                throw Violation.badRequest("part_headers", "Content-Disposition " + name + " has no closing quote");
            }
            String value = disposition.substring(i + 1, close);
            if (value.indexOf('\\') >= 0) {
                throw Violation.badRequest("filename", "Content-Disposition " + name + " contains a backslash; "
                        + "escapes are not accepted");
            }
            if (params.put(name, value) != null) {
                throw Violation.badRequest("part_headers", "Content-Disposition has two " + name + " parameters");
            }
            i = skipSpaces(disposition, close + 1);
            if (i < disposition.length() && disposition.charAt(i) != ';') {
                throw Violation.badRequest("part_headers", "Content-Disposition has text after the " + name
                        + " parameter");
            }
        }
        String name = params.get("name");
        if (!"file".equals(name)) {
            throw Violation.badRequest("part_name", "the part must be named \"file\", was "
                    + (name == null ? "unnamed" : "\"" + abbreviate(name) + "\""));
        }
        String fileName = params.get("filename");
        if (fileName == null || fileName.isEmpty()) {
            throw Violation.badRequest("filename", "the part has no filename");
        }
        if (fileName.length() > MAX_FILE_NAME_CHARS) {
            throw Violation.badRequest("filename", "the filename is " + fileName.length() + " chars; at most "
                    + MAX_FILE_NAME_CHARS + " are accepted");
        }
        return fileName;
    }

    /** After {@code CRLF --BOUNDARY}: {@code --}, then nothing or one CRLF, then the end of the body. */
    private static void readEnd(Input in, String boundary) throws Violation {
        if (!in.request(2)) {
            throw Violation.badRequest("closing_boundary", "the body ends right after a boundary; the closing "
                    + "boundary is --" + boundary + "--");
        }
        if (in.startsWith(new byte[] {'\r', '\n'})) {
            throw Violation.badRequest("multiple_parts", "a second part follows the file part; exactly one part "
                    + "is accepted");
        }
        if (!in.startsWith(new byte[] {'-', '-'})) {
            throw Violation.badRequest("framing", "a boundary delimiter inside the body is followed by neither CRLF "
                    + "nor --");
        }
        in.skip(2);
        long rest = in.drain();
        boolean crlfOnly = rest == 2 && in.tail[0] == '\r' && in.tail[1] == '\n';
        if (rest != 0 && !crlfOnly) {
            throw Violation.badRequest("trailing_data", rest + " bytes follow the closing boundary; only an "
                    + "optional CRLF may");
        }
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static String utf8(byte[] bytes, int offset, int length) throws Violation {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw Violation.badRequest("part_headers", "a part header line is not valid UTF-8");
        }
    }

    private static String abbreviate(String s) {
        String printable = s.codePoints()
                .mapToObj(c -> c < 0x20 || c == 0x7F ? String.format("\\u%04x", c) : Character.toString(c))
                .reduce("", String::concat);
        return printable.length() <= 64 ? printable : printable.substring(0, 64) + "...";
    }

    /** The body, read through a buffer, never past {@code limit}; a short body is a violation. */
    private static final class Input {
        private final InputStream in;
        private final long limit;
        private long consumed;
        final byte[] buffer = new byte[BUFFER_BYTES];
        final byte[] tail = new byte[2];
        int pos;
        int end;

        Input(InputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        /** Reads more into the buffer, keeping {@code [pos, end)}. False at the end of the body. */
        boolean fill() throws Violation {
            if (consumed == limit) {
                return false;
            }
            if (pos > 0) {
                System.arraycopy(buffer, pos, buffer, 0, end - pos);
                end -= pos;
                pos = 0;
            }
            if (end == buffer.length) {
                throw new IllegalStateException("buffer full");
            }
            int n = read(buffer, end, (int) Math.min(buffer.length - end, limit - consumed));
            end += n;
            return true;
        }

        /** Makes {@code n} bytes available at {@code pos}; false when the body is shorter. */
        boolean request(int n) throws Violation {
            while (end - pos < n) {
                if (!fill()) {
                    return false;
                }
            }
            return true;
        }

        boolean startsWith(byte[] prefix) {
            if (end - pos < prefix.length) {
                return false;
            }
            for (int i = 0; i < prefix.length; i++) {
                if (buffer[pos + i] != prefix[i]) {
                    return false;
                }
            }
            return true;
        }

        void skip(int n) {
            pos += n;
        }

        /** Index in {@code buffer} of the first occurrence of {@code needle} in {@code [pos, end)}, or -1. */
        int indexOf(byte[] needle) {
            outer:
            for (int i = pos; i <= end - needle.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (buffer[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }

        /** Reads the rest of the body; returns its length, keeping its first two bytes in {@code tail}. */
        long drain() throws Violation {
            long rest = 0;
            while (true) {
                for (int i = pos; i < end; i++, rest++) {
                    if (rest < tail.length) {
                        tail[(int) rest] = buffer[i];
                    }
                }
                pos = end;
                if (!fill()) {
                    return rest;
                }
            }
        }

        private int read(byte[] b, int off, int len) throws Violation {
            int n;
            try {
                n = in.read(b, off, len);
            } catch (IOException e) {
                n = -1;
            }
            if (n <= 0) {
                throw Violation.badRequest("truncated", "the body ended after " + consumed + " of the " + limit
                        + " bytes its Content-Length announced");
            }
            consumed += n;
            return n;
        }
    }

    /** Content bytes: hashed, counted, kept up to a limit. */
    private static final class Content {
        private final long maxRetained;
        private final MessageDigest digest;
        private ByteArrayOutputStream kept;
        long size;

        Content(long maxRetained) {
            this.maxRetained = maxRetained;
            this.kept = maxRetained > 0 ? new ByteArrayOutputStream() : null;
            try {
                this.digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java platform has SHA-256", e);
            }
        }

        void add(byte[] bytes, int offset, int length) {
            if (length == 0) {
                return;
            }
            digest.update(bytes, offset, length);
            size += length;
            if (kept != null && size <= maxRetained) {
                kept.write(bytes, offset, length);
            } else {
                kept = null;
            }
        }

        String sha256() {
            return HexFormat.of().formatHex(digest.digest());
        }

        byte[] retained() {
            return kept == null ? null : kept.toByteArray();
        }
    }
}
