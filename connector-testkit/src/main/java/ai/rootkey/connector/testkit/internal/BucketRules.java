package ai.rootkey.connector.testkit.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * R2's event notification rules in the test kit: per bucket, which queue gets which object events. The
 * {@code FakeCloudflareQueues} endpoints and its {@code publishBucketEvent} are views of it.
 *
 * <p>Rules, with where each comes from:
 * <ul>
 *   <li>A rule has actions (of {@code PutObject}, {@code CopyObject}, {@code DeleteObject},
 *       {@code CompleteMultipartUpload}, {@code LifecycleDeletion}), an optional key prefix and suffix and an
 *       optional description, and gets an id and a creation time ({@code cloudflare-typescript}
 *       {@code src/resources/r2/buckets/event-notifications.ts}).</li>
 *   <li>An event goes to each queue that has a rule with its action whose prefix and suffix the key has.</li>
 *   <li>Creating a rule whose keys overlap a rule of the bucket (both prefixes agree, one starting with the other,
 *       and both suffixes agree) is a conflict, whatever the actions and queues. Cloudflare documents none of this:
 *       the guess follows Wrangler's note that the API answers 409 when a configuration exists
 *       ({@code packages/wrangler/src/r2/helpers.ts}), a cloudflare-docs issue (#17949: rules for the same action
 *       conflict) and Alchemy's R2 notification docs ("Cloudflare rejects overlapping prefixes/suffixes even when the
 *       actions are disjoint"). The fake takes the strictest reading.</li>
 *   <li>Buckets are not checked: the fake does not know which exist (R2 answers 404 for one that does not).</li>
 * </ul>
 * Thread-safe: every method is synchronized.
 */
public final class BucketRules {
    /** The actions a rule may name. */
    public static final Set<String> ACTIONS = Set.of("PutObject", "CopyObject", "DeleteObject",
            "CompleteMultipartUpload", "LifecycleDeletion");

    private final Supplier<Instant> clock;
    private final Random ids;
    private final Map<String, List<Rule>> byBucket = new HashMap<>();

    /** One rule of a bucket. */
    public record Rule(String id, String queueId, List<String> actions, String prefix, String suffix,
                       Optional<String> description, Instant createdAt) {
        public Rule {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(queueId, "queueId");
            actions = List.copyOf(actions);
            Objects.requireNonNull(prefix, "prefix");
            Objects.requireNonNull(suffix, "suffix");
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(createdAt, "createdAt");
        }

        boolean overlaps(String otherPrefix, String otherSuffix) {
            return (prefix.startsWith(otherPrefix) || otherPrefix.startsWith(prefix))
                    && (suffix.endsWith(otherSuffix) || otherSuffix.endsWith(suffix));
        }

        boolean matches(String action, String key) {
            return actions.contains(action) && key.startsWith(prefix) && key.endsWith(suffix);
        }
    }

    /** A rule to create: its actions, prefix, suffix and description. */
    public record NewRule(List<String> actions, String prefix, String suffix, Optional<String> description) {
        public NewRule {
            actions = List.copyOf(new LinkedHashSet<>(actions));
            if (actions.isEmpty()) {
                throw new IllegalArgumentException("a rule needs at least one action");
            }
            for (String a : actions) {
                if (!ACTIONS.contains(a)) {
                    throw new IllegalArgumentException("unknown action " + a + "; one of " + ACTIONS);
                }
            }
            Objects.requireNonNull(prefix, "prefix");
            Objects.requireNonNull(suffix, "suffix");
            Objects.requireNonNull(description, "description");
        }
    }

    /** What {@link #add} did: the rules it made, or why it made none. */
    public record Added(List<Rule> rules, Optional<String> conflict) {
        public Added {
            rules = List.copyOf(rules);
            Objects.requireNonNull(conflict, "conflict");
        }
    }

    public BucketRules(Supplier<Instant> clock, long seed) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ids = new Random(seed ^ 0x52E17E5L);
    }

    /** The bucket's rules, in creation order. */
    public synchronized List<Rule> rules(String bucket) {
        return List.copyOf(byBucket.getOrDefault(bucket, List.of()));
    }

    /** Creates rules for a queue, all or none: none when one overlaps a rule of the bucket or another of them. */
    public synchronized Added add(String bucket, String queueId, List<NewRule> rules) {
        List<Rule> existing = byBucket.computeIfAbsent(bucket, b -> new ArrayList<>());
        List<Rule> made = new ArrayList<>();
        for (NewRule r : rules) {
            for (Rule other : existing) {
                if (other.overlaps(r.prefix(), r.suffix())) {
                    return conflict("the rule (prefix \"" + r.prefix() + "\", suffix \"" + r.suffix()
                            + "\") overlaps rule " + other.id() + " (prefix \"" + other.prefix() + "\", suffix \""
                            + other.suffix() + "\") of bucket " + bucket);
                }
            }
            for (Rule other : made) {
                if (other.overlaps(r.prefix(), r.suffix())) {
                    return conflict("two rules of the request overlap (prefix \"" + r.prefix() + "\")");
                }
            }
            made.add(new Rule(uuid(), queueId, r.actions(), r.prefix(), r.suffix(), r.description(), clock.get()));
        }
        existing.addAll(made);
        return new Added(made, Optional.empty());
    }

    private static Added conflict(String why) {
        return new Added(List.of(), Optional.of(why));
    }

    /** Deletes the queue's rules with these ids, or all its rules when {@code ruleIds} is empty; returns how many. */
    public synchronized int delete(String bucket, String queueId, Optional<List<String>> ruleIds) {
        List<Rule> existing = byBucket.getOrDefault(bucket, new ArrayList<>());
        int before = existing.size();
        existing.removeIf(r -> r.queueId().equals(queueId) && ruleIds.map(ids -> ids.contains(r.id())).orElse(true));
        return before - existing.size();
    }

    /** The queues an event of {@code action} on {@code key} goes to, each once, in the order of their rules. */
    public synchronized List<String> route(String bucket, String action, String key) {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (Rule r : byBucket.getOrDefault(bucket, List.of())) {
            if (r.matches(action, key)) {
                out.add(r.queueId());
            }
        }
        return List.copyOf(out);
    }

    /** The buckets with a rule to this queue. */
    public synchronized List<String> bucketsNotifying(String queueId) {
        List<String> out = new ArrayList<>();
        byBucket.forEach((bucket, rules) -> {
            if (rules.stream().anyMatch(r -> r.queueId().equals(queueId))) {
                out.add(bucket);
            }
        });
        out.sort(null);
        return out;
    }

    private String uuid() {
        byte[] b = new byte[16];
        ids.nextBytes(b);
        StringBuilder s = new StringBuilder(36);
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                s.append('-');
            }
            s.append(Character.forDigit((b[i] >> 4) & 0xf, 16)).append(Character.forDigit(b[i] & 0xf, 16));
        }
        return s.toString();
    }
}
