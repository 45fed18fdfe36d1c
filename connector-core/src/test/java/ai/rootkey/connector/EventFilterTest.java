package ai.rootkey.connector;

import org.junit.jupiter.api.Test;

import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventFilterTest {

    private static ObjectEvent event(String key) {
        return ObjectEvent.builder().bucket("b1").key(key).size(100).build();
    }

    private static ObjectEvent sized(long size) {
        return ObjectEvent.builder().bucket("b1").key("k").size(size).build();
    }

    @Test
    void prefixAndSuffix() {
        EventFilter f = EventFilter.prefix("contracts/").and(EventFilter.suffix(".pdf"));
        assertThat(f.accepts(event("contracts/a.pdf"))).isTrue();
        assertThat(f.accepts(event("contracts/a.docx"))).isFalse();
        assertThat(f.accepts(event("other/contracts/a.pdf"))).isFalse();
        assertThat(f).hasToString("prefix(\"contracts/\") and suffix(\".pdf\")");
    }

    @Test
    void glob_singleStarStaysInOneSegment() {
        EventFilter f = EventFilter.glob("docs/*.pdf");
        assertThat(f.accepts(event("docs/a.pdf"))).isTrue();
        assertThat(f.accepts(event("docs/sub/a.pdf"))).isFalse();
    }

    @Test
    void glob_doubleStarCrossesSegments_includingNone() {
        EventFilter f = EventFilter.glob("docs/**/*.pdf");
        assertThat(f.accepts(event("docs/a.pdf"))).isTrue();
        assertThat(f.accepts(event("docs/x/y/a.pdf"))).isTrue();
        assertThat(f.accepts(event("other/a.pdf"))).isFalse();
        assertThat(EventFilter.glob("**").accepts(event("any/thing"))).isTrue();
    }

    @Test
    void glob_questionMarkAndAlternatives() {
        EventFilter f = EventFilter.glob("img-?.{png,jpg}");
        assertThat(f.accepts(event("img-1.png"))).isTrue();
        assertThat(f.accepts(event("img-2.jpg"))).isTrue();
        assertThat(f.accepts(event("img-10.png"))).isFalse();
        assertThat(f.accepts(event("img-1.gif"))).isFalse();
    }

    @Test
    void glob_regexMetacharactersAreLiteral() {
        EventFilter f = EventFilter.glob("a+b (1)[x].txt");
        assertThat(f.accepts(event("a+b (1)[x].txt"))).isTrue();
        assertThat(f.accepts(event("aab (1)x.txt"))).isFalse();
    }

    @Test
    void glob_unbalancedBraces_failClearly() {
        assertThatThrownBy(() -> EventFilter.glob("a{b")).hasMessageContaining("'{' without '}'");
        assertThatThrownBy(() -> EventFilter.glob("a}b")).hasMessageContaining("'}' without '{'");
    }

    @Test
    void regex_findsAnywhere() {
        EventFilter f = EventFilter.regex("\\.(pdf|PDF)$");
        assertThat(f.accepts(event("x/y.PDF"))).isTrue();
        assertThat(f.accepts(event("x/y.pdf.tmp"))).isFalse();
        assertThat(EventFilter.regex(Pattern.compile("^~\\$")).negate().accepts(event("~$lock.docx"))).isFalse();
    }

    @Test
    void sizeRange_inclusive_andPassesEventsWithoutSize() {
        EventFilter f = EventFilter.sizeRange(10, 20);
        assertThat(f.accepts(sized(10))).isTrue();
        assertThat(f.accepts(sized(20))).isTrue();
        assertThat(f.accepts(sized(21))).isFalse();
        assertThat(f.accepts(sized(9))).isFalse();
        ObjectEvent noSize = ObjectEvent.builder().bucket("b1").key("k").action(EventAction.DELETE_OBJECT).build();
        assertThat(f.accepts(noSize)).isTrue();
        assertThatThrownBy(() -> EventFilter.sizeRange(5, 4)).hasMessageContaining("minBytes <= maxBytes");
    }

    @Test
    void actions() {
        EventFilter f = EventFilter.actions(EventAction.PUT_OBJECT, EventAction.COPY_OBJECT);
        assertThat(f.accepts(event("k"))).isTrue();
        assertThat(f.accepts(ObjectEvent.builder().bucket("b1").key("k")
                .action(EventAction.COMPLETE_MULTIPART_UPLOAD).build())).isFalse();
        assertThat(f.toString()).isEqualTo("actions(PutObject, CopyObject)");
    }

    @Test
    void orAndNegate() {
        EventFilter f = EventFilter.prefix("a/").or(EventFilter.prefix("b/")).and(EventFilter.suffix(".tmp").negate());
        assertThat(f.accepts(event("a/x"))).isTrue();
        assertThat(f.accepts(event("b/x"))).isTrue();
        assertThat(f.accepts(event("b/x.tmp"))).isFalse();
        assertThat(f.accepts(event("c/x"))).isFalse();
        assertThat(f).hasToString("(prefix(\"a/\") or prefix(\"b/\")) and not(suffix(\".tmp\"))");
    }

    @Test
    void userLambda_composesWithBuiltIns() {
        EventFilter noLockFiles = e -> !e.key().substring(e.key().lastIndexOf('/') + 1).startsWith("~$");
        EventFilter f = EventFilter.all().and(noLockFiles).and(EventFilter.suffix(".docx"));
        assertThat(f.accepts(event("x/~$report.docx"))).isFalse();
        assertThat(f.accepts(event("x/report.docx"))).isTrue();
    }

    @Test
    void toString_escapesHostileText() {
        assertThat(EventFilter.prefix("a\nb\"").toString()).isEqualTo("prefix(\"a\\nb\\\"\")");
    }
}
