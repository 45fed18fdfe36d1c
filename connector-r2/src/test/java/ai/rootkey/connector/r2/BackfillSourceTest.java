package ai.rootkey.connector.r2;

import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.Settlement;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class BackfillSourceTest {
    private final List<String> checkpoints = new ArrayList<>();
    private final List<String[]> listCalls = new ArrayList<>();

    /** Keys k01..kNN in pages of {@code pageSize}; the continuation token is the index of the next key. */
    private BackfillSource.Lister lister(int count, int pageSize) {
        return (startAfter, token) -> {
            listCalls.add(new String[] {startAfter, token});
            int from = token.isEmpty() ? 0 : Integer.parseInt(token);
            if (token.isEmpty() && !startAfter.isEmpty()) {
                from = Integer.parseInt(startAfter.substring(1));
            }
            List<S3Object> page = new ArrayList<>();
            for (int i = from; i < Math.min(count, from + pageSize); i++) {
                page.add(S3Object.builder().key(String.format("k%02d", i + 1)).size((long) i).eTag("\"e" + i + "\"")
                        .lastModified(Instant.EPOCH).build());
            }
            int next = from + pageSize;
            return ListObjectsV2Response.builder().contents(page).isTruncated(next < count)
                    .nextContinuationToken(next < count ? Integer.toString(next) : null).build();
        };
    }

    private BackfillSource source(int count, Clock clock) {
        return new BackfillSource("acme", "", lister(count, 1000), 5, clock, checkpoints::add);
    }

    private static Map<String, Delivery> byKey(Batch batch) {
        return batch.deliveries().stream().collect(Collectors.toMap(d -> d.event().orElseThrow().key(),
                Function.identity()));
    }

    @Test
    void deliveries_arePutObjectEvents_withSizeAndUnquotedETagFromTheListing() throws IOException {
        BackfillSource source = source(3, Clock.systemUTC());
        Batch batch = source.receive(10);

        assertThat(batch.deliveries()).hasSize(3);
        Delivery first = batch.deliveries().get(0);
        assertThat(first.attempts()).isEqualTo(1);
        assertThat(first.event().orElseThrow().action()).isEqualTo(EventAction.PUT_OBJECT);
        assertThat(first.event().orElseThrow().bucket()).isEqualTo("acme");
        assertThat(first.event().orElseThrow().size()).hasValue(0);
        assertThat(first.event().orElseThrow().eTag()).contains("e0");
    }

    @Test
    void checkpoint_isTheLargestKeyWithEverythingBeforeItSettled_whateverTheCompletionOrder() throws IOException {
        MutableClock clock = new MutableClock();
        BackfillSource source = source(10, clock);
        Map<String, Delivery> d = byKey(source.receive(100));

        source.settle(List.of(Settlement.ack(d.get("k02")), Settlement.ack(d.get("k03")), Settlement.ack(d.get("k04"))));
        assertThat(source.checkpoint()).isEmpty();
        source.settle(List.of(Settlement.ack(d.get("k01"))));
        assertThat(source.checkpoint()).contains("k04");
        source.settle(List.of(Settlement.retry(d.get("k05"), Duration.ofSeconds(30))));
        for (int i = 6; i <= 10; i++) {
            source.settle(List.of(Settlement.ack(d.get(String.format("k%02d", i)))));
        }
        assertThat(source.checkpoint()).as("k05 waits for its retry").contains("k04");
        assertThat(source.finished()).isFalse();
        assertThat(source.receive(100).deliveries()).as("not due yet").isEmpty();

        clock.now = clock.now.plusSeconds(30);
        Delivery again = source.receive(100).deliveries().get(0);
        assertThat(again.attempts()).isEqualTo(2);
        source.settle(List.of(Settlement.ack(again)));

        assertThat(source.checkpoint()).contains("k10");
        assertThat(source.finished()).isTrue();
        assertThat(checkpoints).containsExactly("k04", "k10");
    }

    @Test
    void theLastAttemptsRetry_isGivenUp_andCountsAsFailed() throws IOException {
        MutableClock clock = new MutableClock();
        BackfillSource source = source(1, clock);
        for (int attempt = 1; attempt <= 5; attempt++) {
            Delivery delivery = source.receive(1).deliveries().get(0);
            assertThat(delivery.attempts()).isEqualTo(attempt);
            source.settle(List.of(Settlement.retry(delivery, Duration.ofSeconds(1))));
            clock.now = clock.now.plusSeconds(1);
        }
        assertThat(source.finished()).isTrue();
        assertThat(source.failed()).isEqualTo(1);
        assertThat(source.failedKeys()).containsExactly("k01");
    }

    @Test
    void listing_isLazy_pageByPage() throws IOException {
        BackfillSource source = new BackfillSource("acme", "k05", lister(3000, 1000), 5, Clock.systemUTC(),
                checkpoints::add);
        assertThat(source.receive(100).deliveries()).hasSize(100)
                .first().satisfies(d -> assertThat(d.event().orElseThrow().key()).isEqualTo("k06"));
        assertThat(listCalls).hasSize(1);
        assertThat(listCalls.get(0)).containsExactly("k05", "");
    }

    private static final class MutableClock extends Clock {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
