package ai.rootkey.connector.it.chaos;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Seeded faults for the reader's S3 client, injected where the AWS SDK runs its interceptors (S3Proxy has no fault
 * injection of its own). Per {@code GetObject} call, with probability {@code rate}, one of:
 * <ul>
 *   <li>{@code s3.503_slowdown_once}: the first attempt answers 503 SlowDown; the SDK's own retry hides it;</li>
 *   <li>{@code s3.500_every_attempt}: every attempt answers 500 InternalError, so the call fails after the SDK's
 *       retries and the connector classifies it;</li>
 *   <li>{@code s3.connection_refused}: every attempt fails without an answer (an {@link SdkClientException} with an
 *       {@link IOException} cause);</li>
 *   <li>{@code s3.reset_mid_body}: the answer is fine but the body breaks after half of it, while the connector is
 *       already streaming it to the API;</li>
 *   <li>{@code s3.slow_body}: the body stalls for 40 ms before its first bytes.</li>
 * </ul>
 * Thread-safe.
 */
final class S3Faults implements ExecutionInterceptor {
    private enum Kind { NONE, SLOWDOWN_ONCE, ERROR_EVERY_ATTEMPT, CONNECTION_REFUSED, RESET_MID_BODY, SLOW_BODY }

    private static final ExecutionAttribute<Kind> KIND = new ExecutionAttribute<>("chaos.s3.fault");
    private static final ExecutionAttribute<AtomicInteger> ATTEMPT = new ExecutionAttribute<>("chaos.s3.attempt");

    private final Random random;
    private final double rate;
    private final ChaosLedger ledger;

    S3Faults(long seed, double rate, ChaosLedger ledger) {
        this.random = new Random(seed);
        this.rate = rate;
        this.ledger = ledger;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        Kind kind = Kind.NONE;
        if (context.request() instanceof GetObjectRequest) {
            synchronized (random) {
                if (random.nextDouble() < rate) {
                    kind = Kind.values()[1 + random.nextInt(Kind.values().length - 1)];
                }
            }
        }
        attributes.putAttribute(KIND, kind);
        attributes.putAttribute(ATTEMPT, new AtomicInteger());
        switch (kind) {
            case SLOWDOWN_ONCE -> ledger.fault("s3.503_slowdown_once");
            case ERROR_EVERY_ATTEMPT -> ledger.fault("s3.500_every_attempt");
            case CONNECTION_REFUSED -> ledger.fault("s3.connection_refused");
            case RESET_MID_BODY -> ledger.fault("s3.reset_mid_body");
            case SLOW_BODY -> ledger.fault("s3.slow_body");
            default -> { }
        }
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        Kind kind = attributes.getAttribute(KIND);
        int attempt = attributes.getAttribute(ATTEMPT).incrementAndGet();
        if (kind == Kind.SLOWDOWN_ONCE && attempt == 1) {
            throw serviceError(503, "SlowDown", "Please reduce your request rate (injected)");
        }
        if (kind == Kind.ERROR_EVERY_ATTEMPT) {
            throw serviceError(500, "InternalError", "We encountered an internal error (injected)");
        }
        if (kind == Kind.CONNECTION_REFUSED) {
            throw SdkClientException.builder().message("Unable to execute HTTP request: Connection refused (injected)")
                    .cause(new IOException("Connection refused (injected)")).build();
        }
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context,
                                                           ExecutionAttributes attributes) {
        Optional<InputStream> body = context.responseBody();
        Kind kind = attributes.getAttribute(KIND);
        if (body.isEmpty() || !context.httpResponse().isSuccessful()) {
            return body;
        }
        if (kind == Kind.RESET_MID_BODY) {
            long length = context.httpResponse().firstMatchingHeader("Content-Length").map(Long::parseLong).orElse(0L);
            return Optional.of(new Breaking(body.get(), length / 2));
        }
        if (kind == Kind.SLOW_BODY) {
            return Optional.of(new Slow(body.get()));
        }
        return body;
    }

    private static S3Exception serviceError(int status, String code, String message) {
        return (S3Exception) S3Exception.builder().statusCode(status).message(message)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).serviceName("S3")
                        .build())
                .build();
    }

    /** Fails with a reset after {@code limit} bytes (at once for an empty body: nothing to break). */
    private static final class Breaking extends FilterInputStream {
        private long left;

        Breaking(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0 && len > 0) {
                int n = super.read(b, off, 1);
                if (n < 0) {
                    return -1; // an empty body has nothing to break
                }
                throw new IOException("Connection reset (injected, in the middle of the object body)");
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }

    /** Holds back the first bytes for 40 ms. */
    private static final class Slow extends FilterInputStream {
        private boolean stalled;

        Slow(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (!stalled) {
                stalled = true;
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(40)); // a slow network, not a test waiting
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedIOException("interrupted while the body was slow");
                }
            }
            return super.read(b, off, len);
        }
    }
}
