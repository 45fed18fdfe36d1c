package ai.rootkey.connector.r2.internal;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import static org.assertj.core.api.Assertions.assertThat;

/** The file-name rule of DESIGN 6.4 for any name: safe in a quoted header parameter, short, otherwise unchanged. */
class MultipartFramingProperties {

    @Property(tries = 3000, seed = "2026112915")
    void anyName_becomesASafeShortFileName(@ForAll("names") String name) {
        String sent = MultipartFraming.fileName(name);

        assertThat(sent).isNotEmpty().hasSizeLessThanOrEqualTo(MultipartFraming.MAX_FILE_NAME_CHARS);
        assertThat(sent).doesNotContain("\r", "\n", "\"", "\\");
        if (name.isEmpty()) {
            assertThat(sent).isEqualTo(MultipartFraming.DEFAULT_FILE_NAME);
            return;
        }
        // Nothing but the four characters is changed, and nothing is cut unless the name is too long.
        String replaced = name.replaceAll("[\r\n\"\\\\]", "_");
        assertThat(replaced).startsWith(sent);
        if (name.length() <= MultipartFraming.MAX_FILE_NAME_CHARS) {
            assertThat(sent).isEqualTo(replaced);
        } else {
            assertThat(sent.length()).isBetween(MultipartFraming.MAX_FILE_NAME_CHARS - 1,
                    MultipartFraming.MAX_FILE_NAME_CHARS);
        }
        // The names are well-formed UTF-16: the cut never leaves half of a surrogate pair behind.
        assertThat(Character.isHighSurrogate(sent.charAt(sent.length() - 1))).as("ends in half a pair").isFalse();
        assertThat(MultipartFraming.fileName(sent)).as("idempotent").isEqualTo(sent);
    }

    @Provide
    Arbitrary<String> names() {
        Arbitrary<Integer> codePoint = Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.integers().between(0x20, 0x7E)),
                Tuple.of(3, Arbitraries.of((int) '\r', (int) '\n', (int) '"', (int) '\\', 0, (int) '\t', 0x7F, 0x85,
                        0x2028, 0x202E, 0xFEFF)),
                Tuple.of(1, Arbitraries.integers().between(0x80, 0xD7FF)),
                Tuple.of(2, Arbitraries.integers().between(0x10000, 0x10FFFF)));
        return codePoint.list().ofMaxSize(400).map(cps -> {
            StringBuilder s = new StringBuilder();
            cps.forEach(s::appendCodePoint);
            return s.toString();
        });
    }
}
