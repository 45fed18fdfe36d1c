package ai.rootkey.connector.r2.internal;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UploadBodyTest {
    private static final Duration IDLE = Duration.ofSeconds(5);
    private final MultipartFraming framing = MultipartFraming.create(new SecureRandom(), "a.bin");

    @Test
    void send_emitsFramingAndContentInBoundedChunks_withExactLength() throws Exception {
        byte[] content = new byte[200_000];
        new Random(1).nextBytes(content);
        UploadBody body = new UploadBody(framing, new ByteArrayInputStream(content), content.length, new Progress());
        Recorder recorder = new Recorder(Long.MAX_VALUE);
        body.subscribe(recorder);

        body.send(new CompletableFuture<Void>(), IDLE);

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(framing.preamble());
        expected.write(content);
        expected.write(framing.epilogue());
        assertThat(recorder.bytes()).isEqualTo(expected.toByteArray());
        assertThat(body.contentLength()).isEqualTo(expected.size());
        assertThat(recorder.completed).isTrue();
        assertThat(recorder.chunkSizes).allMatch(n -> n <= UploadBody.CHUNK_BYTES);
        assertThat(body.contentBytesSent()).isEqualTo(content.length);
        assertThat(body.sha256Hex()).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(content)));
    }

    @Test
    void send_neverEmitsMoreThanRequested_andTimesOutWhenDemandStops() {
        byte[] content = new byte[1_000_000];
        UploadBody body = new UploadBody(framing, new ByteArrayInputStream(content), content.length, new Progress());
        Recorder recorder = new Recorder(3);
        body.subscribe(recorder);

        assertThatThrownBy(() -> body.send(new CompletableFuture<Void>(), Duration.ofMillis(200)))
                .isInstanceOf(HttpTimeoutException.class)
                .hasMessageContaining("took no upload bytes");
        assertThat(recorder.chunkSizes).hasSize(3);
        assertThat(recorder.error).isInstanceOf(HttpTimeoutException.class);
    }

    @Test
    void send_stopsWhenTheExchangeEndsEarly() throws Exception {
        UploadBody body = new UploadBody(framing, new ByteArrayInputStream(new byte[10]), 10, new Progress());
        body.subscribe(new Recorder(0));
        CompletableFuture<Void> exchange = new CompletableFuture<>();
        exchange.complete(null);

        body.send(exchange, IDLE);

        assertThat(body.contentBytesSent()).isZero();
    }

    @Test
    void streamShorterThanSize_failsTheUpload() {
        UploadBody body = new UploadBody(framing, new ByteArrayInputStream(new byte[50]), 100, new Progress());
        Recorder recorder = new Recorder(Long.MAX_VALUE);
        body.subscribe(recorder);

        assertThatThrownBy(() -> body.send(new CompletableFuture<Void>(), IDLE))
                .isInstanceOf(IOException.class)
                .hasMessage("the object stream ended after 50 of its 100 bytes");
        assertThat(recorder.error).isInstanceOf(IOException.class);
        assertThat(recorder.completed).isFalse();
    }

    @Test
    void streamLongerThanSize_failsTheUpload() {
        UploadBody body = new UploadBody(framing, new ByteArrayInputStream(new byte[101]), 100, new Progress());
        Recorder recorder = new Recorder(Long.MAX_VALUE);
        body.subscribe(recorder);

        assertThatThrownBy(() -> body.send(new CompletableFuture<Void>(), IDLE))
                .isInstanceOf(IOException.class)
                .hasMessage("the object stream yields more than its 100 bytes");
        assertThat(recorder.completed).isFalse();
    }

    @Test
    void secondSubscription_isRefused() {
        UploadBody body = new UploadBody(framing, new ByteArrayInputStream(new byte[1]), 1, new Progress());
        body.subscribe(new Recorder(0));
        Recorder second = new Recorder(1);
        body.subscribe(second);
        assertThat(second.error).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void noSubscriber_timesOutAsNotReady() {
        UploadBody body = new UploadBody(framing, new ByteArrayInputStream(new byte[1]), 1, new Progress());
        assertThatThrownBy(() -> body.send(new CompletableFuture<Void>(), Duration.ofMillis(100)))
                .isInstanceOf(HttpTimeoutException.class)
                .hasMessageContaining("not ready");
    }

    /** Requests {@code budget} items in total, one at a time as each arrives. */
    private static final class Recorder implements Flow.Subscriber<ByteBuffer> {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final List<Integer> chunkSizes = new CopyOnWriteArrayList<>();
        private long budget;
        private Flow.Subscription subscription;
        volatile boolean completed;
        volatile Throwable error;

        Recorder(long budget) {
            this.budget = budget;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            next();
        }

        @Override
        public void onNext(ByteBuffer item) {
            chunkSizes.add(item.remaining());
            byte[] bytes = new byte[item.remaining()];
            item.get(bytes);
            out.write(bytes, 0, bytes.length);
            next();
        }

        private void next() {
            if (budget > 0) {
                budget--;
                subscription.request(1);
            }
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onComplete() {
            completed = true;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
