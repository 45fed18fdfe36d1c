package ai.rootkey.connector.it;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.LogSafe;
import ai.rootkey.connector.RetryPolicy;
import ai.rootkey.connector.local.LoopbackStack;
import ai.rootkey.connector.r2.R2Connector;
import ai.rootkey.connector.r2.RootkeyAnchorer;
import ai.rootkey.connector.r2.Secret;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.FakeRootkeyApi;
import ai.rootkey.connector.testkit.LogCapture;
import ai.rootkey.connector.testkit.ReceivedFile;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The corpus of {@link NastyKeys} end to end: every key is anchored byte-exact under its own name; on the wire its
 * header carries what the public R2 Worker sends, the key's UTF-8 bytes, unless the Worker cannot send it (a
 * control character or a space at an end: percent-encoded and flagged instead, DESIGN 6.4); and it is logged
 * escaped. Through the in-memory bucket with the real anchorer for the whole corpus (NUL and {@code a//b}
 * included, which S3Proxy refuses), and through the full loopback stack for the keys S3Proxy can store.
 */
class NastyKeysIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void everyNastyKey_inMemoryBucketAndRealAnchorer_anchoredExact_neverRawInAHeader_loggedEscaped() {
        try (FakeRootkeyApi api = FakeRootkeyApi.builder().seed(5).build().start();
             WireTap tap = WireTap.to(api.baseUrl());
             RootkeyAnchorer anchorer = RootkeyAnchorer.builder().apiKey(Secret.of(api.apiKey())).apiUrl(tap.uri())
                     .allowInsecureLoopbackForTesting(true).build();
             ConnectorTestKit kit = ConnectorTestKit.create();
             LogCapture logs = new LogCapture("ai.rootkey", Level.TRACE)) {
            Map<String, byte[]> contents = contents(NastyKeys.ALL);
            Map<String, String> eTags = new LinkedHashMap<>();
            contents.forEach((key, content) -> eTags.put(key, kit.bucket().put(key, content)));

            Connector connector = kit.start(b -> b.anchorer(anchorer));
            kit.runUntilIdle(connector, WAIT);

            assertThat(kit.queue().acked()).hasSize(contents.size());
            checkEndToEnd(ConnectorTestKit.DEFAULT_BUCKET, contents, eTags, api.files(), tap, logs);
        }
    }

    @Test
    void everyNastyKeyS3ProxyCanStore_fullLoopbackStack_anchoredExact_neverRawInAHeader_loggedEscaped()
            throws Exception {
        try (LoopbackStack stack = LoopbackStack.builder().seed(6).start();
             WireTap tap = WireTap.to(stack.api().baseUrl());
             LogCapture logs = new LogCapture("ai.rootkey", Level.TRACE)) {
            Map<String, byte[]> contents = contents(NastyKeys.servedByS3Proxy());
            Map<String, String> eTags = new LinkedHashMap<>();
            contents.forEach((key, content) -> eTags.put(key, stack.put(key, content)));

            Connector connector = R2Connector.builder()
                    .config(stack.configBuilder().rootkeyApiUrl(tap.uri()).build())
                    .engine(b -> b.retryPolicy(RetryPolicy.defaults().withDelays(Duration.ofMillis(1), Duration.ofMillis(1)))
                            .idleBackoff(Duration.ofMillis(5), Duration.ofMillis(50)).settleEvery(25, Duration.ofMillis(20)))
                    .start();
            try {
                stack.api().awaitFiles(contents.size(), WAIT);
                Await.until(() -> stack.queues().queue(stack.queueId()).backlog().isEmpty(), WAIT, "queue drained");
            } finally {
                connector.close();
            }
            assertThat(stack.queues().queue(stack.queueId()).acked()).hasSize(contents.size());
            checkEndToEnd(stack.bucket(), contents, eTags, stack.api().files(), tap, logs);
        }
    }

    private static Map<String, byte[]> contents(List<String> keys) {
        Random random = new Random(keys.size());
        Map<String, byte[]> contents = new LinkedHashMap<>();
        for (String key : keys) {
            byte[] content = new byte[random.nextInt(5000)];
            random.nextBytes(content);
            contents.put(key, content);
        }
        return contents;
    }

    private static void checkEndToEnd(String bucket, Map<String, byte[]> contents, Map<String, String> eTags,
                                      List<ReceivedFile> files, WireTap tap, LogCapture logs) {
        // Anchored byte-exact, under its own name, with its bucket and ETag.
        assertThat(files).extracting(ReceivedFile::key).containsExactlyInAnyOrderElementsOf(contents.keySet());
        for (ReceivedFile file : files) {
            String what = "file " + LogSafe.quoted(file.key());
            assertThat(file.bucket()).as(what).isEqualTo(bucket);
            assertThat(file.sha256()).as(what).isEqualTo(Hashes.sha256Hex(contents.get(file.key())));
            assertThat(file.eTag()).as(what).hasValue(eTags.get(file.key()));
            assertThat(file.keyWasPercentEncoded()).as(what + " percent-encoded")
                    .isEqualTo(workerCannotSend(file.key()));
            if (!file.keyWasPercentEncoded()) {
                assertThat(file.headerBytes("x-rootkey-source-key")).as(what).hasValueSatisfying(bytes ->
                        assertThat(bytes).isEqualTo(file.key().getBytes(StandardCharsets.UTF_8)));
            }
        }

        // On the wire: no header line holds a control byte (nothing can forge a line), every one is UTF-8, and
        // each key went as its UTF-8 bytes or, when the Worker cannot send it, in its percent form.
        List<String> sentKeys = new ArrayList<>();
        for (WireTap.Request request : tap.requests()) {
            for (String line : request.headerLines()) {
                byte[] bytes = line.getBytes(StandardCharsets.ISO_8859_1);
                for (byte b : bytes) {
                    assertThat(b & 0xFF).as("a byte of the header line %s", LogSafe.quoted(line))
                            .isNotEqualTo(0x7F).isGreaterThanOrEqualTo(0x20);
                }
                String text = utf8(bytes);
                assertThat(text).as("a header line on the wire")
                        .matches("(?s)[!#$%&'*+.^_`|~0-9A-Za-z-]+: [^ ].*").doesNotEndWith(" ");
                if (text.regionMatches(true, 0, "x-rootkey-source-key:", 0, "x-rootkey-source-key:".length())) {
                    sentKeys.add(text.substring("x-rootkey-source-key: ".length()));
                }
            }
        }
        List<String> expected = contents.keySet().stream()
                .map(key -> workerCannotSend(key) ? percentEncode(key) : key).toList();
        assertThat(sentKeys).containsExactlyInAnyOrderElementsOf(expected);

        // In the logs: one line per event, nothing raw that could forge or hide a line, every key escaped.
        for (ILoggingEvent event : logs.events()) {
            assertPrintable(event.getLoggerName(), event.getFormattedMessage());
            if (event.getKeyValuePairs() != null) {
                for (KeyValuePair kv : event.getKeyValuePairs()) {
                    assertPrintable(event.getLoggerName() + " " + kv.key, String.valueOf(kv.value));
                }
            }
        }
        List<String> anchored = logs.lines("rootkey.event.anchored");
        for (String key : contents.keySet()) {
            assertThat(anchored).as("the anchored line of " + LogSafe.quoted(key))
                    .anySatisfy(line -> assertThat(line).contains("key=" + LogSafe.quoted(key)));
        }
    }

    private static void assertPrintable(String where, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int type = Character.getType(c);
            assertThat(c < 0x20 || c == 0x7F || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.CONTROL)
                    .as("raw U+%04X in a log line of %s: %s", (int) c, where, LogSafe.quoted(text, 300)).isFalse();
        }
    }

    /** DESIGN 6.4 restated: a control character (U+0000-U+001F, U+007F) or a space at either end. */
    private static boolean workerCannotSend(String value) {
        return value.chars().anyMatch(c -> c < 0x20 || c == 0x7F) || value.startsWith(" ") || value.endsWith(" ");
    }

    /** Strict UTF-8: a header line that is not UTF-8 fails the test. */
    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError("a header line that is not UTF-8: " + HexFormat.of().formatHex(bytes), e);
        }
    }

    /** RFC 3986 over UTF-8, keeping unreserved characters and '/', uppercase hex (DESIGN 6.4 restated). */
    private static String percentEncode(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~' || c == '/') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format("%02X", c));
            }
        }
        return out.toString();
    }
}
