package ai.rootkey.connector.r2;

import ai.rootkey.connector.ConfigurationException;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A credential (API key, API token, R2 secret key) that never shows itself: {@link #toString()} is redacted,
 * and the value is only read through {@link #reveal()} at the moment it goes on the wire to its one intended
 * recipient. Equality is identity, so a secret cannot be probed by comparison either.
 *
 * <pre>{@code
 * Secret apiKey = Secret.fromEnvironment("ROOTKEY_API_KEY");
 * Secret token = Secret.of(vault.read("cloudflare-token"));
 * Secret rotating = Secret.fromSupplier(() -> keyStore.current());
 * }</pre>
 */
public final class Secret {
    private final Supplier<String> supplier;
    private final String description;

    private Secret(Supplier<String> supplier, String description) {
        this.supplier = supplier;
        this.description = description;
    }

    /**
     * A secret with a fixed value.
     *
     * @throws IllegalArgumentException when the value is empty or blank
     */
    public static Secret of(String value) {
        Objects.requireNonNull(value, "secret value");
        if (value.isBlank()) {
            throw new IllegalArgumentException("a secret must not be empty or blank");
        }
        return new Secret(() -> value, "literal");
    }

    /**
     * A secret read from an environment variable now.
     *
     * @throws ConfigurationException when the variable is unset or blank, naming it
     */
    public static Secret fromEnvironment(String variable) {
        Objects.requireNonNull(variable, "variable");
        String value = System.getenv(variable);
        if (value == null || value.isBlank()) {
            throw new ConfigurationException(variable + " is not set: it must hold the secret");
        }
        return new Secret(() -> value, "env:" + variable);
    }

    /**
     * A secret read from {@code supplier} each time it is used, so a rotated credential is picked up without a
     * restart. The supplier must not return null or blank.
     */
    public static Secret fromSupplier(Supplier<String> supplier) {
        Objects.requireNonNull(supplier, "supplier");
        return new Secret(supplier, "supplier");
    }

    /**
     * The value. Call it only where the secret is put on the wire; never log or keep the result.
     *
     * @throws ConfigurationException when a supplier yields nothing
     */
    public String reveal() {
        String value = supplier.get();
        if (value == null || value.isBlank()) {
            throw new ConfigurationException("the secret supplier (" + description + ") returned no value");
        }
        return value;
    }

    /** {@code Secret[redacted]}, with where it came from but never the value. */
    @Override
    public String toString() {
        return "Secret[redacted, " + description + "]";
    }
}
