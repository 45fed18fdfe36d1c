package ai.rootkey.connector.local;

import ai.rootkey.connector.r2.R2ClientSettings;
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
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
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
 * put objects) signs for {@code us-east-1} (otherwise it has the {@link R2ClientSettings}); readers sign for
 * {@code auto}, which S3Proxy accepts.</li>
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

    private static final String USAGE =
            "usage: EmbeddedS3 [--port N] [--dir PATH] [--bucket NAME]... [--object KEY=FILE]...";

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

    /**
     * Runs S3Proxy as a stand-alone local stand-in until the process is stopped, so that a client in another process
     * (the runnable connector, a benchmark, a test in any language) can use it. Options: {@code --port N} (default 0:
     * any free port), {@code --dir PATH} (keep objects as files there; default in memory), {@code --bucket NAME}
     * (create it; repeatable; default {@value LoopbackStack#DEFAULT_BUCKET}), {@code --object KEY=FILE} (store the
     * file into the first bucket, straight into the store, so its size is not limited by the heap; repeatable).
     * Prints {@code R2_ENDPOINT=...}, {@code R2_ACCESS_KEY_ID=...}, {@code R2_SECRET_ACCESS_KEY=...},
     * {@code R2_BUCKET=...}, one {@code OBJECT key=KEY etag=ETAG size=N} line per object, and {@code READY}.
     */
    public static void main(String[] args) throws Exception {
        EmbeddedS3 s3;
        try {
            s3 = launch(args, System.out);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            s3.close();
            stopped.countDown();
        }, "embedded-s3-shutdown"));
        stopped.await();
    }

    static EmbeddedS3 launch(String[] args, PrintStream out) throws Exception {
        int port = 0;
        Path dir = null;
        List<String> buckets = new ArrayList<>();
        List<String[]> objects = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(USAGE + "; " + option + " needs a value");
            }
            String value = args[++i];
            switch (option) {
                case "--port" -> port = parsePort(value);
                case "--dir" -> dir = Path.of(value);
                case "--bucket" -> buckets.add(value);
                case "--object" -> {
                    int eq = value.indexOf('=');
                    if (eq <= 0 || eq == value.length() - 1) {
                        throw new IllegalArgumentException(USAGE + "; --object needs KEY=FILE, was " + value);
                    }
                    objects.add(new String[] {value.substring(0, eq), value.substring(eq + 1)});
                }
                default -> throw new IllegalArgumentException(USAGE + "; unknown option " + option);
            }
        }
        if (buckets.isEmpty()) {
            buckets.add(LoopbackStack.DEFAULT_BUCKET);
        }
        EmbeddedS3 s3 = dir == null ? start(port) : startOnDisk(dir, port);
        try {
            buckets.forEach(s3::createBucket);
            out.println("# EmbeddedS3 (S3Proxy" + (dir == null ? ", in memory" : ", files under " + dir) + "), buckets "
                    + buckets + "; Ctrl-C stops it");
            out.println("R2_ENDPOINT=" + s3.endpoint());
            out.println("R2_ACCESS_KEY_ID=" + IDENTITY);
            out.println("R2_SECRET_ACCESS_KEY=" + CREDENTIAL);
            out.println("R2_BUCKET=" + buckets.get(0));
            for (String[] object : objects) {
                Path file = Path.of(object[1]);
                String eTag = s3.putObject(buckets.get(0), object[0], file, "application/octet-stream");
                out.println("OBJECT key=" + object[0] + " etag=" + eTag + " size=" + Files.size(file));
            }
            out.println("READY");
            out.flush();
            return s3;
        } catch (Exception | Error e) {
            s3.close();
            throw e;
        }
    }

    private static int parsePort(String value) {
        try {
            int port = Integer.parseInt(value.trim());
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(USAGE + "; --port must be 0-65535, was " + value);
        }
    }

    /** Starts a server with an empty in-memory store; returns once it accepts connections. */
    public static EmbeddedS3 start() throws Exception {
        return start(0);
    }

    /** Starts a server with an empty in-memory store on {@code port} (0: any free port). */
    public static EmbeddedS3 start(int port) throws Exception {
        return start(ContextBuilder.newBuilder("transient")
                .credentials(IDENTITY, CREDENTIAL)
                .build(BlobStoreContext.class), IDENTITY, CREDENTIAL, port);
    }

    /**
     * Starts a server with an empty in-memory store that accepts only {@code identity} and {@code credential}
     * (e.g. recognisable values for a test that checks the secret never leaves the process).
     */
    public static EmbeddedS3 start(String identity, String credential) throws Exception {
        return start(ContextBuilder.newBuilder("transient")
                .credentials(identity, credential)
                .build(BlobStoreContext.class), identity, credential, 0);
    }

    /**
     * Starts a server whose objects live as files under {@code directory}, so large objects cost disk, not heap.
     * The directory is created if needed and not deleted on close.
     */
    public static EmbeddedS3 startOnDisk(Path directory) throws Exception {
        return startOnDisk(directory, 0);
    }

    /** {@link #startOnDisk(Path)} on {@code port} (0: any free port). */
    public static EmbeddedS3 startOnDisk(Path directory, int port) throws Exception {
        Files.createDirectories(directory);
        Properties overrides = new Properties();
        overrides.setProperty("jclouds.filesystem.basedir", directory.toAbsolutePath().toString());
        return start(ContextBuilder.newBuilder("filesystem")
                .credentials(IDENTITY, CREDENTIAL)
                .overrides(overrides)
                .build(BlobStoreContext.class), IDENTITY, CREDENTIAL, port);
    }

    private static EmbeddedS3 start(BlobStoreContext context, String identity, String credential, int port)
            throws Exception {
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:" + port))
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
        S3Client client = R2ClientSettings.applyTo(S3Client.builder())
                .region(Region.US_EAST_1) // S3Proxy refuses CreateBucket in region "auto"
                .endpointOverride(endpoint)
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
     * A new client set up the way the R2 reader sets one up ({@link R2ClientSettings}: region {@code auto}, path
     * style, no chunked encoding, checksums only when required), with extra interceptors, e.g. to count requests.
     * The caller closes it.
     */
    public S3Client readerClientWith(ExecutionInterceptor... interceptors) {
        return R2ClientSettings.applyTo(S3Client.builder())
                .endpointOverride(endpoint)
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

    /**
     * Stores {@code content} straight into the store, not over HTTP, and returns the ETag, unquoted: for seeding
     * thousands of objects quickly (a signed S3 request to S3Proxy costs milliseconds). Reads still go through the
     * S3 API.
     */
    public String putObjectDirect(String bucket, String key, byte[] content) {
        BlobStore store = context.getBlobStore();
        Blob blob = store.blobBuilder(key).payload(content).contentLength(content.length)
                .contentType("application/octet-stream").build();
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
