package ai.rootkey.connector.r2;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.ConnectorException;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.ObjectMetadata;
import ai.rootkey.connector.ObjectReader;
import ai.rootkey.connector.StoredObject;
import ai.rootkey.connector.Verdict;
import ai.rootkey.connector.r2.internal.AbortingInputStream;
import ai.rootkey.connector.r2.internal.CloudflareIds;
import ai.rootkey.connector.r2.internal.Endpoints;
import ai.rootkey.connector.LogSafe;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads objects from Cloudflare R2 (or any S3-compatible store) with the AWS SDK for Java v2, streaming: an object is
 * never held in memory, whatever its size.
 *
 * <pre>{@code
 * try (R2ObjectReader reader = R2ObjectReader.builder()
 *         .accountId(accountId).jurisdiction(Jurisdiction.EU)
 *         .accessKeyId(keyId).secretAccessKey(Secret.fromEnvironment("R2_SECRET_ACCESS_KEY"))
 *         .build()) {
 *     reader.probe("acme-documents");
 * }
 * }</pre>
 *
 * <p>The client it builds uses what R2 needs ({@link R2ClientSettings}): region {@code auto}, path-style access, no
 * chunked encoding, and checksums only when an operation requires them. Outcomes of {@link #open(String, String)} and
 * {@link #probe(String)}:
 * <ul>
 * <li>the object is missing (404, {@code NoSuchKey}): {@link Optional#empty()};</li>
 * <li>refused credentials or a missing bucket ({@code AccessDenied}, {@code SignatureDoesNotMatch},
 * {@code InvalidAccessKeyId}, {@code NoSuchBucket}, any 401/403): {@link ConfigurationException} saying which setting
 * to check;</li>
 * <li>any other error answer (5xx, {@code SlowDown}, {@code InternalError}, 429, other 4xx):
 * {@link DependencyException} with the HTTP status, the S3 error code and the {@code Retry-After} delay when
 * given;</li>
 * <li>no answer (connection refused, reset, timeout): {@link IOException} ({@link SocketTimeoutException} for
 * timeouts, {@link InterruptedIOException} when the call was interrupted or aborted), with the SDK's exception as its
 * cause; an answer to {@code GetObject} without a {@code Content-Length} is an {@link IOException} too;</li>
 * <li>a {@link Secret} whose supplier fails while a request is signed: that {@link ConfigurationException}.</li>
 * </ul>
 *
 * <p>Thread-safe. {@link #close()} closes the S3 client if this reader built it; a client passed to
 * {@link Builder#s3Client(S3Client)} is left open.
 */
public final class R2ObjectReader implements ObjectReader {
    /** Connections kept to the store; keep it at least the connector's concurrency. */
    public static final int DEFAULT_MAX_CONNECTIONS = 64;
    /** Time to open a TCP (and TLS) connection. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Longest wait for the next bytes on an open connection, while waiting for an answer or reading a body. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);
    /**
     * Longest time for one request attempt up to the response headers (connection, signing, waiting for the
     * answer). Streaming the body afterwards is not limited by it, only by the read timeout between bytes.
     */
    public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(30);
    /** Attempts per call by the SDK (first try plus retries); the connector's queue retries on top of that. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    private static final Duration MAX_RETRY_AFTER = Duration.ofHours(12);
    /** S3 error codes meaning the access key id or secret is wrong. */
    private static final Set<String> CREDENTIAL_CODES = Set.of(
            "signaturedoesnotmatch", "invalidaccesskeyid", "invalidtoken", "expiredtoken");
    /** S3 error codes meaning the bucket setting is wrong. */
    private static final Set<String> BUCKET_CODES = Set.of("nosuchbucket", "invalidbucketname");
    /** S3 error codes worth retrying whatever their HTTP status: reported as transient, labelled {@code s3_<code>}. */
    private static final Set<String> TRANSIENT_CODES = Set.of(
            "slowdown", "internalerror", "serviceunavailable", "requesttimeout", "requesttimeouttooslow",
            "throttling", "throttlingexception", "toomanyrequests", "requestlimitexceeded");

    private final S3Client s3;
    private final boolean ownsClient;
    private final Optional<URI> endpoint;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();

    private R2ObjectReader(S3Client s3, boolean ownsClient, Optional<URI> endpoint, String description) {
        this.s3 = s3;
        this.ownsClient = ownsClient;
        this.endpoint = endpoint;
        this.description = description;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The R2 endpoint of an account without a jurisdiction: {@code https://<accountId>.r2.cloudflarestorage.com}.
     *
     * @throws IllegalArgumentException when the account id is not 32 lowercase hex characters
     */
    public static URI endpointFor(String accountId) {
        return URI.create("https://" + CloudflareIds.requireAccountId(accountId, "accountId")
                + ".r2.cloudflarestorage.com");
    }

    /**
     * The R2 endpoint of an account's buckets in a jurisdiction:
     * {@code https://<accountId>.<jurisdiction>.r2.cloudflarestorage.com}.
     *
     * @throws IllegalArgumentException when the account id is not 32 lowercase hex characters
     */
    public static URI endpointFor(String accountId, Jurisdiction jurisdiction) {
        Objects.requireNonNull(jurisdiction, "jurisdiction");
        return URI.create("https://" + CloudflareIds.requireAccountId(accountId, "accountId") + "."
                + jurisdiction.wireName()
                + ".r2.cloudflarestorage.com");
    }

    /**
     * The endpoint requests go to: the one this reader was built for, or the override of a user-supplied client
     * (empty when that client uses the AWS default).
     */
    public Optional<URI> endpoint() {
        return endpoint;
    }

    /**
     * Opens an object with one {@code GetObject} and returns its metadata and its body as a live stream. Closing
     * the returned object (or its body) after the last byte returns the connection to the pool; closing it earlier
     * aborts the connection, so an unread rest of a large object is never downloaded.
     *
     * <p>The body must be read promptly: the SDK aborts a response whose body is not read within 60 seconds.
     *
     * @throws IOException            no answer from the store (see the class comment)
     * @throws ConfigurationException credentials refused or the bucket missing
     * @throws DependencyException    any other error answer
     * @throws IllegalStateException  when this reader is closed
     */
    @Override
    public Optional<StoredObject> open(String bucket, String key) throws IOException {
        requireText(bucket, "bucket");
        requireText(key, "key");
        requireOpen();
        ResponseInputStream<GetObjectResponse> response;
        try {
            response = s3.getObject(GetObjectRequest.builder().bucket(bucket).key(key).build());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkServiceException e) {
            if (e.statusCode() == 404 && !BUCKET_CODES.contains(errorCode(e).toLowerCase(Locale.ROOT))) {
                return Optional.empty();
            }
            throw answerFailure("GetObject", bucket, key, e);
        } catch (SdkException e) {
            throw noAnswerFailure("GetObject", bucket, e);
        }
        try {
            GetObjectResponse r = response.response();
            Long length = r.contentLength();
            if (length == null || length < 0) {
                throw new IOException("the store answered GetObject for bucket " + LogSafe.quoted(bucket) + ", key "
                        + LogSafe.quoted(key) + " without a Content-Length");
            }
            ObjectMetadata metadata = new ObjectMetadata(length, Optional.ofNullable(r.eTag()),
                    Optional.ofNullable(r.contentType()).filter(type -> !type.isBlank()),
                    Optional.ofNullable(r.lastModified()));
            return Optional.of(new StoredObject(metadata, new AbortingInputStream(response, response::abort, length)));
        } catch (IOException | RuntimeException e) {
            response.abort();
            throw e;
        }
    }

    /**
     * Checks with one {@code HeadBucket} that the bucket exists and the credentials are accepted.
     *
     * @throws ConfigurationException credentials refused (401/403) or the bucket missing (404)
     * @throws DependencyException    any other error answer
     * @throws IOException            no answer
     */
    @Override
    public void probe(String bucket) throws IOException {
        requireText(bucket, "bucket");
        requireOpen();
        try {
            s3.headBucket(HeadBucketRequest.builder().bucket(bucket).build());
        } catch (SdkServiceException e) {
            if (e.statusCode() == 404) {
                throw noSuchBucket(bucket, e);
            }
            throw answerFailure("HeadBucket", bucket, null, e);
        } catch (SdkException e) {
            throw noAnswerFailure("HeadBucket", bucket, e);
        }
    }

    /**
     * One page of {@code ListObjectsV2} (for backfill and the doctor), with the same error mapping as
     * {@link #probe(String)}: keys in UTF-8 binary order after {@code startAfter} (when not empty) or from the
     * continuation token (when not empty).
     *
     * <p>It asks for {@code encoding-type=url}: XML 1.0 cannot carry some characters S3 keys may hold (control
     * characters), and S3's documentation warns that a listing without the parameter can be invalid XML. The AWS
     * SDK's {@code DecodeUrlEncodedResponseInterceptor} decodes the keys of a response that says it is URL-encoded,
     * so callers see the keys as stored. R2 lists {@code encoding-type} as implemented for ListObjectsV2 (its S3 API
     * compatibility page).
     */
    ListObjectsV2Response list(String bucket, String prefix, String startAfter, String continuationToken, int maxKeys)
            throws IOException {
        requireText(bucket, "bucket");
        requireOpen();
        ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(bucket).maxKeys(maxKeys)
                .encodingType(EncodingType.URL);
        if (!prefix.isEmpty()) {
            request.prefix(prefix);
        }
        if (!continuationToken.isEmpty()) {
            request.continuationToken(continuationToken);
        } else if (!startAfter.isEmpty()) {
            request.startAfter(startAfter);
        }
        try {
            return s3.listObjectsV2(request.build());
        } catch (SdkServiceException e) {
            if (e.statusCode() == 404) {
                throw noSuchBucket(bucket, e);
            }
            throw answerFailure("ListObjectsV2", bucket, null, e);
        } catch (SdkException e) {
            throw noAnswerFailure("ListObjectsV2", bucket, e);
        }
    }

    /**
     * Closes the S3 client if this reader built it; a user-supplied client stays open. Objects already opened should
     * be closed first. Idempotent; never throws.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && ownsClient) {
            s3.close();
        }
    }

    /** The endpoint and settings; never the secret. */
    @Override
    public String toString() {
        return "R2ObjectReader[" + description + (closed.get() ? ", closed" : "") + "]";
    }

    // ---- error mapping ------------------------------------------------------------------------------------------

    private ConnectorException answerFailure(String operation, String bucket, String key, SdkServiceException e) {
        int status = e.statusCode();
        String code = errorCode(e);
        String lowerCode = code.toLowerCase(Locale.ROOT);
        String answer = code.isEmpty() ? "HTTP " + status : code + ", HTTP " + status;
        if (CREDENTIAL_CODES.contains(lowerCode) || status == 401) {
            return new ConfigurationException("R2 refused the credentials (" + answer + "): check R2_ACCESS_KEY_ID and "
                    + "R2_SECRET_ACCESS_KEY", e);
        }
        if (BUCKET_CODES.contains(lowerCode)) {
            return noSuchBucket(bucket, e);
        }
        if (status == 403) {
            String what = code.isEmpty() ? "R2 denied access to bucket " : "R2 " + LogSafe.escape(code, 64) + " on bucket ";
            return new ConfigurationException(what + LogSafe.quoted(bucket) + " (HTTP " + status
                    + "): check that the token behind R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY may read R2_BUCKET, "
                    + "and the endpoint/jurisdiction (" + where() + ")", e);
        }
        String message = serviceMessage(e);
        return new DependencyException("R2 answered " + operation + " for bucket " + LogSafe.quoted(bucket)
                + (key == null ? "" : ", key " + LogSafe.quoted(key)) + " with " + answer
                + (message.isEmpty() ? "" : ": " + LogSafe.quoted(message)),
                status >= 100 && status <= 599 ? status : 0, code.isEmpty() ? null : code, retryAfter(e), e,
                TRANSIENT_CODES.contains(lowerCode) ? Verdict.transientFailure("s3_" + lowerCode) : null);
    }

    private ConfigurationException noSuchBucket(String bucket, SdkServiceException e) {
        String code = errorCode(e);
        return new ConfigurationException("R2 answered " + (code.isEmpty() ? "HTTP " + e.statusCode() : code)
                + " for bucket " + LogSafe.quoted(bucket) + ": check R2_BUCKET and the endpoint/jurisdiction ("
                + where() + ")", e);
    }

    private IOException noAnswerFailure(String operation, String bucket, SdkException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigurationException) {
                // a Secret whose supplier yields nothing, thrown while signing
                throw (ConfigurationException) t;
            }
        }
        String message = "no answer from the store at " + where() + " for " + operation + " on bucket "
                + LogSafe.quoted(bucket) + ": " + e.getMessage();
        IOException failure;
        if (e instanceof ApiCallAttemptTimeoutException || e instanceof ApiCallTimeoutException) {
            failure = new SocketTimeoutException(message);
        } else if (e instanceof AbortedException) {
            failure = new InterruptedIOException(message);
        } else {
            return new IOException(message, e);
        }
        failure.initCause(e);
        return failure;
    }

    private String where() {
        return endpoint.map(URI::toString).orElse("the S3 client's default endpoint");
    }

    private static String errorCode(SdkServiceException e) {
        if (e instanceof AwsServiceException) {
            AwsErrorDetails details = ((AwsServiceException) e).awsErrorDetails();
            if (details != null && details.errorCode() != null) {
                return details.errorCode();
            }
        }
        return "";
    }

    private static String serviceMessage(SdkServiceException e) {
        if (e instanceof AwsServiceException) {
            AwsErrorDetails details = ((AwsServiceException) e).awsErrorDetails();
            if (details != null && details.errorMessage() != null) {
                return details.errorMessage();
            }
        }
        return "";
    }

    /** The {@code Retry-After} delay in whole seconds, when the answer has one; HTTP dates are ignored. */
    private static Duration retryAfter(SdkServiceException e) {
        if (!(e instanceof AwsServiceException)) {
            return null;
        }
        AwsErrorDetails details = ((AwsServiceException) e).awsErrorDetails();
        if (details == null || details.sdkHttpResponse() == null) {
            return null;
        }
        return details.sdkHttpResponse().firstMatchingHeader("Retry-After")
                .map(String::trim)
                .filter(v -> v.matches("\\d{1,9}"))
                .map(v -> Duration.ofSeconds(Long.parseLong(v)))
                .map(d -> d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d)
                .orElse(null);
    }

    // ---- validation ---------------------------------------------------------------------------------------------

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this R2ObjectReader is closed");
        }
    }

    private static void requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isEmpty()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
    }

    /**
     * Signs with the current value of the secret (and session token, for temporary credentials), read for each
     * request so that rotated credentials are picked up.
     */
    private static final class SecretCredentialsProvider implements AwsCredentialsProvider {
        private final String accessKeyId;
        private final Secret secretAccessKey;
        private final Optional<Secret> sessionToken;

        SecretCredentialsProvider(String accessKeyId, Secret secretAccessKey, Optional<Secret> sessionToken) {
            this.accessKeyId = accessKeyId;
            this.secretAccessKey = secretAccessKey;
            this.sessionToken = sessionToken;
        }

        @Override
        public AwsCredentials resolveCredentials() {
            if (sessionToken.isPresent()) {
                return AwsSessionCredentials.create(accessKeyId, secretAccessKey.reveal(), sessionToken.get().reveal());
            }
            return AwsBasicCredentials.create(accessKeyId, secretAccessKey.reveal());
        }

        @Override
        public String toString() {
            return "SecretCredentialsProvider[accessKeyId=" + accessKeyId + ", secretAccessKey=redacted"
                    + (sessionToken.isPresent() ? ", sessionToken=redacted" : "") + "]";
        }
    }

    /**
     * Configures an {@link R2ObjectReader}: either where and how to connect (endpoint, credentials, pool and
     * timeouts), from which the reader builds and owns its client, or a ready {@link #s3Client(S3Client)}. Not
     * thread-safe.
     */
    public static final class Builder {
        private String accountId;
        private Jurisdiction jurisdiction;
        private URI endpoint;
        private boolean allowInsecureLoopback;
        private String accessKeyId;
        private Secret secretAccessKey;
        private Secret sessionToken;
        private S3Client s3Client;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration readTimeout = DEFAULT_READ_TIMEOUT;
        private Duration attemptTimeout = DEFAULT_ATTEMPT_TIMEOUT;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        /** The client options set, named for the conflict message with {@link #s3Client(S3Client)}. */
        private final Set<String> clientOptions = new LinkedHashSet<>();

        private Builder() {
        }

        /** The Cloudflare account id (32 lowercase hex characters), from which the R2 endpoint is derived. */
        public Builder accountId(String accountId) {
            this.accountId = CloudflareIds.requireAccountId(accountId, "accountId");
            clientOptions.add("accountId");
            return this;
        }

        /** The jurisdiction of the bucket; requires {@link #accountId(String)}. Default: none. */
        public Builder jurisdiction(Jurisdiction jurisdiction) {
            this.jurisdiction = Objects.requireNonNull(jurisdiction, "jurisdiction");
            clientOptions.add("jurisdiction");
            return this;
        }

        /**
         * An explicit endpoint, for an S3-compatible server (S3Proxy, MinIO) or a proxy; it takes precedence over the
         * one derived from {@link #accountId(String)}. Must be https, or http to a loopback host with
         * {@link #allowInsecureLoopbackForTesting(boolean)}.
         */
        public Builder endpoint(URI endpoint) {
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
            clientOptions.add("endpoint");
            return this;
        }

        /**
         * Lets {@link #endpoint(URI)} be plain http to localhost, 127.0.0.0/8 or ::1 (local stand-ins, tests).
         * Default false.
         */
        public Builder allowInsecureLoopbackForTesting(boolean allowInsecureLoopback) {
            this.allowInsecureLoopback = allowInsecureLoopback;
            return this;
        }

        /** The R2 access key id. */
        public Builder accessKeyId(String accessKeyId) {
            Objects.requireNonNull(accessKeyId, "accessKeyId");
            if (accessKeyId.isBlank()) {
                throw new IllegalArgumentException("accessKeyId must not be blank");
            }
            this.accessKeyId = accessKeyId;
            clientOptions.add("accessKeyId");
            return this;
        }

        /** The R2 secret access key; revealed only to sign requests, each time, so a rotated secret is picked up. */
        public Builder secretAccessKey(Secret secretAccessKey) {
            this.secretAccessKey = Objects.requireNonNull(secretAccessKey, "secretAccessKey");
            clientOptions.add("secretAccessKey");
            return this;
        }

        /**
         * The session token of temporary credentials ({@code R2_SESSION_TOKEN}): sent with each signed request
         * ({@code x-amz-security-token}). A secret, revealed per request and never logged. Default: none.
         */
        public Builder sessionToken(Secret sessionToken) {
            this.sessionToken = Objects.requireNonNull(sessionToken, "sessionToken");
            clientOptions.add("sessionToken");
            return this;
        }

        /**
         * Sets {@link #accountId(String)}, the jurisdiction or endpoint override, the credentials (session token
         * included) and the insecure-loopback switch from a configuration.
         */
        public Builder config(R2ConnectorConfig config) {
            Objects.requireNonNull(config, "config");
            accountId(config.accountId());
            config.jurisdiction().ifPresent(this::jurisdiction);
            config.r2Endpoint().ifPresent(this::endpoint);
            accessKeyId(config.accessKeyId());
            secretAccessKey(config.secretAccessKey());
            config.sessionToken().ifPresent(this::sessionToken);
            return allowInsecureLoopbackForTesting(config.allowInsecureLoopback());
        }

        /**
         * A ready client to use instead of building one: the reader does not close it, and its configuration is
         * used as given (for R2, build it with {@link R2ClientSettings#applyTo}). Excludes every other option of this
         * builder.
         */
        public Builder s3Client(S3Client s3Client) {
            this.s3Client = Objects.requireNonNull(s3Client, "s3Client");
            return this;
        }

        /**
         * Pooled connections, 1 to 10,000; keep it at least the connector's concurrency. Default
         * {@value R2ObjectReader#DEFAULT_MAX_CONNECTIONS}.
         */
        public Builder maxConnections(int maxConnections) {
            if (maxConnections < 1 || maxConnections > 10_000) {
                throw new IllegalArgumentException("maxConnections must be between 1 and 10000, was " + maxConnections);
            }
            this.maxConnections = maxConnections;
            clientOptions.add("maxConnections");
            return this;
        }

        /** Time to open a connection. Default 10 s. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = requirePositive(connectTimeout, "connectTimeout");
            clientOptions.add("connectTimeout");
            return this;
        }

        /**
         * Longest wait for the next bytes on a connection (the socket timeout), also while streaming a body.
         * Default 60 s.
         */
        public Builder readTimeout(Duration readTimeout) {
            this.readTimeout = requirePositive(readTimeout, "readTimeout");
            clientOptions.add("readTimeout");
            return this;
        }

        /**
         * Longest time for one attempt up to the response headers, including waiting for a pooled connection. The
         * body of a large object streams for as long as it needs; there is deliberately no limit on a whole call.
         * Default 30 s.
         */
        public Builder attemptTimeout(Duration attemptTimeout) {
            this.attemptTimeout = requirePositive(attemptTimeout, "attemptTimeout");
            clientOptions.add("attemptTimeout");
            return this;
        }

        /**
         * Attempts the SDK makes per call, 1 to 10: 1 disables the SDK's retries (the connector's queue retries
         * anyway). Default {@value R2ObjectReader#DEFAULT_MAX_ATTEMPTS}.
         */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1 || maxAttempts > 10) {
                throw new IllegalArgumentException("maxAttempts must be between 1 and 10, was " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            clientOptions.add("maxAttempts");
            return this;
        }

        /**
         * Builds the reader (and its S3 client, unless one was supplied). Does no network call.
         *
         * @throws IllegalStateException  when the endpoint or credentials are missing, or options conflict
         * @throws ConfigurationException when the endpoint breaks the https rule (plain http is allowed only to a
         *                                loopback host with {@link #allowInsecureLoopbackForTesting(boolean)})
         */
        public R2ObjectReader build() {
            if (s3Client != null) {
                if (!clientOptions.isEmpty()) {
                    throw new IllegalStateException("s3Client(...) is used as given, so "
                            + String.join(", ", clientOptions)
                            + " would be ignored: configure the S3Client itself, or drop s3Client(...)");
                }
                Optional<URI> override = s3Client.serviceClientConfiguration().endpointOverride();
                return new R2ObjectReader(s3Client, false, override,
                        "s3Client=user-supplied (not closed by this reader), endpoint="
                                + override.map(URI::toString).orElse("default"));
            }
            if (endpoint != null && jurisdiction != null) {
                throw new IllegalStateException("jurisdiction(...) has no effect with endpoint(...): drop one of them");
            }
            if (jurisdiction != null && accountId == null) {
                throw new IllegalStateException("jurisdiction(...) needs accountId(...)");
            }
            if (endpoint == null && accountId == null) {
                throw new IllegalStateException("no endpoint: call accountId(...) for R2, endpoint(...) for an "
                        + "S3-compatible server, or s3Client(...)");
            }
            if (accessKeyId == null || secretAccessKey == null) {
                throw new IllegalStateException("no credentials: call accessKeyId(...) and secretAccessKey(...)");
            }
            URI target;
            if (endpoint != null) {
                target = Endpoints.requireHttpsOrLoopback(endpoint, allowInsecureLoopback, "endpoint");
            } else {
                target = jurisdiction == null ? endpointFor(accountId) : endpointFor(accountId, jurisdiction);
            }
            Duration connect = connectTimeout;
            Duration read = readTimeout;
            Duration attempt = attemptTimeout;
            int connections = maxConnections;
            int attempts = maxAttempts;
            S3Client client = R2ClientSettings.applyTo(S3Client.builder())
                    .endpointOverride(target)
                    .credentialsProvider(new SecretCredentialsProvider(accessKeyId, secretAccessKey,
                            Optional.ofNullable(sessionToken)))
                    .httpClientBuilder(Apache5HttpClient.builder()
                            .maxConnections(connections)
                            .connectionTimeout(connect)
                            .socketTimeout(read)
                            .connectionAcquisitionTimeout(attempt))
                    .overrideConfiguration(o -> o
                            .apiCallAttemptTimeout(attempt)
                            .retryStrategy(retry -> retry.maxAttempts(attempts)))
                    .build();
            return new R2ObjectReader(client, true, Optional.of(target), "endpoint=" + target + ", accessKeyId="
                    + accessKeyId + ", secretAccessKey=redacted" + (sessionToken == null ? "" : ", sessionToken=redacted")
                    + ", maxConnections=" + connections + ", connectTimeout=" + connect + ", readTimeout=" + read
                    + ", attemptTimeout=" + attempt + ", maxAttempts=" + attempts);
        }

        private static Duration requirePositive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
            return d;
        }
    }
}
