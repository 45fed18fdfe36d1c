package ai.rootkey.connector;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ValueTypesTest {

    @Test
    void eTags_areStoredWithoutQuotes_everywhere() {
        assertThat(new SourceRef("b1", "k", Optional.of("\"abc\"")).eTag()).hasValue("abc");
        assertThat(new SourceRef("b1", "k", Optional.of("W/\"abc\"")).eTag()).hasValue("abc");
        assertThat(new SourceRef("b1", "k", Optional.of("\"\"")).eTag()).isEmpty();
        assertThat(new ObjectMetadata(1, Optional.of("\"x-2\""), Optional.empty(), Optional.empty()).eTag())
                .hasValue("x-2");
        assertThat(ObjectEvent.builder().bucket("b1").key("k").eTag("\"e\"").build().eTag()).hasValue("e");
    }

    @Test
    void objectEvent_rejectsEmptyKeyAndNegativeSize() {
        assertThatThrownBy(() -> ObjectEvent.builder().bucket("b1").key("").build())
                .hasMessage("key must not be empty");
        assertThatThrownBy(() -> new ObjectEvent("b1", "k", EventAction.PUT_OBJECT, OptionalLong.of(-1),
                Optional.empty(), Optional.of(Instant.EPOCH), Optional.empty())).hasMessage("size must be >= 0, was -1");
        assertThat(ObjectEvent.builder().bucket("b1").key("k").build().eventTime())
                .as("R2 events before 2024 have no eventTime").isEmpty();
        assertThatThrownBy(() -> ObjectEvent.builder().key("k").build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("call bucket(...)");
    }

    @Test
    void delivery_carriesExactlyOneOfEventOrParseFailure() {
        ObjectEvent event = ObjectEvent.builder().bucket("b1").key("k").build();
        assertThat(Delivery.of("m", "l", 1, event).event()).contains(event);
        Delivery bad = Delivery.malformed("m", "l", 2, "{oops", "body is not valid JSON");
        assertThat(bad.event()).isEmpty();
        assertThat(bad.parseFailure()).hasValueSatisfying(f -> assertThat(f.rawBody()).isEqualTo("{oops"));
        assertThatThrownBy(() -> new Delivery("m", "l", 1, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty())).hasMessageContaining("exactly one");
        Delivery leased = Delivery.of("m", "l", 1, event).withLeaseDeadline(Instant.EPOCH)
                .withMessage(new Delivery.Message("json", "{}"));
        assertThat(leased.leaseDeadline()).contains(Instant.EPOCH);
        assertThat(leased.message()).hasValueSatisfying(m -> assertThat(m.toString()).doesNotContain("{}"));
        assertThatThrownBy(() -> Delivery.of("m", "l", 0, event)).hasMessage("attempts must be >= 1, was 0");
    }

    @Test
    void settlement_ackHasNoDelay_retryDelayNotNegative() {
        Delivery d = Delivery.of("m", "l", 1, ObjectEvent.builder().bucket("b1").key("k").build());
        assertThat(Settlement.ack(d).delay()).isZero();
        assertThat(Settlement.retry(d, Duration.ofSeconds(3)).delay()).isEqualTo(Duration.ofSeconds(3));
        assertThatThrownBy(() -> Settlement.retry(d, Duration.ofSeconds(-1))).hasMessageContaining("negative");
        assertThatThrownBy(() -> new Settlement(d, Settlement.Kind.ACK, Duration.ofSeconds(1)))
                .hasMessage("an ack has no delay (only a retry has one)");
        assertThat(Settlement.requeue(d).kind()).isEqualTo(Settlement.Kind.REQUEUE);
        assertThatThrownBy(() -> new Settlement(d, Settlement.Kind.REQUEUE, Duration.ofSeconds(1)))
                .hasMessageContaining("a requeue has no delay");
    }

    @Test
    void receipt_successIs2xx_andReplyIsBounded() {
        assertThat(new Receipt(201, 3, "s", "", Optional.empty()).isSuccess()).isTrue();
        assertThat(new Receipt(409, 3, "s", "", Optional.empty()).isSuccess()).isFalse();
        assertThat(new Receipt(200, 0, "s", "x".repeat(10_000), Optional.empty()).serverReply())
                .hasSize(Receipt.MAX_REPLY_CHARS);
        assertThatThrownBy(() -> new Receipt(42, 0, "s", "", Optional.empty())).hasMessageContaining("HTTP status");
    }

    @Test
    void anchorRequest_fileNameIsLastSegment() {
        AnchorRequest r = new AnchorRequest(new SourceRef("b1", "a/b/c.pdf", Optional.empty()), 0, Optional.empty(),
                new ByteArrayInputStream(new byte[0]));
        assertThat(r.fileName()).isEqualTo("c.pdf");
        AnchorRequest dir = new AnchorRequest(new SourceRef("b1", "a/b/", Optional.empty()), 0, Optional.empty(),
                new ByteArrayInputStream(new byte[0]));
        assertThat(dir.fileName()).isEmpty();
    }

    @Test
    void eventAction_wireNames() {
        assertThat(EventAction.fromWireName("PutObject")).isEqualTo(EventAction.PUT_OBJECT);
        assertThat(EventAction.fromWireName("completemultipartupload")).isEqualTo(EventAction.COMPLETE_MULTIPART_UPLOAD);
        assertThat(EventAction.fromWireName("SomethingNew")).isEqualTo(EventAction.UNKNOWN);
        assertThat(EventAction.fromWireName(null)).isEqualTo(EventAction.UNKNOWN);
        assertThat(EventAction.UNKNOWN.createsContent()).isFalse();
        assertThat(EventAction.DELETE_OBJECT.createsContent()).isFalse();
        assertThat(EventAction.COPY_OBJECT.createsContent()).isTrue();
    }

    @Test
    void backlog_ageNeverNegative() {
        Instant now = Instant.parse("2026-01-01T00:00:10Z");
        java.time.Clock clock = java.time.Clock.fixed(now, java.time.ZoneOffset.UTC);
        assertThat(new Backlog(3, 10, Optional.of(now.minusSeconds(4))).oldestMessageAge(clock))
                .hasValue(Duration.ofSeconds(4));
        assertThat(new Backlog(3, 10, Optional.of(now.plusSeconds(4))).oldestMessageAge(clock))
                .hasValue(Duration.ZERO);
    }
}
