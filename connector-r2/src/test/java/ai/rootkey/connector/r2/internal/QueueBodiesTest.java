package ai.rootkey.connector.r2.internal;

import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.r2.R2EventCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

class QueueBodiesTest {
    static final String EVENT = "{\"account\":\"3f4b7e3dcab231cbfdaa90a6a28bd548\",\"action\":\"PutObject\","
            + "\"bucket\":\"acme-documents\",\"object\":{\"key\":\"a/b.pdf\",\"size\":1,\"eTag\":\"e\"},"
            + "\"eventTime\":\"2026-11-20T09:14:07.512Z\"}";
    private static final R2EventCodec CODEC = R2EventCodec.standard();

    private static Delivery decode(String contentType, String body) {
        return QueueBodies.toDelivery(CODEC, "m", "l", 1, contentType, body);
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"json", "JSON", " json ", "", "application/json", "something-new"})
    void base64OfEvent_isParsed_forJsonMissingAndUnknownTypes(String type) {
        assertThat(decode(type, b64(EVENT.getBytes(StandardCharsets.UTF_8))).event()).isPresent();
        assertThat(decode(null, b64(EVENT.getBytes(StandardCharsets.UTF_8))).event()).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"json", "", "unknown"})
    void plainJsonEvent_isTolerated(String type) {
        assertThat(decode(type, EVENT).event()).isPresent();
    }

    @Test
    void bytes_base64OfUtf8Event_isParsed_andMalformedUtf8IsAParseFailure() {
        assertThat(decode("bytes", b64(EVENT.getBytes(StandardCharsets.UTF_8))).event()).isPresent();
        Delivery bad = decode("bytes", b64(new byte[] {(byte) 0xc3, (byte) 0x28, '{', '}'}));
        assertThat(bad.parseFailure()).hasValueSatisfying(f -> assertThat(f.reason()).contains("not UTF-8"));
        assertThat(decode("bytes", "!!!not base64").parseFailure())
                .hasValueSatisfying(f -> assertThat(f.reason()).contains("not valid base64"));
    }

    @Test
    void text_isTakenAsIs_evenWhenItLooksLikeBase64() {
        assertThat(decode("text", EVENT).event()).isPresent();
        Delivery d = decode("text", b64(EVENT.getBytes(StandardCharsets.UTF_8)));
        assertThat(d.parseFailure()).isPresent();
    }

    @Test
    void v8_isAlwaysMalformed() {
        assertThat(decode("v8", b64(EVENT.getBytes(StandardCharsets.UTF_8))).parseFailure())
                .hasValueSatisfying(f -> assertThat(f.reason()).isEqualTo(QueueBodies.V8_REASON));
    }

    @Test
    void jsonBody_thatIsNeither_isMalformedWithTheDecodedOrRawText() {
        Delivery notJson = decode("json", b64("hello world".getBytes(StandardCharsets.UTF_8)));
        assertThat(notJson.parseFailure()).hasValueSatisfying(f -> assertThat(f.rawBody()).isEqualTo("hello world"));
        Delivery garbage = decode("json", "not json at all");
        assertThat(garbage.parseFailure()).hasValueSatisfying(f -> assertThat(f.rawBody()).isEqualTo("not json at all"));
        assertThat(decode("json", null).parseFailure()).isPresent();
    }

    @Test
    void decodeBase64_toleratesMissingPaddingAndUrlSafeAlphabet_butNotMixedOrBroken() {
        byte[] bytes = {(byte) 0xfb, (byte) 0xff, 0x01, 0x02};
        String standard = Base64.getEncoder().encodeToString(bytes);
        String url = Base64.getUrlEncoder().encodeToString(bytes);
        assertThat(standard).contains("+").contains("/").endsWith("==");
        assertThat(QueueBodies.decodeBase64(standard)).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes));
        assertThat(QueueBodies.decodeBase64(standard.replace("=", ""))).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes));
        assertThat(QueueBodies.decodeBase64(url)).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes));
        assertThat(QueueBodies.decodeBase64(url.replace("=", ""))).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes));
        assertThat(QueueBodies.decodeBase64("+_AB")).isEmpty();
        assertThat(QueueBodies.decodeBase64("ABCDE")).isEmpty();
        assertThat(QueueBodies.decodeBase64("AB=C")).isEmpty();
        assertThat(QueueBodies.decodeBase64("AB CD")).isEmpty();
        assertThat(QueueBodies.decodeBase64("")).hasValueSatisfying(b -> assertThat(b).isEmpty());
    }

    @Test
    void isJson_acceptsOneValueOnly() {
        assertThat(QueueBodies.isJson("{\"a\":[1,2]}")).isTrue();
        assertThat(QueueBodies.isJson(" 12 ")).isTrue();
        assertThat(QueueBodies.isJson("{} {}")).isFalse();
        assertThat(QueueBodies.isJson("{\"a\":")).isFalse();
        assertThat(QueueBodies.isJson("   ")).isFalse();
    }
}
