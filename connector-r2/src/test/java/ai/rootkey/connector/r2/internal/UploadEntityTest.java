package ai.rootkey.connector.r2.internal;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UploadEntityTest {
    private final MultipartFraming framing = MultipartFraming.create(new SecureRandom(), "a.bin");

    @Test
    void writeTo_writesFramingAndContentInBoundedChunks_withExactLength() throws Exception {
        byte[] content = new byte[200_000];
        new Random(1).nextBytes(content);
        UploadEntity body = new UploadEntity(framing, new ByteArrayInputStream(content), content.length,
                new Progress());
        RecordingStream out = new RecordingStream();

        body.writeTo(out);

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(framing.preamble());
        expected.write(content);
        expected.write(framing.epilogue());
        assertThat(out.bytes.toByteArray()).isEqualTo(expected.toByteArray());
        assertThat(body.getContentLength()).isEqualTo(expected.size());
        assertThat(body.isChunked()).isFalse();
        assertThat(body.isRepeatable()).isFalse();
        assertThat(body.getContentType()).isEqualTo(framing.contentType());
        assertThat(out.writes).allMatch(n -> n <= UploadEntity.CHUNK_BYTES);
        assertThat(body.started()).isTrue();
        assertThat(body.finished()).isTrue();
        assertThat(body.contentBytesSent()).isEqualTo(content.length);
        assertThat(body.sha256Hex()).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(content)));
    }

    @Test
    void emptyContent_writesTheFramingOnly() throws Exception {
        UploadEntity body = new UploadEntity(framing, new ByteArrayInputStream(new byte[0]), 0, new Progress());
        RecordingStream out = new RecordingStream();
        body.writeTo(out);
        assertThat(out.bytes.size()).isEqualTo(body.getContentLength());
        assertThat(body.sha256Hex()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void shortOrLongStream_failsTheUpload() {
        UploadEntity shorter = new UploadEntity(framing, new ByteArrayInputStream(new byte[50]), 100, new Progress());
        assertThatThrownBy(() -> shorter.writeTo(new RecordingStream())).isInstanceOf(IOException.class)
                .hasMessage("the object stream ended after 50 of its 100 bytes");
        UploadEntity longer = new UploadEntity(framing, new ByteArrayInputStream(new byte[11]), 10, new Progress());
        assertThatThrownBy(() -> longer.writeTo(new RecordingStream())).isInstanceOf(IOException.class)
                .hasMessage("the object stream yields more than its 10 bytes");
        assertThat(longer.finished()).isFalse();
    }

    @Test
    void isSingleUse() throws Exception {
        UploadEntity body = new UploadEntity(framing, new ByteArrayInputStream(new byte[3]), 3, new Progress());
        body.writeTo(new RecordingStream());
        assertThatThrownBy(() -> body.writeTo(new RecordingStream())).isInstanceOf(IOException.class)
                .hasMessageContaining("only once");
        assertThatThrownBy(body::getContent).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void readsOfTheSource_pauseTheIdleClock_writesTouchIt() throws Exception {
        Progress progress = new Progress();
        List<Long> idleDuringReads = new ArrayList<>();
        InputStream source = new ByteArrayInputStream(new byte[300_000]) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                idleDuringReads.add(progress.idleNanos(System.nanoTime() + 3_600_000_000_000L));
                return super.read(b, off, len);
            }
        };
        UploadEntity body = new UploadEntity(framing, source, 300_000, progress);
        body.writeTo(new RecordingStream());
        assertThat(idleDuringReads).hasSizeGreaterThan(4).containsOnly(0L);
        assertThat(progress.idleNanos(System.nanoTime() + 1_000)).isPositive().isLessThan(1_000_000_000L);
    }

    @Test
    void aFailedWrite_countsOnlyWhatWasWritten() {
        byte[] content = new byte[3 * UploadEntity.CHUNK_BYTES];
        UploadEntity body = new UploadEntity(framing, new ByteArrayInputStream(content), content.length,
                new Progress());
        OutputStream failsOnThirdChunk = new OutputStream() {
            private int writes;

            @Override
            public void write(int b) {
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (++writes == 4) { // preamble, chunk, chunk, then this one
                    throw new IOException("early answer");
                }
            }
        };
        assertThatThrownBy(() -> body.writeTo(failsOnThirdChunk)).hasMessage("early answer");
        assertThat(body.contentBytesSent()).isEqualTo(2L * UploadEntity.CHUNK_BYTES);
        assertThat(body.finished()).isFalse();
    }

    /** Keeps every byte and the size of every write. */
    private static final class RecordingStream extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<Integer> writes = new ArrayList<>();

        @Override
        public void write(int b) {
            bytes.write(b);
            writes.add(1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
            writes.add(len);
        }
    }
}
