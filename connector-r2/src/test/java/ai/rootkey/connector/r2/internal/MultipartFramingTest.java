package ai.rootkey.connector.r2.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MultipartFramingTest {

    static Stream<Arguments> names() {
        return Stream.of(
                Arguments.of("a.pdf", "a.pdf"),
                Arguments.of("", "file"),
                Arguments.of("r\u00e9sum\u00e9 \u2713.pdf", "r\u00e9sum\u00e9 \u2713.pdf"),
                Arguments.of("a\"b", "a_b"),
                Arguments.of("a\\b", "a_b"),
                Arguments.of("a\rb\nc\r\n", "a_b_c__"),
                Arguments.of("\u202Eevil", "\u202Eevil"),
                Arguments.of("tab\there\u0000", "tab\there\u0000"));
    }

    @ParameterizedTest
    @MethodSource("names")
    void fileName_replacesOnlyCrLfQuoteAndBackslash(String name, String expected) {
        assertThat(MultipartFraming.fileName(name)).isEqualTo(expected);
    }

    @Test
    void fileName_isCutTo255Chars() {
        assertThat(MultipartFraming.fileName("x".repeat(300))).isEqualTo("x".repeat(255));
        assertThat(MultipartFraming.fileName("x".repeat(255))).hasSize(255);
    }

    @Test
    void fileName_cutNeverSplitsASurrogatePair() {
        String name = "x".repeat(254) + "\uD83D\uDE00" + "tail";
        assertThat(MultipartFraming.fileName(name)).isEqualTo("x".repeat(254));
        String fits = "x".repeat(253) + "\uD83D\uDE00" + "tail";
        assertThat(MultipartFraming.fileName(fits)).isEqualTo("x".repeat(253) + "\uD83D\uDE00");
    }

    @Test
    void framing_isByteExact() {
        MultipartFraming framing = MultipartFraming.create(new SecureRandom(), "d\u00e9.pdf");
        String b = framing.boundary();
        assertThat(b).matches("rootkey-[0-9a-f]{32}");
        assertThat(framing.contentType()).isEqualTo("multipart/form-data; boundary=" + b);
        assertThat(framing.preamble()).isEqualTo(("--" + b + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"d\u00e9.pdf\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        assertThat(framing.epilogue()).isEqualTo(("\r\n--" + b + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        assertThat(framing.bodyLength(10)).isEqualTo(framing.preamble().length + 10L + framing.epilogue().length);
    }

    @Test
    void boundaries_differPerUpload() {
        SecureRandom random = new SecureRandom();
        assertThat(MultipartFraming.create(random, "a").boundary())
                .isNotEqualTo(MultipartFraming.create(random, "a").boundary());
    }

    @Test
    void bodyLength_rejectsOverflow() {
        MultipartFraming framing = MultipartFraming.create(new SecureRandom(), "a");
        assertThatThrownBy(() -> framing.bodyLength(Long.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class);
    }
}
