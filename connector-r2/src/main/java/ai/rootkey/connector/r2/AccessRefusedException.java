package ai.rootkey.connector.r2;

import ai.rootkey.connector.ConfigurationException;

/**
 * The Cloudflare API refused the API token for one call: HTTP 401 or 403, or a v4 authentication error code. Either
 * the token is wrong, or it lacks a permission this call needs (a token with Queues write but not read may pull, yet
 * not read consumer settings). The message names what to check; {@link #status()} tells the two apart when it
 * matters (401: the token; 403: a permission).
 *
 * <pre>{@code
 * try {
 *     OptionalInt maxRetries = source.maxRetries();
 * } catch (AccessRefusedException e) {
 *     // the token may not read consumer settings: carry on with the defaults
 * }
 * }</pre>
 */
public class AccessRefusedException extends ConfigurationException {
    private static final long serialVersionUID = 1L;
    private final int status;

    /**
     * @param message what was refused and what to check; never a secret
     * @param status  the HTTP status of the answer (200 when only the error code said so)
     */
    public AccessRefusedException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** The HTTP status of the refusing answer: 401, 403, or another status carrying a v4 authentication error. */
    public int status() {
        return status;
    }
}
