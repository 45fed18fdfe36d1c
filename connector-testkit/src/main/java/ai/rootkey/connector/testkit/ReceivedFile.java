package ai.rootkey.connector.testkit;

import ai.rootkey.connector.LogSafe;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One upload that {@link FakeRootkeyApi} accepted.
 *
 * @param id         the id the fake answered with; a duplicate carries the id of the first upload
 * @param bucket     {@code x-rootkey-source-bucket} as the API stores it: its bytes as UTF-8, or percent-decoded
 *                   when flagged {@code -encoding: percent}
 * @param key        {@code x-rootkey-source-key} as the API stores it, likewise
 * @param eTag       {@code x-rootkey-source-etag}, likewise, when sent
 * @param fileName   the multipart part's {@code filename}
 * @param size       content bytes
 * @param sha256     lowercase hex SHA-256 of the content
 * @param headers    the request headers, names in lowercase, without {@code x-api-key}; each value as the JDK
 *                   server hands it over: one char per byte received (ISO-8859-1), see {@link #headerBytes}
 * @param receivedAt when the body had been read
 * @param duplicate  true when (bucket, key, ETag) had been accepted before (answered 200, not 201)
 * @param content    the content, when retention was on and it was within the limit
 */
public record ReceivedFile(String id, String bucket, String key, Optional<String> eTag, String fileName, long size,
                           String sha256, Map<String, List<String>> headers, Instant receivedAt, boolean duplicate,
                           Optional<byte[]> content) {
    public ReceivedFile {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(eTag, "eTag");
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(receivedAt, "receivedAt");
        Objects.requireNonNull(content, "content");
        Map<String, List<String>> copy = new TreeMap<>();
        headers.forEach((name, values) -> copy.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        headers = Collections.unmodifiableMap(copy);
        content = content.map(byte[]::clone);
    }

    /** A copy of the content, when it was retained. */
    @Override
    public Optional<byte[]> content() {
        return content.map(byte[]::clone);
    }

    /** The content as UTF-8 text, when it was retained. */
    public Optional<String> contentAsUtf8() {
        return content.map(bytes -> new String(bytes, StandardCharsets.UTF_8));
    }

    /** The first value of a request header (name in any case), one char per byte received; see {@link #headerBytes}. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /**
     * The raw bytes of the first value of a request header (name in any case), exactly as they arrived, e.g.
     * {@code headerBytes("x-rootkey-source-key")} to check that a key went as its UTF-8 bytes.
     */
    public Optional<byte[]> headerBytes(String name) {
        return header(name).map(value -> value.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** True when the key arrived percent-encoded ({@code x-rootkey-source-key-encoding: percent}). */
    public boolean keyWasPercentEncoded() {
        return header("x-rootkey-source-key-encoding").isPresent();
    }

    /** Compares the content by value. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ReceivedFile)) {
            return false;
        }
        ReceivedFile f = (ReceivedFile) o;
        return size == f.size && duplicate == f.duplicate && id.equals(f.id) && bucket.equals(f.bucket)
                && key.equals(f.key) && eTag.equals(f.eTag) && fileName.equals(f.fileName) && sha256.equals(f.sha256)
                && headers.equals(f.headers) && receivedAt.equals(f.receivedAt)
                && content.isPresent() == f.content.isPresent()
                && (content.isEmpty() || Arrays.equals(content.get(), f.content.get()));
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, bucket, key, eTag, fileName, size, sha256, receivedAt, duplicate);
    }

    /** The identity and digest, user data escaped; the content is not shown. */
    @Override
    public String toString() {
        return "ReceivedFile[id=" + id + ", bucket=" + LogSafe.escape(bucket) + ", key=" + LogSafe.escape(key)
                + ", eTag=" + eTag.map(LogSafe::escape).orElse("-") + ", fileName=" + LogSafe.escape(fileName)
                + ", size=" + size + ", sha256=" + sha256 + ", duplicate=" + duplicate + ", content=" + (content.isPresent() ? "retained" : "not retained") + "]";
    }
}
