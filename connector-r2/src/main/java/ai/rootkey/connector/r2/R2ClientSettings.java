package ai.rootkey.connector.r2;

import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3BaseClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * What R2 needs of an AWS SDK v2 S3 client (DESIGN 6.3), in one place: region {@code auto}, path-style access, no
 * chunked encoding (R2 rejects {@code aws-chunked} uploads), and checksums only when an operation requires them (the
 * SDK's default checksums from 2.30 on broke R2 for a time). {@link R2ObjectReader} builds its client with these
 * settings; use them for a client you pass to {@link R2ObjectReader.Builder#s3Client} or build for your own R2 calls.
 * The same settings work against S3-compatible servers (S3Proxy, MinIO) in development.
 *
 * <pre>{@code
 * S3Client s3 = R2ClientSettings.applyTo(S3Client.builder())
 *         .endpointOverride(R2ObjectReader.endpointFor(accountId))
 *         .credentialsProvider(credentials)
 *         .build();
 * }</pre>
 */
public final class R2ClientSettings {
    /** The region R2 requests are signed for. */
    public static final Region REGION = Region.of("auto");

    private R2ClientSettings() {
    }

    /**
     * The S3 service settings R2 needs: path-style access on, chunked encoding off. For builders without
     * {@link #applyTo}, such as {@code S3Presigner.builder()} (together with {@link #REGION}).
     */
    public static S3Configuration serviceConfiguration() {
        return S3Configuration.builder()
                .pathStyleAccessEnabled(true)
                .chunkedEncodingEnabled(false)
                .build();
    }

    /**
     * Sets {@link #REGION}, {@link #serviceConfiguration()} and {@code WHEN_REQUIRED} request checksum calculation
     * and response checksum validation on {@code builder}, and returns it for the endpoint, credentials and HTTP
     * client. Setting any of these again afterwards replaces what this set (e.g. a region a local server insists on).
     */
    public static <B extends S3BaseClientBuilder<B, ?>> B applyTo(B builder) {
        return builder
                .region(REGION)
                .serviceConfiguration(serviceConfiguration())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    }
}
