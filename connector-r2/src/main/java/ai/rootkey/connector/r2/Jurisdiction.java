package ai.rootkey.connector.r2;

import java.util.Locale;
import java.util.Objects;

/**
 * An R2 jurisdiction: where a bucket's data lives. A bucket created in a jurisdiction is only reachable through that
 * jurisdiction's endpoint, {@code https://<account_id>.<jurisdiction>.r2.cloudflarestorage.com}. Buckets without one
 * use the default endpoint (no jurisdiction set).
 */
public enum Jurisdiction {
    /** The European Union. */
    EU("eu"),
    /** FedRAMP. */
    FEDRAMP("fedramp"),
    /** The United States. */
    US("us");

    private final String wireName;

    Jurisdiction(String wireName) {
        this.wireName = wireName;
    }

    /** The name in endpoints and in {@code R2_JURISDICTION}: {@code eu}, {@code fedramp} or {@code us}. */
    public String wireName() {
        return wireName;
    }

    /**
     * The jurisdiction for a name, ignoring case.
     *
     * @throws IllegalArgumentException when the name is none of {@code eu}, {@code fedramp}, {@code us}
     */
    public static Jurisdiction fromWireName(String name) {
        Objects.requireNonNull(name, "name");
        for (Jurisdiction j : values()) {
            if (j.wireName.equals(name.toLowerCase(Locale.ROOT))) {
                return j;
            }
        }
        throw new IllegalArgumentException("jurisdiction must be one of eu, fedramp, us");
    }
}
