package ai.rootkey.connector.r2;

import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.ObjectEvent;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class R2EventCodecTest {
    private static final String ACCOUNT = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    private final R2EventCodec codec = R2EventCodec.standard();

    static String fixture(String name) {
        return Fixtures.read(name);
    }

    @Test
    void put_fixture() {
        ObjectEvent e = codec.parse(fixture("r2-event-put.json"));
        assertThat(e.bucket()).isEqualTo("acme-documents");
        assertThat(e.key()).isEqualTo("contracts/2026/msa-signed.pdf");
        assertThat(e.action()).isEqualTo(EventAction.PUT_OBJECT);
        assertThat(e.size()).hasValue(48213);
        assertThat(e.eTag()).hasValue("9b2cf535f27731c974343645a3985328");
        assertThat(e.eventTime()).contains(Instant.parse("2026-11-20T09:14:07.512Z"));
        assertThat(e.copySource()).isEmpty();
    }

    @Test
    void eventWithoutEventTime_isAnEvent_andIsWrittenBackWithoutOne() {
        // eventTime was added to R2's format in 2024 (DESIGN 6.1): older events and other producers lack it.
        String body = "{\"account\":\"" + ACCOUNT + "\",\"action\":\"PutObject\",\"bucket\":\"b\","
                + "\"object\":{\"key\":\"k.pdf\",\"size\":3,\"eTag\":\"e\"}}";
        ObjectEvent e = codec.parse(body);
        assertThat(e.key()).isEqualTo("k.pdf");
        assertThat(e.eventTime()).isEmpty();
        assertThat(codec.toJson(e, ACCOUNT)).doesNotContain("eventTime");
        assertThat(codec.toDelivery("m", "l", 1, body).event()).isPresent();
    }

    @Test
    void multipart_fixture_keepsMultipartETag() {
        ObjectEvent e = codec.parse(fixture("r2-event-multipart.json"));
        assertThat(e.action()).isEqualTo(EventAction.COMPLETE_MULTIPART_UPLOAD);
        assertThat(e.eTag()).hasValue("5f1b2c3d4e5f60718293a4b5c6d7e8f9-88");
        assertThat(e.size()).hasValue(734003200);
    }

    @Test
    void copy_fixture_hasCopySource() {
        ObjectEvent e = codec.parse(fixture("r2-event-copy.json"));
        assertThat(e.action()).isEqualTo(EventAction.COPY_OBJECT);
        assertThat(e.copySource()).hasValue(new ObjectEvent.CopySource("acme-documents", "contracts/2026/msa-signed.pdf"));
    }

    @Test
    void delete_and_lifecycle_fixtures_haveNoSizeOrETag() {
        ObjectEvent delete = codec.parse(fixture("r2-event-delete.json"));
        assertThat(delete.action()).isEqualTo(EventAction.DELETE_OBJECT);
        assertThat(delete.size()).isEmpty();
        assertThat(delete.eTag()).isEmpty();
        assertThat(codec.parse(fixture("r2-event-lifecycle.json")).action()).isEqualTo(EventAction.LIFECYCLE_DELETION);
    }

    @Test
    void unicodeKey_fixture_isTakenAsGiven() {
        ObjectEvent e = codec.parse(fixture("r2-event-unicode-key.json"));
        assertThat(e.key()).isEqualTo("relatórios/Q3 résumé + notes%20v2 日本.pdf");
    }

    @Test
    void decodingSwitch_urlDecodesKeys() {
        String json = fixture("r2-event-put.json").replace("contracts/2026/msa-signed.pdf", "a%20b+c%2Fd.pdf");
        assertThat(codec.parse(json).key()).isEqualTo("a%20b+c%2Fd.pdf");
        assertThat(R2EventCodec.decodingKeys().parse(json).key()).isEqualTo("a b c/d.pdf");
        String bad = fixture("r2-event-put.json").replace("contracts/2026/msa-signed.pdf", "bad%zz");
        assertThatThrownBy(() -> R2EventCodec.decodingKeys().parse(bad)).hasMessageContaining("not valid URL encoding");
    }

    @Test
    void unknownFieldsAndActions_areTolerated() {
        String json = "{\"account\":\"x\",\"action\":\"ObjectMoved\",\"bucket\":\"b1\",\"newField\":{\"a\":[1,2]},"
                + "\"object\":{\"key\":\"k\",\"size\":1,\"eTag\":\"e\",\"version\":\"v9\"},\"eventTime\":\"2026-01-01T00:00:00Z\"}";
        ObjectEvent e = codec.parse(json);
        assertThat(e.action()).isEqualTo(EventAction.UNKNOWN);
        assertThat(e.key()).isEqualTo("k");
    }

    @Test
    void malformedBodies_failWithWhatIsWrong() {
        assertThatThrownBy(() -> codec.parse("not json")).hasMessageStartingWith("body is not valid JSON");
        assertThatThrownBy(() -> codec.parse("[1,2]")).hasMessage("body is not a JSON object");
        assertThatThrownBy(() -> codec.parse("{\"bucket\":\"b\",\"object\":{\"key\":\"k\"},\"eventTime\":\"2026-01-01T00:00:00Z\"}"))
                .hasMessage("action is missing");
        assertThatThrownBy(() -> codec.parse("{\"action\":\"PutObject\",\"bucket\":\"b\",\"object\":{},\"eventTime\":\"2026-01-01T00:00:00Z\"}"))
                .hasMessage("object.key is missing");
        assertThatThrownBy(() -> codec.parse("{\"action\":\"PutObject\",\"bucket\":\"b\",\"object\":{\"key\":\"k\",\"size\":\"12\"},\"eventTime\":\"2026-01-01T00:00:00Z\"}"))
                .hasMessageStartingWith("object.size must be a non-negative integer");
        assertThatThrownBy(() -> codec.parse("{\"action\":\"PutObject\",\"bucket\":\"b\",\"object\":{\"key\":\"k\",\"size\":-1},\"eventTime\":\"2026-01-01T00:00:00Z\"}"))
                .hasMessageStartingWith("object.size must be a non-negative integer");
        assertThatThrownBy(() -> codec.parse("{\"action\":\"PutObject\",\"bucket\":\"b\",\"object\":{\"key\":\"k\"},\"eventTime\":\"yesterday\"}"))
                .hasMessageStartingWith("eventTime is not an ISO-8601 instant");
        assertThatThrownBy(() -> codec.parse("{\"action\":\"PutObject\",\"bucket\":\"b\",\"object\":{\"key\":42},\"eventTime\":\"2026-01-01T00:00:00Z\"}"))
                .hasMessage("object.key must be a string, was 42");
    }

    @Test
    void duplicateFields_areRejected_soABodyCannotSayTwoKeys() {
        String json = "{\"action\":\"PutObject\",\"bucket\":\"b\",\"object\":{\"key\":\"a\",\"key\":\"b\"},\"eventTime\":\"2026-01-01T00:00:00Z\"}";
        assertThatThrownBy(() -> codec.parse(json)).hasMessageContaining("Duplicate field");
    }

    @Test
    void trailingGarbage_isRejected() {
        assertThatThrownBy(() -> codec.parse(fixture("r2-event-put.json").trim() + " {}"))
                .hasMessageStartingWith("body is not valid JSON");
    }

    @Test
    void toDelivery_neverThrows_andKeepsTheBody() {
        Delivery ok = codec.toDelivery("m1", "l1", 1, fixture("r2-event-put.json"));
        assertThat(ok.event()).isPresent();
        Delivery bad = codec.toDelivery("m2", "l2", 3, "{\"action\":");
        assertThat(bad.event()).isEmpty();
        assertThat(bad.attempts()).isEqualTo(3);
        assertThat(bad.parseFailure()).hasValueSatisfying(f -> assertThat(f.rawBody()).isEqualTo("{\"action\":"));
    }

    @Test
    void toJson_roundTrips_everyFixture() {
        for (String name : new String[] {"r2-event-put.json", "r2-event-multipart.json", "r2-event-copy.json",
                "r2-event-delete.json", "r2-event-lifecycle.json", "r2-event-unicode-key.json"}) {
            ObjectEvent e = codec.parse(fixture(name));
            assertThat(codec.parse(codec.toJson(e, "3f4b7e3dcab231cbfdaa90a6a28bd548"))).as(name).isEqualTo(e);
        }
    }

    @Test
    void toJson_rejectsUnknownActionAndBadAccount() {
        ObjectEvent unknown = ObjectEvent.builder().bucket("b1").key("k").action(EventAction.UNKNOWN).build();
        assertThatThrownBy(() -> codec.toJson(unknown, "3f4b7e3dcab231cbfdaa90a6a28bd548"))
                .hasMessageContaining("unknown action");
        ObjectEvent put = ObjectEvent.builder().bucket("b1").key("k").build();
        assertThatThrownBy(() -> codec.toJson(put, "ACCOUNT")).hasMessageContaining("32 lowercase hex");
    }
}
