package ai.rootkey.connector.r2;

import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.ObjectEvent;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class R2EventCodecProperties {
    private final R2EventCodec codec = R2EventCodec.standard();
    private static final String PUT = R2EventCodecTest.fixture("r2-event-put.json");

    @Property(tries = 500)
    void anyString_endsAsEventOrMalformedDelivery(@ForAll @StringLength(max = 400) String body) {
        Delivery d = codec.toDelivery("m", "l", 1, body);
        assertThat(d.event().isPresent() ^ d.parseFailure().isPresent()).isTrue();
    }

    @Property(tries = 500)
    void mutatedEvents_endAsEventOrMalformedDelivery(@ForAll("mutations") String body) {
        Delivery d = codec.toDelivery("m", "l", 1, body);
        assertThat(d.event().isPresent() ^ d.parseFailure().isPresent()).isTrue();
        d.parseFailure().ifPresent(f -> assertThat(f.reason()).isNotBlank());
    }

    @Property(tries = 300)
    void anyEvent_roundTripsThroughJson(@ForAll("events") ObjectEvent event) {
        assertThat(codec.parse(codec.toJson(event, "3f4b7e3dcab231cbfdaa90a6a28bd548"))).isEqualTo(event);
    }

    @Property(tries = 20)
    void hugeStrings_areHandled(@ForAll("huge") String key) {
        String body = PUT.replace("contracts/2026/msa-signed.pdf", key);
        Delivery d = codec.toDelivery("m", "l", 1, body);
        assertThat(d.event().isPresent() ^ d.parseFailure().isPresent()).isTrue();
    }

    @Provide
    Arbitrary<String> mutations() {
        Arbitrary<Integer> position = Arbitraries.integers().between(0, PUT.length() - 1);
        Arbitrary<String> insert = Arbitraries.of("\"", "{", "}", "[", "]", ",", ":", "null", "1e999", "-1", "\\",
                "\u0000", "\"size\":\"x\"", "\"key\":7", "", "true", "\uD800");
        return Combinators.combine(position, position, insert).as((a, b, s) -> {
            int from = Math.min(a, b);
            int to = Math.max(a, b);
            return PUT.substring(0, from) + s + PUT.substring(Math.min(PUT.length(), to));
        });
    }

    @Provide
    Arbitrary<ObjectEvent> events() {
        Arbitrary<String> keys = Arbitraries.strings().ofMinLength(1).ofMaxLength(200);
        Arbitrary<EventAction> actions = Arbitraries.of(EventAction.PUT_OBJECT, EventAction.COPY_OBJECT,
                EventAction.COMPLETE_MULTIPART_UPLOAD, EventAction.DELETE_OBJECT, EventAction.LIFECYCLE_DELETION);
        Arbitrary<Long> sizes = Arbitraries.longs().between(0, Long.MAX_VALUE / 2);
        Arbitrary<String> eTags = Arbitraries.strings().withChars("0123456789abcdef-").ofMinLength(1).ofMaxLength(40);
        Arbitrary<Long> millis = Arbitraries.longs().between(0, 4_000_000_000_000L);
        return Combinators.combine(keys, actions, sizes, eTags, millis).as((key, action, size, eTag, ms) -> {
            ObjectEvent.Builder b = ObjectEvent.builder().bucket("acme-documents").key(key).action(action)
                    .eventTime(Instant.ofEpochMilli(ms));
            if (action.createsContent()) {
                b.size(size).eTag(eTag);
            }
            if (action == EventAction.COPY_OBJECT) {
                b.copySource("acme-documents", key + ".orig");
            }
            return b.build();
        });
    }

    @Provide
    Arbitrary<String> huge() {
        return Arbitraries.strings().ofMinLength(50_000).ofMaxLength(120_000);
    }
}
