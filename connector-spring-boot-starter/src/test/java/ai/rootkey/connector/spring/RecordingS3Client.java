package ai.rootkey.connector.spring;

import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ServiceClientConfiguration;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An application's own {@link S3Client}: serves objects from a map (GetObject only, the call the connector makes per
 * object) and records what was asked and whether it was closed. Every other S3 operation keeps the SDK's default,
 * UnsupportedOperationException.
 */
final class RecordingS3Client implements S3Client {
    private final Map<String, byte[]> objects;
    private final List<String> requestedKeys = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    RecordingS3Client(Map<String, byte[]> objects) {
        this.objects = Map.copyOf(objects);
    }

    @Override
    public ResponseInputStream<GetObjectResponse> getObject(GetObjectRequest request) {
        requestedKeys.add(request.key());
        byte[] content = objects.get(request.key());
        if (content == null) {
            throw NoSuchKeyException.builder().message("The specified key does not exist.").statusCode(404).build();
        }
        GetObjectResponse response = GetObjectResponse.builder().contentLength((long) content.length)
                .eTag("\"0123456789abcdef0123456789abcdef\"").contentType("application/pdf")
                .lastModified(Instant.parse("2026-01-01T00:00:00Z")).build();
        return new ResponseInputStream<>(response, AbortableInputStream.create(new ByteArrayInputStream(content)));
    }

    List<String> requestedKeys() {
        return List.copyOf(requestedKeys);
    }

    boolean closed() {
        return closed;
    }

    @Override
    public S3ServiceClientConfiguration serviceClientConfiguration() {
        return S3ServiceClientConfiguration.builder().endpointOverride(URI.create("http://127.0.0.1:9")).build();
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {
        closed = true;
    }
}
