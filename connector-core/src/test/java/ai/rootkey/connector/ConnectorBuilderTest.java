package ai.rootkey.connector;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectorBuilderTest {
    private final EventSource source = new EventSource() {
        @Override
        public Batch receive(int maxMessages) {
            return Batch.empty();
        }

        @Override
        public void settle(List<Settlement> settlements) {
        }

        @Override
        public int maxBatchSize() {
            return 10;
        }
    };
    private final ObjectReader reader = (bucket, key) -> java.util.Optional.empty();
    private final Anchorer anchorer = request -> new Receipt(201, 0, "", "", java.util.Optional.empty());

    @Test
    void build_withoutAnchorer_failsWithFix() {
        assertThatThrownBy(() -> Connector.builder().source(source).reader(reader).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("no Anchorer: call anchorer(...) or use R2Connector.builder()");
    }

    @Test
    void build_withoutSourceOrReader_failsWithFix() {
        assertThatThrownBy(() -> Connector.builder().reader(reader).anchorer(anchorer).build())
                .hasMessage("no EventSource: call source(...) or use R2Connector.builder()");
        assertThatThrownBy(() -> Connector.builder().source(source).anchorer(anchorer).build())
                .hasMessage("no ObjectReader: call reader(...) or use R2Connector.builder()");
    }

    @Test
    void setters_rejectBadRangesAtOnce() {
        Connector.Builder b = Connector.builder();
        assertThatThrownBy(() -> b.concurrency(0)).hasMessage("concurrency must be between 1 and 1024, was 0");
        assertThatThrownBy(() -> b.batchSize(101)).hasMessage("batchSize must be between 1 and 100, was 101");
        assertThatThrownBy(() -> b.maxFileSizeBytes(0)).hasMessageContaining("maxFileSizeBytes must be between 1 and");
        assertThatThrownBy(() -> b.idleBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("must be >= min");
        assertThatThrownBy(() -> b.source(null)).isInstanceOf(NullPointerException.class).hasMessage("source");
        assertThatThrownBy(() -> b.bucket(" ")).hasMessage("bucket must not be blank");
    }

    @Test
    void build_batchSizeAboveSourceLimit_fails() {
        assertThatThrownBy(() -> Connector.builder().source(source).reader(reader).anchorer(anchorer).batchSize(25)
                .build()).hasMessage("batchSize 25 exceeds the source's limit of 10: lower batchSize(...)");
    }

    @Test
    void defaults_arePublicConstants() {
        assertThat(Connector.DEFAULT_CONCURRENCY).isEqualTo(16);
        assertThat(Connector.DEFAULT_BATCH_SIZE).isEqualTo(25);
        assertThat(Connector.DEFAULT_MAX_FILE_SIZE_BYTES).isEqualTo(524_288_000L);
        assertThat(Connector.DEFAULT_DRAIN_TIMEOUT).isEqualTo(Duration.ofSeconds(30));
        assertThat(Connector.DEFAULT_IDLE_BACKOFF_MIN).isEqualTo(Duration.ofMillis(100));
        assertThat(Connector.DEFAULT_IDLE_BACKOFF_MAX).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void lifecycle_startTwice_fails_closeIsIdempotent_andHealthFollows() {
        Connector c = Connector.builder().source(source).reader(reader).anchorer(anchorer).batchSize(5).build();
        assertThat(c.health().status()).isEqualTo(Health.Status.DOWN);
        assertThat(c.health().reason()).isEqualTo("not started");
        c.start();
        assertThat(c.health().status()).isEqualTo(Health.Status.UP);
        assertThatThrownBy(c::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("already started");
        c.close();
        c.close();
        assertThat(c.health().status()).isEqualTo(Health.Status.DOWN);
        assertThat(c.health().reason()).isEqualTo("closed");
        assertThatThrownBy(c::start).hasMessageContaining("closed");
    }

    @Test
    void close_beforeStart_isFine() {
        Connector c = Connector.builder().source(source).reader(reader).anchorer(anchorer).batchSize(5).build();
        c.close();
        assertThat(c.stats().received()).isZero();
    }
}
