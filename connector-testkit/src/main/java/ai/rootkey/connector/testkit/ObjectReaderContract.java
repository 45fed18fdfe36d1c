package ai.rootkey.connector.testkit;

import ai.rootkey.connector.ObjectReader;
import ai.rootkey.connector.StoredObject;
import ai.rootkey.connector.testkit.internal.Digests;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every {@link ObjectReader} must do, as a JUnit 5 test class to extend. The test kit runs it against
 * {@link InMemoryBucket}; the integration tests run it against {@code R2ObjectReader} on S3Proxy.
 */
public abstract class ObjectReaderContract {

    /** The reader under test. Called once per test; return the same instance. */
    protected abstract ObjectReader reader();

    /** The bucket the hooks write to and the reader reads. */
    protected abstract String bucket();

    /** Stores an object with a single put. */
    protected abstract void put(String key, byte[] content) throws Exception;

    /** Deletes an object. */
    protected abstract void delete(String key) throws Exception;

    protected static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private void assertReadsBack(String key, byte[] content) throws Exception {
        Optional<StoredObject> opened = reader().open(bucket(), key);
        assertThat(opened).as("object %s", key).isPresent();
        try (StoredObject object = opened.get(); InputStream body = object.body()) {
            assertThat(object.metadata().size()).isEqualTo(content.length);
            assertThat(object.metadata().eTag()).hasValue(Digests.md5Hex(content));
            assertThat(body.readAllBytes()).isEqualTo(content);
        }
    }

    @Test
    public void open_existingObject_streamsExactBytesWithLiveMetadata() throws Exception {
        byte[] content = randomBytes(200_000, 1);
        put("contract/a.bin", content);
        assertReadsBack("contract/a.bin", content);
    }

    @Test
    public void open_emptyObject() throws Exception {
        put("contract/empty", new byte[0]);
        assertReadsBack("contract/empty", new byte[0]);
    }

    @Test
    public void open_missingObject_isEmptyNotException() throws Exception {
        assertThat(reader().open(bucket(), "contract/never-written")).isEmpty();
    }

    @Test
    public void open_deletedObject_isEmpty() throws Exception {
        put("contract/deleted", "x".getBytes(StandardCharsets.UTF_8));
        delete("contract/deleted");
        assertThat(reader().open(bucket(), "contract/deleted")).isEmpty();
    }

    @Test
    public void open_overwrittenObject_returnsLiveContentAndETag() throws Exception {
        put("contract/over", "v1".getBytes(StandardCharsets.UTF_8));
        byte[] v2 = "version two".getBytes(StandardCharsets.UTF_8);
        put("contract/over", v2);
        assertReadsBack("contract/over", v2);
    }

    @Test
    public void open_unicodeAndPunctuationKeys_roundTrip() throws Exception {
        String[] keys = {
            "relatórios/Q3 résumé + notes%20v2 日本.pdf",
            "a b/c+d/e%2Ff#g?h&i=j",
            "emoji/\uD83D\uDCC4 file.txt",
            "quotes/\"it's\".txt",
        };
        for (int i = 0; i < keys.length; i++) {
            byte[] content = ("content " + i).getBytes(StandardCharsets.UTF_8);
            put(keys[i], content);
            assertReadsBack(keys[i], content);
        }
    }

    @Test
    public void close_beforeReadingEverything_isFine() throws Exception {
        put("contract/partial", randomBytes(1_000_000, 2));
        try (StoredObject object = reader().open(bucket(), "contract/partial").orElseThrow()) {
            assertThat(object.body().read(new byte[10])).isPositive();
        }
        byte[] next = "next".getBytes(StandardCharsets.UTF_8);
        put("contract/after-partial", next);
        assertReadsBack("contract/after-partial", next);
    }
}
