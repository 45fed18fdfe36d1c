package ai.rootkey.connector.testkit.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StrictMultipartParserTest {
    private static final String B = "rootkey-0123456789abcdef0123456789abcdef";

    @Test
    void boundary_plainOrQuoted() throws Violation {
        assertThat(StrictMultipartParser.boundary("multipart/form-data; boundary=" + B)).isEqualTo(B);
        assertThat(StrictMultipartParser.boundary("Multipart/Form-Data;boundary=\"a b\"")).isEqualTo("a b");
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "multipart/form-data", "multipart/form-data; boundary=",
            "multipart/form-data; boundary=a; boundary=b", "multipart/form-data; boundary=\"ends with space \"",
            "multipart/mixed; boundary=x", "multipart/form-data; boundary=bad{char}"})
    void boundary_rejectsMalformedContentTypes(String contentType) {
        assertThatThrownBy(() -> StrictMultipartParser.boundary(contentType))
                .isInstanceOfSatisfying(Violation.class, v -> assertThat(v.code()).isEqualTo("content_type"));
    }

    @Test
    void boundary_longerThan70_isRejected() {
        assertThatThrownBy(() -> StrictMultipartParser.boundary("multipart/form-data; boundary=" + "x".repeat(71)))
                .isInstanceOf(Violation.class);
    }

    @Test
    void parse_contentSpanningManyBuffers_withDelimiterLookalikesAtBufferEdges() throws Violation {
        // Put near-delimiters ("\r\n--" + most of the boundary) across the 64 KiB buffer edges.
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        byte[] lookalike = ("\r\n--" + B.substring(0, B.length() - 1)).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 5; i++) {
            byte[] filler = new byte[64 * 1024 - 20 + i];
            Arrays.fill(filler, (byte) ('a' + i));
            content.write(filler, 0, filler.length);
            content.write(lookalike, 0, lookalike.length);
        }
        byte[] bytes = content.toByteArray();
        StrictMultipartParser.Part part = parse(frame(bytes), 1 << 30);
        assertThat(part.content()).isEqualTo(bytes);
        assertThat(part.size()).isEqualTo(bytes.length);
    }

    @Test
    void parse_readsInTinyPieces() throws Violation {
        byte[] content = "some content\r\n-- not a boundary\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] body = frame(content);
        StrictMultipartParser.Part part = StrictMultipartParser.parse(new TrickleStream(body, 3), body.length, B,
                1000);
        assertThat(part.content()).isEqualTo(content);
        assertThat(part.fileName()).isEqualTo("f.bin");
    }

    @Test
    void parse_retentionOff_keepsNothing() throws Violation {
        assertThat(parse(frame(new byte[10]), 0).content()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "form-data; name=\"file\"; filename=\"a\\\"b\"",
            "form-data; name=\"file\"; filename*=UTF-8''a",
            "form-data; name=file; filename=\"a\"",
            "attachment; name=\"file\"; filename=\"a\"",
            "form-data; name=\"file\"; filename=\"\"",
            "form-data; name=\"file\"; name=\"file\"; filename=\"a\"",
            "form-data; name=\"file\"; filename=\"a\" junk"})
    void parse_rejectsUnusualDispositions(String disposition) {
        byte[] body = ("--" + B + "\r\nContent-Disposition: " + disposition + "\r\n"
                + "Content-Type: application/octet-stream\r\n\r\nx\r\n--" + B + "--\r\n")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> parse(body, 100)).isInstanceOf(Violation.class);
    }

    @Test
    void parse_rejectsDuplicatePartHeaders_andFileNamesOver255() {
        byte[] twice = ("--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Type: application/octet-stream\r\n\r\n"
                + "x\r\n--" + B + "--\r\n").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> parse(twice, 100)).hasMessageContaining("two content-type");
        byte[] longName = ("--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                + "n".repeat(256) + "\"\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n--" + B + "--\r\n")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> parse(longName, 100)).hasMessageContaining("256 chars");
    }

    @Test
    void parse_rejectsBodyEndingInsideTheHeaders() {
        byte[] body = ("--" + B + "\r\nContent-Disposition: form-data; name=\"file\"")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> parse(body, 100)).isInstanceOfSatisfying(Violation.class,
                v -> assertThat(v.code()).isEqualTo("part_headers"));
    }

    @Test
    void parse_rejectsShortBody_asTruncated() {
        byte[] body = frame(new byte[100]);
        assertThatThrownBy(() -> StrictMultipartParser.parse(new ByteArrayInputStream(body), body.length + 1L, B, 0))
                .isInstanceOfSatisfying(Violation.class, v -> assertThat(v.code()).isEqualTo("truncated"));
    }

    static StrictMultipartParser.Part parse(byte[] body, long retain) throws Violation {
        return StrictMultipartParser.parse(new ByteArrayInputStream(body), body.length, B, retain);
    }

    static byte[] frame(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(content);
        out.writeBytes(("\r\n--" + B + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /** Yields at most {@code step} bytes per read. */
    static final class TrickleStream extends InputStream {
        private final ByteArrayInputStream in;
        private final int step;

        TrickleStream(byte[] bytes, int step) {
            this.in = new ByteArrayInputStream(bytes);
            this.step = step;
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return in.read(b, off, Math.min(len, step));
        }
    }
}
