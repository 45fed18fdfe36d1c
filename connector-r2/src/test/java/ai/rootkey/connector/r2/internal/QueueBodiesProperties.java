package ai.rootkey.connector.r2.internal;

import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.r2.R2EventCodec;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The pull-body decoder returns a delivery for any input; it never throws. */
class QueueBodiesProperties {
    private static final R2EventCodec CODEC = R2EventCodec.standard();
    private static final String EVENT = QueueBodiesTest.EVENT;

    @Provide
    Arbitrary<String> contentTypes() {
        return Arbitraries.oneOf(
                Arbitraries.of("json", "text", "bytes", "v8", "JSON", "", " json"),
                Arbitraries.strings().ofMaxLength(12),
                Arbitraries.just(null));
    }

    /** Bodies: random text, base64 of random bytes, mutated event JSON and its base64, near-base64 junk. */
    @Provide
    Arbitrary<String> bodies() {
        Arbitrary<String> anyText = Arbitraries.strings().all().ofMaxLength(300);
        Arbitrary<String> base64OfBytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(300)
                .map(b -> Base64.getEncoder().encodeToString(b));
        Arbitrary<String> mutatedEvent = Combinators.combine(
                        Arbitraries.integers().between(0, EVENT.length() - 1),
                        Arbitraries.chars().all(),
                        Arbitraries.integers().between(0, 2))
                .as((at, c, op) -> switch (op) {
                    case 0 -> EVENT.substring(0, at) + c + EVENT.substring(at + 1);
                    case 1 -> EVENT.substring(0, at) + EVENT.substring(at + 1);
                    default -> EVENT.substring(0, at) + c + EVENT.substring(at);
                });
        Arbitrary<String> base64OfMutated = mutatedEvent.map(s -> Base64.getEncoder()
                .encodeToString(s.getBytes(StandardCharsets.UTF_8)));
        Arbitrary<String> nearBase64 = Arbitraries.strings().withChars("ABCxyz0189+/-_= \n").ofMaxLength(64);
        return Arbitraries.oneOf(anyText, base64OfBytes, mutatedEvent, base64OfMutated, nearBase64,
                Arbitraries.just(null));
    }

    @Property(tries = 1500, seed = "2026112916")
    void anyBodyAndContentType_yieldsExactlyOneOfEventOrFailure(
            @ForAll("contentTypes") String contentType, @ForAll("bodies") String body) {
        Delivery d = QueueBodies.toDelivery(CODEC, "m", "l", 1, contentType, body);

        assertThat(d.event().isPresent()).isNotEqualTo(d.parseFailure().isPresent());
        assertThat(d.attempts()).isEqualTo(1);
    }

    @Property(tries = 300, seed = "2026112917")
    void randomBytesAsBase64_neverThrow(@ForAll @Size(max = 2048) List<Byte> bytes,
                                        @ForAll("contentTypes") String contentType,
                                        @ForAll boolean urlSafe, @ForAll boolean stripPadding) {
        byte[] array = new byte[bytes.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = bytes.get(i);
        }
        String body = (urlSafe ? Base64.getUrlEncoder() : Base64.getEncoder()).encodeToString(array);
        if (stripPadding) {
            body = body.replace("=", "");
        }
        assertThat(QueueBodies.toDelivery(CODEC, "m", "l", 3, contentType, body)).isNotNull();
    }

    @Property(tries = 200, seed = "2026112918")
    void eventAsBase64_isParsedWhateverPaddingAndAlphabet(@ForAll @StringLength(min = 1, max = 200) String key,
                                                         @ForAll boolean urlSafe, @ForAll boolean stripPadding) {
        String quoted = new String(JsonStringEncoder.getInstance().quoteAsString(key));
        String event = EVENT.replace("\"a/b.pdf\"", "\"" + quoted + "\"");
        String body = (urlSafe ? Base64.getUrlEncoder() : Base64.getEncoder())
                .encodeToString(event.getBytes(StandardCharsets.UTF_8));
        if (stripPadding) {
            body = body.replace("=", "");
        }

        Delivery d = QueueBodies.toDelivery(CODEC, "m", "l", 1, "json", body);

        if (!key.isEmpty() && isWellFormedUtf16(key)) {
            assertThat(d.event()).hasValueSatisfying(e -> assertThat(e.key()).isEqualTo(key));
        }
    }

    @Property(tries = 20, seed = "2026112919")
    void hugeBodies_neverThrow(@ForAll("contentTypes") String contentType,
                               @ForAll("hugeStrings") String huge, @ForAll boolean asBase64) {
        String body = asBase64 ? Base64.getEncoder().encodeToString(huge.getBytes(StandardCharsets.UTF_8)) : huge;
        Delivery d = QueueBodies.toDelivery(CODEC, "m", "l", 1, contentType, body);
        assertThat(d.parseFailure()).isPresent();
    }

    @Provide
    Arbitrary<String> hugeStrings() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMinLength(90_000).ofMaxLength(110_000),
                Arbitraries.strings().withChars("{[\"a\":1,]}").ofMinLength(90_000).ofMaxLength(110_000),
                Arbitraries.integers().between(90_000, 110_000).map(n -> "[".repeat(n)),
                Arbitraries.integers().between(9_000, 11_000).map(n -> "{\"k\":\"" + "x".repeat(n * 10) + "\"}"));
    }

    private static boolean isWellFormedUtf16(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
