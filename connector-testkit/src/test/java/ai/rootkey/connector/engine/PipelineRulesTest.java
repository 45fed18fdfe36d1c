package ai.rootkey.connector.engine;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Verdict;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.LogCapture;
import ai.rootkey.connector.testkit.RecordingAnchorer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** One test per processing rule of DESIGN section 4, in order. */
class PipelineRulesTest {
    private final ConnectorTestKit kit = ConnectorTestKit.create();
    private final RecordingListener listener = new RecordingListener();
    private final LogCapture logs = LogCapture.connector();

    @AfterEach
    void tearDown() {
        kit.close();
        logs.close();
    }

    private Connector run() {
        Connector connector = kit.start(b -> b.listener(listener));
        kit.runUntilIdle(connector);
        return connector;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void rule1_malformedBody_isTerminal_ackedAndLoggedWithMarker() {
        kit.queue().publishText("not json at all");
        kit.queue().publish("{\"bucket\":\"test-bucket\",\"object\":{\"key\":\"k\"},\"eventTime\":\"2026-01-01T00:00:00Z\"}");
        kit.queue().publish("{\"action\":\"PutObject\",\"bucket\":\"test-bucket\",\"object\":{},\"eventTime\":\"2026-01-01T00:00:00Z\"}");
        run();
        assertThat(kit.queue().acked()).hasSize(3);
        assertThat(listener.of(Outcome.Kind.TERMINAL)).hasSize(3)
                .allSatisfy(o -> assertThat(o.reason()).isEqualTo(Verdict.MALFORMED_EVENT));
        assertThat(logs.lines("rootkey.event.dlq_terminal_failure")).hasSize(3)
                .anySatisfy(l -> assertThat(l).contains("reason=\"malformed_event\"").contains("detail=\"action is missing\""))
                .anySatisfy(l -> assertThat(l).contains("detail=\"object.key is missing\""));
        assertThat(kit.anchorer().calls()).isZero();
    }

    @Test
    void rule2_actionsThatDoNotCreateContent_areSkippedAndAcked() {
        kit.bucket().put("tmp/x", "x");
        kit.bucket().delete("tmp/x");
        kit.bucket().put("logs/old", "y");
        kit.bucket().expire("logs/old");
        kit.queue().publish("{\"action\":\"ObjectTagged\",\"bucket\":\"test-bucket\",\"object\":{\"key\":\"k\"},"
                + "\"eventTime\":\"2026-01-01T00:00:00Z\"}");
        run();
        assertThat(listener.of(Outcome.Kind.SKIPPED)).extracting(Outcome::reason)
                .containsExactlyInAnyOrder(Outcome.ACTION_NOT_ANCHORED, Outcome.ACTION_NOT_ANCHORED,
                        Outcome.ACTION_NOT_ANCHORED);
        assertThat(kit.queue().acked()).hasSize(5);
        assertThat(logs.lines("rootkey.event.skipped")).hasSize(3);
    }

    @Test
    void rule3_foreignBucket_isTerminal() {
        kit.queue().publish(ObjectEvent.builder().bucket("someone-elses").key("a.pdf").size(1).eTag("e")
                .eventTime(Instant.EPOCH).build());
        run();
        assertThat(listener.of(Outcome.Kind.TERMINAL)).singleElement()
                .satisfies(o -> assertThat(o.reason()).isEqualTo(Verdict.FOREIGN_BUCKET));
        assertThat(kit.bucket().reads()).isZero();
        assertThat(kit.queue().acked()).hasSize(1);
    }

    @Test
    void rule4_filtersReject_skipAndAck_acceptedOnesAreAnchored() {
        kit.bucket().put("contracts/a.pdf", "pdf");
        kit.bucket().put("contracts/~$a.pdf", "lock");
        kit.bucket().put("photos/b.jpg", "jpg");
        Connector connector = kit.start(b -> b.listener(listener)
                .filter(EventFilter.prefix("contracts/"))
                .filter(e -> !e.key().contains("~$")));
        kit.runUntilIdle(connector);
        assertThat(kit.anchorer().anchoredKeys()).containsExactly("contracts/a.pdf");
        assertThat(listener.of(Outcome.Kind.SKIPPED)).extracting(Outcome::reason)
                .containsExactly(Outcome.FILTERED, Outcome.FILTERED);
        assertThat(kit.queue().acked()).hasSize(3);
        assertThat(kit.bucket().reads()).isEqualTo(1);
    }

    @Test
    void rule5_eventSizeOverLimit_isTerminalWithoutRead() {
        kit.bucket().put("big.bin", new byte[2048]);
        kit.runUntilIdle(kit.start(b -> b.listener(listener).maxFileSizeBytes(1024)));
        assertThat(listener.of(Outcome.Kind.TERMINAL)).singleElement()
                .satisfies(o -> assertThat(o.reason()).isEqualTo(Verdict.OVERSIZE));
        assertThat(kit.bucket().reads()).isZero();
        assertThat(logs.lines("rootkey.event.dlq_terminal_failure")).singleElement()
                .satisfies(l -> assertThat(l).contains("key=\"big.bin\"").contains("reason=\"oversize\"").contains("attempt=1"));
    }

    @Test
    void rule6_objectGoneBeforeRead_isTerminal() {
        kit.bucket().put("gone.pdf", "x");
        kit.bucket().deleteBeforeRead("gone.pdf");
        run();
        assertThat(listener.of(Outcome.Kind.TERMINAL)).singleElement()
                .satisfies(o -> assertThat(o.reason()).isEqualTo(Verdict.OBJECT_MISSING));
        assertThat(kit.anchorer().calls()).isZero();
        assertThat(kit.queue().acked()).hasSize(2); // the put event (terminal) and the delete event (skipped)
    }

    @Test
    void rule6_liveSizeOverLimit_isTerminal() {
        kit.bucket().put("grows.bin", new byte[10]);
        kit.bucket().overwriteBeforeRead("grows.bin", new byte[5000]);
        Connector connector = kit.start(b -> b.listener(listener).maxFileSizeBytes(1000));
        kit.runUntilIdle(connector);
        // both events (the original and the overwrite's) see the live 5000-byte object or its 5000-byte event size
        assertThat(listener.of(Outcome.Kind.TERMINAL)).hasSize(2)
                .allSatisfy(o -> assertThat(o.reason()).isEqualTo(Verdict.OVERSIZE));
        assertThat(kit.anchorer().calls()).isZero();
    }

    @Test
    void rule6_liveETagWins_overTheEventsETag() {
        String oldETag = kit.bucket().put("doc.txt", "v1");
        kit.bucket().overwriteBeforeRead("doc.txt", bytes("version 2"));
        run();
        String liveETag = kit.bucket().eTag("doc.txt").orElseThrow();
        assertThat(liveETag).isNotEqualTo(oldETag);
        assertThat(kit.anchorer().uploads()).isNotEmpty()
                .allSatisfy(u -> {
                    assertThat(u.source().eTag()).hasValue(liveETag);
                    assertThat(u.sha256()).isEqualTo(Sha256.hex(bytes("version 2")));
                });
    }

    @Test
    void rule7_upload_streamsExactBytes_thenAcks() {
        byte[] content = new byte[3 * 1024 * 1024 + 17];
        new java.util.Random(5).nextBytes(content);
        String eTag = kit.bucket().put("docs/big.bin", content);
        run();
        RecordingAnchorer.Upload upload = kit.anchorer().lastUpload("docs/big.bin").orElseThrow();
        assertThat(upload.content()).hasValueSatisfying(c -> assertThat(c).isEqualTo(content));
        assertThat(upload.source().eTag()).hasValue(eTag);
        assertThat(upload.source().bucket()).isEqualTo("test-bucket");
        assertThat(kit.queue().acked()).hasSize(1);
        assertThat(logs.lines("rootkey.event.anchored")).singleElement().satisfies(l -> assertThat(l)
                .contains("key=\"docs/big.bin\"").contains("bytes=" + content.length)
                .contains("sha256=\"" + Sha256.hex(content) + "\"").contains("etag=\"" + eTag + "\""));
    }

    @Test
    void copyAndMultipart_areAnchoredToo() {
        kit.bucket().put("src.pdf", "source");
        kit.bucket().copy("src.pdf", "dst.pdf");
        String multipartETag = kit.bucket().completeMultipart("mp.bin", bytes("part1"), bytes("part2"));
        run();
        assertThat(kit.anchorer().anchoredKeys()).containsExactlyInAnyOrder("src.pdf", "dst.pdf", "mp.bin");
        assertThat(multipartETag).endsWith("-2");
        assertThat(kit.anchorer().lastUpload("mp.bin").orElseThrow().source().eTag()).hasValue(multipartETag);
    }

    @Test
    void hostileKeys_areAnchoredExact_andLoggedEscaped() {
        String key = "evil\r\nrootkey.event.anchored key=\"forged\"\u202Etxt.exe";
        kit.bucket().put(key, "x");
        run();
        assertThat(kit.anchorer().anchoredKeys()).containsExactly(key);
        assertThat(logs.all()).allSatisfy(line -> assertThat(line).doesNotContain("\r").doesNotContain("\n")
                .doesNotContain("\u202E"));
        assertThat(logs.lines("rootkey.event.anchored")).singleElement()
                .satisfies(l -> assertThat(l).contains("key=\"evil\\r\\nrootkey.event.anchored key=\\\"forged\\\"\\u202etxt.exe\""));
    }
}
