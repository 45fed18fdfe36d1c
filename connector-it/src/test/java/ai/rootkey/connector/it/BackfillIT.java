package ai.rootkey.connector.it;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.local.LoopbackStack;
import ai.rootkey.connector.r2.Backfill;
import ai.rootkey.connector.testkit.ReceivedFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Backfill against S3Proxy and the fake ROOTKey API. */
class BackfillIT {
    private static LoopbackStack stack;

    @TempDir
    Path dir;

    @BeforeAll
    static void startStack() throws Exception {
        stack = LoopbackStack.start();
    }

    @AfterAll
    static void stopStack() {
        stack.close();
    }

    @Test
    void anchorsExistingObjects_throughTheSamePipeline_filtersSizeLimitAndIdempotencyHeaders() throws Exception {
        Map<String, String> eTags = new TreeMap<>();
        for (int i = 0; i < 20; i++) {
            String key = "docs/" + i + ".pdf";
            eTags.put(key, stack.putSilently(key, ("content of " + key).getBytes(StandardCharsets.UTF_8)));
        }
        stack.putSilently("docs/big.bin", new byte[2048]);
        stack.putSilently("docs/skip.tmp", "scratch".getBytes(StandardCharsets.UTF_8));
        stack.putSilently("other/x.pdf", "not in the prefix".getBytes(StandardCharsets.UTF_8));

        Backfill.Progress result = Backfill.builder()
                .config(stack.configBuilder().maxFileSizeBytes(1024).build())
                .prefix("docs/")
                .filter(EventFilter.suffix(".tmp").negate())
                .engine(b -> b.concurrency(4))
                .build().run();

        assertThat(result.complete()).isTrue();
        assertThat(result.listed()).isEqualTo(22);
        assertThat(result.totalObjects()).hasValue(22);
        assertThat(result.anchored()).isEqualTo(20);
        assertThat(result.skipped()).isEqualTo(1);
        assertThat(result.failed()).isEqualTo(1);
        assertThat(result.failedKeys()).containsExactly("docs/big.bin");
        assertThat(result.bytesAnchored()).isEqualTo(eTags.keySet().stream()
                .mapToLong(k -> ("content of " + k).length()).sum());
        List<ReceivedFile> files = stack.api().files().stream().filter(f -> f.key().startsWith("docs/")).toList();
        assertThat(files).extracting(ReceivedFile::key).containsExactlyInAnyOrderElementsOf(eTags.keySet());
        assertThat(files).allSatisfy(f -> {
            assertThat(f.bucket()).isEqualTo(stack.bucket());
            assertThat(f.eTag()).contains(eTags.get(f.key()));
        });
        assertThat(stack.queues().queue(stack.queueId()).backlog()).as("the event queue is not involved").isEmpty();
    }

    /**
     * Keys with control characters cannot be written in a listing's XML: without {@code encoding-type=url} one such
     * key made the whole listing unparseable and the backfill stopped having anchored nothing (issue 10). S3Proxy
     * stores every control character but NUL.
     */
    @Test
    void keysWithControlCharacters_areListedAndAnchoredUnderTheirOwnNames() throws Exception {
        List<String> keys = List.of("ctl/bell\u0007.pdf", "ctl/tab\tinside.pdf", "ctl/escape\u001b[31m.pdf",
                "ctl/del\u007f.pdf", "ctl/unit\u001fsep.pdf", "ctl/plain.pdf", "ctl/relat\u00f3rios r\u00e9sum\u00e9.pdf");
        for (String key : keys) {
            stack.putSilently(key, ("content of " + key).getBytes(StandardCharsets.UTF_8));
        }

        Backfill.Progress result = Backfill.builder().config(stack.config()).prefix("ctl/").build().run();

        assertThat(result.complete()).isTrue();
        assertThat(result.listed()).isEqualTo(keys.size());
        assertThat(result.anchored()).isEqualTo(keys.size());
        assertThat(stack.api().files()).filteredOn(f -> f.key().startsWith("ctl/")).extracting(ReceivedFile::key)
                .containsExactlyInAnyOrderElementsOf(keys);
    }

