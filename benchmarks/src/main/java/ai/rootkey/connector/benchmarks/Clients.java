package ai.rootkey.connector.benchmarks;

import ai.rootkey.connector.local.EmbeddedS3;
import ai.rootkey.connector.r2.R2ClientSettings;
import ai.rootkey.connector.r2.R2ObjectReader;
import ai.rootkey.connector.r2.RootkeyAnchorer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.List;

/**
 * The clients the small-object benchmarks share between the connector (passed in through
 * {@code R2Connector.Builder.s3Client/httpClient}) and the bare baseline, so both use the very same settings: those
 * {@link R2ObjectReader} and the queue source choose when they build their own. The connector's upload always runs
 * on the Apache HttpClient 5 client {@link RootkeyAnchorer} builds ({@code httpClient} serves the Queues API only);
 * the bare loop posts with {@link #http()} (its keys are ASCII, which {@code java.net.http} sends unchanged).
 */
final class Clients {
    private Clients() {
    }

    /**
     * An S3 client set up as {@link R2ObjectReader.Builder#build()} sets one up ({@link R2ClientSettings}), with the
     * reader's defaults.
     */
    static S3Client s3(URI endpoint) {
        return s3(endpoint, List.of());
    }

    /** Like {@link #s3(URI)} with {@code interceptors} added (B5's {@link S3Latency}). */
    static S3Client s3(URI endpoint, List<ExecutionInterceptor> interceptors) {
        return R2ClientSettings.applyTo(S3Client.builder())
                .endpointOverride(endpoint)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(EmbeddedS3.IDENTITY, EmbeddedS3.CREDENTIAL)))
                .httpClientBuilder(Apache5HttpClient.builder()
                        .maxConnections(R2ObjectReader.DEFAULT_MAX_CONNECTIONS)
                        .connectionTimeout(R2ObjectReader.DEFAULT_CONNECT_TIMEOUT)
                        .socketTimeout(R2ObjectReader.DEFAULT_READ_TIMEOUT)
                        .connectionAcquisitionTimeout(R2ObjectReader.DEFAULT_ATTEMPT_TIMEOUT))
                .overrideConfiguration(o -> o
                        .executionInterceptors(interceptors)
                        .apiCallAttemptTimeout(R2ObjectReader.DEFAULT_ATTEMPT_TIMEOUT)
                        .retryStrategy(retry -> retry.maxAttempts(R2ObjectReader.DEFAULT_MAX_ATTEMPTS)))
                .build();
    }

    /** An HTTP client set up as the queue source sets one up, for plain-http loopback. */
    static HttpClient http() {
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(RootkeyAnchorer.DEFAULT_CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (Boolean.getBoolean("bench.directExecutor")) {
            b.executor(Runnable::run); // an experiment (BENCHMARKS.md): tasks inline instead of the client's pool
        }
        return b.build();
    }
}
