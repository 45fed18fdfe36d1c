package ai.rootkey.connector.local;

import ai.rootkey.connector.r2.R2ObjectReader;
import ai.rootkey.connector.r2.Secret;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.Blob;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An embedded S3Proxy for tests: an in-memory ("transient" jclouds) store behind the S3 API on 127.0.0.1 and a free
 * port, with AWS v2/v4 signature checking for {@link #IDENTITY}/{@link #CREDENTIAL}. Start one per test class:
 *
 * <pre>{@code
 * static EmbeddedS3 s3;
 * @BeforeAll static void start() throws Exception { s3 = EmbeddedS3.start(); s3.createBucket("docs"); }
 * @AfterAll static void stop() { s3.close(); }
 * ...
 * try (R2ObjectReader reader = s3.readerBuilder().build()) { ... }
 * }</pre>
 *
 * <p>What differs from R2 (S3Proxy 2.6.0 with the transient store):
 * <ul>
 * <li>{@code CreateBucket} with the {@code auto} location is rejected, so {@link #client()} (used to create buckets and
 * put objects) signs for {@code us-east-1}; readers sign for {@code auto}, which S3Proxy accepts.</li>
 * <li>Keys with an empty path segment ({@code a//b}, a leading {@code /}) fail with 403: the SDK sends the second slash
 * as {@code %2F}, which S3Proxy canonicalizes differently when it checks the signature. Keys with NUL fail with 400.</li>
 * <li>An upload whose Content-Type has parameters ({@code text/plain; charset=utf-8}) fails with 403 (the embedded
 * Jetty rewrites the header before the signature check): use plain types.</li>
 * <li>ETags are the MD5 of the content (single-part uploads), as on R2.</li>
 * </ul>
 */
public final class EmbeddedS3 implements AutoCloseable {
    /** The access key id S3Proxy accepts. */
    public static final String IDENTITY = "local-identity";
    /** The secret access key S3Proxy accepts. */
    public static final String CREDENTIAL = "local-credential";

    private final BlobStoreContext context;
    private final S3Proxy proxy;
    private final URI endpoint;
    private final S3Client client;
    private final String identity;
    private final String credential;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedS3(BlobStoreContext context, S3Proxy proxy, URI endpoint, S3Client client, String identity,
                       String credential) {
        this.context = context;
        this.proxy = proxy;
        this.endpoint = endpoint;
        this.client = client;
        this.identity = identity;
        this.credential = credential;
    }

    /** Starts a server with an empty in-memory store; returns once it accepts connections. */
    public static EmbeddedS3 start() throws Exception {
        return start(IDENTITY, CREDENTIAL);
    }

    /**
     * Starts a server with an empty in-memory store that accepts only {@code identity} and {@code credential}
     * (e.g. recognisable values for a test that checks the secret never leaves the process).
     */
    public static EmbeddedS3 start(String identity, String credential) throws Exception {
        return start(ContextBuilder.newBuilder("transient")
                .credentials(identity, credential)
                .build(BlobStoreContext.class), identity, credential);
    }

    /**
     * Starts a server whose objects live as files under {@code directory}, so large objects cost disk, not heap.
     * The directory is created if needed and not deleted on close.
     */
    public static EmbeddedS3 startOnDisk(Path directory) throws Exception {
        Files.createDirectories(directory);
        Properties overrides = new Properties();
        overrides.setProperty("jclouds.filesystem.basedir", directory.toAbsolutePath().toString());
        return start(ContextBuilder.newBuilder("filesystem")
                .credentials(IDENTITY, CREDENTIAL)
                .overrides(overrides)
                .build(BlobStoreContext.class), IDENTITY, CREDENTIAL);
    }

    private static EmbeddedS3 start(BlobStoreContext context, String identity, String credential) throws Exception {
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, identity, credential)
                .build();
        try {
            proxy.start(); // Jetty's start is synchronous: bound and accepting when it returns
        } catch (Exception e) {
            context.close();
            throw e;
        }
        if (!"STARTED".equals(proxy.getState()) || proxy.getPort() <= 0) {
            proxy.stop();
            context.close();
            throw new IllegalStateException("S3Proxy did not start: state " + proxy.getState());
        }
        URI endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
        S3Client client = S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(identity, credential)))
                .httpClientBuilder(Apache5HttpClient.builder())
                .build();
        return new EmbeddedS3(context, proxy, endpoint, client, identity, credential);
    }

    /** {@code http://127.0.0.1:<port>}. */
    public URI endpoint() {
        return endpoint;
    }

    /** The access key id this server accepts ({@link #IDENTITY} unless started with others). */
    public String identity() {
        return identity;
    }

    /** The secret access key this server accepts ({@link #CREDENTIAL} unless started with others). */
    public String credential() {
        return credential;
    }

    /** A client for setting up buckets and objects (region {@code us-east-1}); closed with this server. */
    public S3Client client() {
        return client;
    }

    /** A reader builder for this server: its endpoint, valid credentials, http to loopback allowed. */
    public R2ObjectReader.Builder readerBuilder() {
        return R2ObjectReader.builder()
                .endpoint(endpoint)
                .allowInsecureLoopbackForTesting(true)
                .accessKeyId(identity)
                .secretAccessKey(Secret.of(credential));
    }

    /**
     * A new client set up the way the R2 reader sets one up (region {@code auto}, path style, no chunked encoding,
     * checksums only when required), with extra interceptors, e.g. to count requests. The caller closes it.
     */
    public S3Client readerClientWith(ExecutionInterceptor... interceptors) {
        return S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.of("auto"))
                .forcePathStyle(true)
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(identity, credential)))
                .overrideConfiguration(o -> o.executionInterceptors(List.of(interceptors)))
                .httpClientBuilder(Apache5HttpClient.builder())
                .build();
    }

    /** Creates a bucket. */
    public void createBucket(String bucket) {
        client.createBucket(b -> b.bucket(bucket));
    }

    /** Stores an object and returns its ETag as the server gives it (quoted). Use a Content-Type without parameters. */
    public String putObject(String bucket, String key, byte[] content, String contentType) {
        return client.putObject(b -> b.bucket(bucket).key(key).contentType(contentType),
                RequestBody.fromBytes(content)).eTag();
    }

    /** Stores {@code size} bytes read from {@code content} without buffering them; returns the quoted ETag. */
    public String putObject(String bucket, String key, InputStream content, long size, String contentType) {
        return client.putObject(b -> b.bucket(bucket).key(key).contentType(contentType).contentLength(size),
                RequestBody.fromInputStream(content, size)).eTag();
    }

    /**
     * Stores the content of {@code file} straight into the store, not over HTTP (S3Proxy buffers a signed upload
     * whole to check its hash, which a big object on a small heap cannot afford); returns the ETag, unquoted. Reads
     * still go through the S3 API.
     */
    public String putObject(String bucket, String key, Path file, String contentType) throws IOException {
        BlobStore store = context.getBlobStore();
        Blob blob = store.blobBuilder(key).payload(file.toFile()).contentLength(Files.size(file))
                .contentType(contentType).build();
        String eTag = store.putBlob(bucket, blob);
        return eTag != null && eTag.startsWith("\"") && eTag.endsWith("\"") && eTag.length() >= 2
                ? eTag.substring(1, eTag.length() - 1) : eTag;
    }

    /** Stops the server and releases the store; idempotent. Afterwards its port refuses connections. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            client.close();
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop S3Proxy", e);
        } finally {
            context.close();
        }
    }
}
