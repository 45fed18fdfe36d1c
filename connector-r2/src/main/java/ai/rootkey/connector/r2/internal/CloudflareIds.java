package ai.rootkey.connector.r2.internal;

import ai.rootkey.connector.LogSafe;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The one rule for each Cloudflare id the SDK takes (DESIGN 6.5): an account id and a queue id are both 32 lowercase
 * hex characters, as the Cloudflare API shows them. A queue's name (what {@code wrangler queues list} shows first) is
 * not its id; the message says so. Every builder and the configuration check ids here, naming their own setting.
 */
public final class CloudflareIds {
    private static final Pattern HEX32 = Pattern.compile("^[0-9a-f]{32}$");

    private CloudflareIds() {
    }

    /**
     * {@code value} when it is an account id.
     *
     * @param setting the name the user knows the setting by ({@code accountId}, {@code CLOUDFLARE_ACCOUNT_ID})
     * @throws NullPointerException     when {@code value} is null
     * @throws IllegalArgumentException naming {@code setting}, when it is not 32 lowercase hex characters
     */
    public static String requireAccountId(String value, String setting) {
        Objects.requireNonNull(value, setting);
        if (!isHex32(value)) {
            throw new IllegalArgumentException(setting + " must be 32 lowercase hex characters (got "
                    + value.length() + " characters" + (value.length() == 32 ? ", not all lowercase hex" : "") + ")");
        }
        return value;
    }

    /**
     * {@code value} when it is a queue id.
     *
     * @param setting the name the user knows the setting by ({@code queueId}, {@code R2_QUEUE_ID}, {@code R2_DLQ_ID})
     * @throws NullPointerException     when {@code value} is null
     * @throws IllegalArgumentException naming {@code setting}, when it is not 32 lowercase hex characters
     */
    public static String requireQueueId(String value, String setting) {
        Objects.requireNonNull(value, setting);
        if (!isHex32(value)) {
            throw new IllegalArgumentException(setting + " must be a queue id, 32 lowercase hex characters, not a "
                    + "queue name (got " + LogSafe.quoted(value) + ")");
        }
        return value;
    }

    /** Whether {@code value} is 32 lowercase hex characters. */
    public static boolean isHex32(String value) {
        return HEX32.matcher(value).matches();
    }
}
