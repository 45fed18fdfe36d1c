package ai.rootkey.connector.r2;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link Provisioner} found and did: one {@link Step} per Cloudflare resource (create, update, unchanged or
 * refused), the lease it sized, and the environment {@code run} needs. Immutable; {@link #render()} is the text the
 * {@code provision} command prints.
 *
 * @param names             the queue names derived from the name suffix and the bucket
 * @param steps             the steps, in the order they are applied
 * @param visibilityTimeout the lease of the event queue's consumer
 * @param notes             how the lease was sized, and anything to know about it
 * @param environment       the settings {@code run} needs whose values are known ({@code NAME} to value, in order);
 *                          never a secret
 * @param pending           settings whose values exist only once the plan is applied (e.g. {@code R2_QUEUE_ID}
 *                          of a queue still to create), each with what it will be
 * @param secrets           the secret settings the user must still set, each with what it needs; never a value
 * @param applied           true when the steps were carried out ({@link Provisioner#apply()}), false for a plan
 *                          ({@link Provisioner#plan()}) or when a step was refused
 */
public record ProvisionPlan(Provisioner.Names names, List<Step> steps, Duration visibilityTimeout, List<String> notes,
                            Map<String, String> environment, Map<String, String> pending, Map<String, String> secrets,
                            boolean applied) {
    public ProvisionPlan {
        Objects.requireNonNull(names, "names");
        steps = List.copyOf(steps);
        Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
        notes = List.copyOf(notes);
        environment = ordered(environment);
        pending = ordered(pending);
        secrets = ordered(secrets);
    }

    private static Map<String, String> ordered(Map<String, String> map) {
        Map<String, String> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "name"), Objects.requireNonNull(v, k)));
        return Collections.unmodifiableMap(copy);
    }

    /** What a step does to its resource. */
    public enum Action {
        /** The resource does not exist: it is (or would be) created. */
        CREATE,
        /** The resource exists with other settings, or another consumer holds its queue: it is changed. */
        UPDATE,
        /** The resource is in place as wanted: nothing to do. */
        UNCHANGED,
        /** Changing the resource could break something else: nothing is done until the fix is made. */
        REFUSED;

        /** The word the plan shows: {@code create}, {@code update}, {@code unchanged}, {@code refused}. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One resource and what happens to it.
     *
     * @param name   the resource, e.g. {@code event queue}
     * @param action what happens to it
     * @param detail what was found and what is (or would be) done
     * @param fix    for {@link Action#REFUSED}: what the user can do
     */
    public record Step(String name, Action action, String detail, Optional<String> fix) {
        public Step {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(detail, "detail");
            Objects.requireNonNull(fix, "fix");
        }
    }

    /** True when a step was refused: then nothing was (or would be) changed. */
    public boolean refused() {
        return steps.stream().anyMatch(s -> s.action() == Action.REFUSED);
    }

    /** The steps that change something (create or update). */
    public List<Step> changes() {
        return steps.stream().filter(s -> s.action() == Action.CREATE || s.action() == Action.UPDATE).toList();
    }

    /**
     * The plan as the {@code provision} command prints it: a summary line, a table of the steps (with a {@code fix:}
     * line under each refused one), the notes, then the environment for {@code run} as {@code NAME=value} lines and,
     * as {@code #} comments, the settings still to come and the secrets to set.
     */
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append(summary()).append('\n');
        int width = "STEP".length();
        for (Step s : steps) {
            width = Math.max(width, s.name().length());
        }
        String format = "%-" + width + "s  %-9s  %s%n";
        out.append(String.format(format, "STEP", "ACTION", "DETAIL"));
        for (Step s : steps) {
            out.append(String.format(format, s.name(), s.action().word(), s.detail()));
            s.fix().ifPresent(fix -> out.append(String.format(format, "", "", "fix: " + fix)));
        }
        for (String note : notes) {
            out.append(note).append('\n');
        }
        if (refused()) {
            return out.toString();
        }
        out.append('\n').append("# Environment for `rootkey-connector run`:\n");
        environment.forEach((k, v) -> out.append(k).append('=').append(v).append('\n'));
        pending.forEach((k, v) -> out.append("# ").append(k).append(": ").append(v).append('\n'));
        if (!secrets.isEmpty()) {
            out.append("# Also set these secrets (values not shown here):\n");
            secrets.forEach((k, v) -> out.append("#   ").append(k).append(": ").append(v).append('\n'));
        }
        return out.toString();
    }

    private String summary() {
        List<Step> changes = changes();
        List<String> what = new ArrayList<>();
        for (Step s : changes) {
            what.add(s.action().word() + " " + s.name());
        }
        if (refused()) {
            return "Refused: nothing was changed. Fix what the refused step says and run provision again.";
        }
        if (changes.isEmpty()) {
            return "Nothing to change: everything is in place (" + steps.size() + " steps unchanged).";
        }
        return (applied ? "Applied " : "Dry run: would make ") + changes.size() + " change(s) ("
                + String.join(", ", what) + ")" + (applied ? "." : "; nothing was changed.");
    }

    /** {@link #render()}. */
    @Override
    public String toString() {
        return render();
    }
}
