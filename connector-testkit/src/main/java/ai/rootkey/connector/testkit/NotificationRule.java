package ai.rootkey.connector.testkit;

import ai.rootkey.connector.EventAction;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Which bucket events reach a queue, like an R2 event notification rule: a set of actions and an optional key
 * prefix and suffix.
 *
 * @param actions the actions that are published
 * @param prefix  keys must start with it ({@code ""} for any)
 * @param suffix  keys must end with it ({@code ""} for any)
 */
public record NotificationRule(Set<EventAction> actions, String prefix, String suffix) {
    public NotificationRule {
        Objects.requireNonNull(actions, "actions");
        if (actions.isEmpty() || actions.contains(EventAction.UNKNOWN)) {
            throw new IllegalArgumentException("a rule needs at least one known action");
        }
        actions = Set.copyOf(actions);
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(suffix, "suffix");
    }

    /** Every action R2 publishes, any key. */
    public static NotificationRule allActions() {
        return new NotificationRule(EnumSet.complementOf(EnumSet.of(EventAction.UNKNOWN)), "", "");
    }

    /** The given actions, any key. */
    public static NotificationRule of(EventAction first, EventAction... more) {
        return new NotificationRule(EnumSet.of(first, more), "", "");
    }

    public NotificationRule withPrefix(String keyPrefix) {
        return new NotificationRule(actions, keyPrefix, suffix);
    }

    public NotificationRule withSuffix(String keySuffix) {
        return new NotificationRule(actions, prefix, keySuffix);
    }

    boolean matches(EventAction action, String key) {
        return actions.contains(action) && key.startsWith(prefix) && key.endsWith(suffix);
    }
}
