package ai.rootkey.connector.testkit.internal;

import java.util.Objects;

/** A request the fake API refuses: the HTTP status to answer, a stable error code, and what is wrong. */
final class Violation extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    Violation(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = Objects.requireNonNull(code, "code");
    }

    /** A 400 Bad Request. */
    static Violation badRequest(String code, String message) {
        return new Violation(400, code, message);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }
}
