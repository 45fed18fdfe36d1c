package ai.rootkey.connector;

import java.util.Objects;
import java.util.Optional;

/** Shared validation and normalisation for the value types of this package. */
final class Values {
    private Values() {
    }

    static String requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isEmpty()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
        return value;
    }

    static <T> Optional<T> requireOptional(Optional<T> value, String name) {
        return Objects.requireNonNull(value, name + " (use Optional.empty() when absent)");
    }

    /**
     * An ETag as the ROOTKey API wants it: surrounding double quotes (and a weak {@code W/} prefix) removed,
     * empty treated as absent.
     */
    static Optional<String> normalizeETag(Optional<String> eTag) {
        requireOptional(eTag, "eTag");
        return eTag.map(Values::stripQuotes).filter(e -> !e.isEmpty());
    }

    static String stripQuotes(String eTag) {
        String e = eTag.trim();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e;
    }
}
