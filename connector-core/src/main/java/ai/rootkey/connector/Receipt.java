package ai.rootkey.connector;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What the anchoring API answered to one upload. Any HTTP answer is a receipt, including errors; only
 * failures to get an answer at all are exceptions.
 *
 * @param status      the HTTP status
 * @param bytesSent   how many content bytes were sent
 * @param sha256      lowercase hex SHA-256 of the content bytes sent
 * @param serverReply the start of the response body (at most a few KiB), for logs
 * @param retryAfter  the delay the server asked for ({@code Retry-After}), when it asked
 */
public record Receipt(int status, long bytesSent, String sha256, String serverReply, Optional<Duration> retryAfter) {
    /** Longest server reply kept in a receipt, in characters. */
    public static final int MAX_REPLY_CHARS = 4096;

    public Receipt {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status must be an HTTP status (100-599), was " + status);
        }
        if (bytesSent < 0) {
            throw new IllegalArgumentException("bytesSent must be >= 0, was " + bytesSent);
        }
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(serverReply, "serverReply");
        if (serverReply.length() > MAX_REPLY_CHARS) {
            serverReply = serverReply.substring(0, MAX_REPLY_CHARS);
        }
        Values.requireOptional(retryAfter, "retryAfter");
    }

    /** True for a 2xx status: the file is stored. */
    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }
}
