package ai.rootkey.connector;

import ai.rootkey.connector.internal.Filters;

import java.util.EnumSet;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Decides which events to anchor. Rejected events are acknowledged and counted as skipped. Filters must be
 * thread-safe and fast; they run on the engine's worker threads for every event. The built-in filters
 * have a readable {@code toString()}, e.g. {@code prefix("docs/") and not(suffix(".tmp"))}.
 *
 * <pre>{@code
 * EventFilter pdfsUnderContracts = EventFilter.prefix("contracts/")
 *         .and(EventFilter.suffix(".pdf"))
 *         .and(EventFilter.glob("**&#47;~$*").negate());
 * }</pre>
 */
@FunctionalInterface
public interface EventFilter {

    /** True to anchor the event. */
    boolean accepts(ObjectEvent event);

    default EventFilter and(EventFilter other) {
        return Filters.and(this, Objects.requireNonNull(other, "other"));
    }

    default EventFilter or(EventFilter other) {
        return Filters.or(this, Objects.requireNonNull(other, "other"));
    }

    default EventFilter negate() {
        return Filters.not(this);
    }

    /** Accepts every event. */
    static EventFilter all() {
        return Filters.ALL;
    }

    /** Keys that start with {@code prefix} (case-sensitive). */
    static EventFilter prefix(String prefix) {
        return Filters.prefix(prefix);
    }

    /** Keys that end with {@code suffix} (case-sensitive). */
    static EventFilter suffix(String suffix) {
        return Filters.suffix(suffix);
    }

    /**
     * Keys that match a glob over the whole key: {@code *} matches within one path segment, {@code **} across
     * segments, {@code ?} one character other than {@code /}, {@code {a,b}} either alternative; everything else
     * is literal.
     *
     * @throws IllegalArgumentException for an unbalanced {@code {}}
     */
    static EventFilter glob(String glob) {
        return Filters.glob(glob);
    }

    /** Keys in which {@code regex} finds a match ({@link java.util.regex.Matcher#find()}). */
    static EventFilter regex(String regex) {
        return Filters.regex(Pattern.compile(Objects.requireNonNull(regex, "regex")));
    }

    /** Keys in which {@code pattern} finds a match ({@link java.util.regex.Matcher#find()}). */
    static EventFilter regex(Pattern pattern) {
        return Filters.regex(pattern);
    }

    /**
     * Events whose size, when the event states one, lies in {@code [minBytes, maxBytes]}. Events without a
     * size pass; the connector's maximum file size still applies to the live object.
     */
    static EventFilter sizeRange(long minBytes, long maxBytes) {
        return Filters.sizeRange(minBytes, maxBytes);
    }

    /** Events whose action is one of those given. */
    static EventFilter actions(EventAction first, EventAction... more) {
        return Filters.actions(EnumSet.of(first, more));
    }
}