    @Test
    void aBuilderChangedAfterBuild_doesNotChangeTheBackfill_andAThrowingProgressCallbackDoesNotStopIt()
            throws Exception {
        for (int i = 0; i < 5; i++) {
            stack.putSilently("frozen/" + i + ".pdf", ("frozen " + i).getBytes(StandardCharsets.UTF_8));
        }
        stack.putSilently("elsewhere/x.pdf", "not in the prefix".getBytes(StandardCharsets.UTF_8));
        List<Backfill.Progress> reported = new java.util.concurrent.CopyOnWriteArrayList<>();
        Backfill.Builder builder = Backfill.builder().config(stack.config()).prefix("frozen/")
                .onProgress(Duration.ofMillis(10), p -> {
                    reported.add(p);
                    throw new IllegalStateException("a broken progress bar");
                });
        Backfill backfill = builder.build();
        builder.prefix("elsewhere/").onProgress(p -> {
            throw new AssertionError("the builder's later callback must not be called");
        });

        Backfill.Progress result = backfill.run();

        assertThat(result.complete()).isTrue();
        assertThat(result.listed()).isEqualTo(5);
        assertThat(result.anchored()).isEqualTo(5);
        assertThat(reported).isNotEmpty().last().isEqualTo(result);
        assertThat(stack.api().files()).extracting(ReceivedFile::key).doesNotContain("elsewhere/x.pdf");
    }

    @Test
    void interrupted_resumesFromTheCheckpoint_notFromZero_andEveryObjectIsAnchored() throws Exception {
        int total = 2000;
        Path checkpoint = dir.resolve("backfill.checkpoint.json");
        for (int i = 0; i < total; i++) {
            stack.s3().putObjectDirect(stack.bucket(), String.format("scans/%05d.txt", i),
                    ("scan " + i).getBytes(StandardCharsets.UTF_8));
        }

        Backfill[] first = new Backfill[1];
        first[0] = Backfill.builder().config(stack.config()).prefix("scans/").checkpointFile(checkpoint)
                .onProgress(Duration.ofMillis(20), p -> {
                    if (p.anchored() >= 600) {
                        first[0].stop();
                    }
                })
                .build();
        Backfill.Progress stopped = first[0].run();

        assertThat(stopped.complete()).isFalse();
        assertThat(stopped.checkpoint()).isPresent();
        assertThat(Files.readString(checkpoint)).contains("\"after\" : \"" + stopped.checkpoint().get() + "\"")
                .contains("\"complete\" : false");
        assertThat(stopped.anchored()).isBetween(600L, (long) total - 1);
        int anchoredBefore = scans().size();

        Backfill.Progress resumed = Backfill.builder().config(stack.config()).prefix("scans/")
                .checkpointFile(checkpoint).build().run();

        assertThat(resumed.complete()).isTrue();
        assertThat(resumed.resumedAfter()).isEqualTo(stopped.checkpoint());
        assertThat(resumed.listed()).as("the resumed run did not start from zero")
                .isLessThanOrEqualTo(total - 600L).isEqualTo(resumed.totalObjects().getAsLong());
        assertThat(resumed.anchored()).isEqualTo(resumed.listed());
        Set<String> anchoredKeys = scans().stream().map(ReceivedFile::key).collect(Collectors.toSet());
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < total; i++) {
            expected.add(String.format("scans/%05d.txt", i));
        }
        assertThat(anchoredKeys).isEqualTo(expected);
        assertThat(scans().size() - total).as("re-anchored after the interruption (in flight then)")
                .isLessThanOrEqualTo(anchoredBefore - (int) stopped.anchored() + 64);
        assertThat(Files.readString(checkpoint)).contains("\"complete\" : true");

        Backfill.Progress again = Backfill.builder().config(stack.config()).prefix("scans/")
                .checkpointFile(checkpoint).build().run();
        assertThat(again.complete()).isTrue();
        assertThat(again.listed()).isZero();
    }

    private static List<ReceivedFile> scans() {
        return stack.api().files().stream().filter(f -> f.key().startsWith("scans/")).toList();
    }

    @Test
    void aCheckpointOfAnotherBackfill_isRefusedWithAFix() throws Exception {
        Path checkpoint = dir.resolve("other.json");
        Files.writeString(checkpoint, "{\"version\":1,\"bucket\":\"someone-else\",\"prefix\":\"\",\"after\":\"x\"}");
        assertThatThrownBy(() -> Backfill.builder().config(stack.config()).checkpointFile(checkpoint).build().run())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("belongs to another backfill").hasMessageContaining("delete it");
    }
}
