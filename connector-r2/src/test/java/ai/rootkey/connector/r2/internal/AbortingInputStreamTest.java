package ai.rootkey.connector.r2.internal;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AbortingInputStreamTest {
    private final AtomicInteger aborts = new AtomicInteger();
    private final AtomicInteger closes = new AtomicInteger();

    private AbortingInputStream stream(int length) {
        ByteArrayInputStream body = new ByteArrayInputStream(new byte[length]) {
            @Override
            public void close() {
                closes.incrementAndGet();
            }
        };
        return new AbortingInputStream(body, aborts::incrementAndGet, length);
    }

    @Test
    void close_beforeTheEnd_abortsAndDoesNotClose() throws IOException {
        AbortingInputStream in = stream(1000);
        assertThat(in.readNBytes(10)).hasSize(10);

        in.close();

        assertThat(aborts).hasValue(1);
        assertThat(closes).hasValue(0);
        assertThat(in.endReached()).isFalse();
    }

    @Test
    void close_unread_aborts() throws IOException {
        AbortingInputStream in = stream(1);
        in.close();
        assertThat(aborts).hasValue(1);
    }

    @Test
    void close_afterEndOfStream_closesNormally() throws IOException {
        AbortingInputStream in = stream(1000);
        assertThat(in.readAllBytes()).hasSize(1000);

        in.close();

        assertThat(aborts).hasValue(0);
        assertThat(closes).hasValue(1);
    }

    @Test
    void close_afterExactlyLengthBytes_withoutSeeingEnd_closesNormally() throws IOException {
        AbortingInputStream in = stream(1000);
        assertThat(in.readNBytes(new byte[1000], 0, 1000)).isEqualTo(1000);

        in.close();

        assertThat(in.endReached()).isTrue();
        assertThat(aborts).hasValue(0);
        assertThat(closes).hasValue(1);
    }

    @Test
    void singleByteReadsAndSkips_countTowardsTheEnd() throws IOException {
        AbortingInputStream in = stream(10);
        in.read();
        assertThat(in.skip(8)).isEqualTo(8);
        assertThat(in.endReached()).isFalse();
        in.read();

        in.close();

        assertThat(aborts).hasValue(0);
        assertThat(closes).hasValue(1);
    }

    @Test
    void emptyBody_closesNormally() throws IOException {
        stream(0).close();
        assertThat(aborts).hasValue(0);
        assertThat(closes).hasValue(1);
    }

    @Test
    void close_isIdempotent() throws IOException {
        AbortingInputStream in = stream(5);
        in.close();
        in.close();
        assertThat(aborts).hasValue(1);
    }

    @Test
    void markReset_isNotSupported() {
        AbortingInputStream in = stream(5);
        in.mark(5);
        assertThat(in.markSupported()).isFalse();
        assertThatThrownBy(in::reset).isInstanceOf(IOException.class);
    }
}
