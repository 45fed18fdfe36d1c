package ai.rootkey.connector.testkit.internal;

import ai.rootkey.connector.testkit.FakeRootkeyApi;
import ai.rootkey.connector.testkit.ReceivedFile;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the ROOTKey API fake has accepted and refused: the files in arrival order, the first id of each (bucket,
 * key, ETag) for deduplication, and the rejections. The {@code QueueBroker} of the API fake. Thread-safe.
 */
public final class UploadStore {
    private final List<ReceivedFile> files = new ArrayList<>();
    private final Map<List<String>, String> accepted = new HashMap<>();
    private final List<FakeRootkeyApi.Rejection> rejections = new ArrayList<>();
    private long ids;

    /**
     * Records an accepted upload: a duplicate when (bucket, key, ETag) was accepted before (an absent ETag counts as
     * one value), carrying the first upload's id.
     */
    public synchronized ReceivedFile accept(String bucket, String key, Optional<String> eTag, String fileName,
                                            long size, String sha256, Map<String, List<String>> headers,
                                            Optional<byte[]> content) {
        List<String> identity = List.of(bucket, key, eTag.orElse(""));
        String firstId = accepted.get(identity);
        String id = firstId != null ? firstId : "file-" + ++ids;
        if (firstId == null) {
            accepted.put(identity, id);
        }
        ReceivedFile file = new ReceivedFile(id, bucket, key, eTag, fileName, size, sha256, headers, Instant.now(),
                firstId != null, content);
        files.add(file);
        return file;
    }

    public synchronized void reject(FakeRootkeyApi.Rejection rejection) {
        rejections.add(rejection);
    }

    public synchronized List<ReceivedFile> files() {
        return List.copyOf(files);
    }

    public synchronized List<FakeRootkeyApi.Rejection> rejections() {
        return List.copyOf(rejections);
    }

    /** Forgets files, deduplication state and rejections. */
    public synchronized void clear() {
        files.clear();
        accepted.clear();
        rejections.clear();
    }
}
