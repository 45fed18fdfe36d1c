package ai.rootkey.connector.r2.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One bucket's R2 event notification rules, on its account's {@link CloudflareApi}: which queues get which object
 * events. Shapes from {@code cloudflare/cloudflare-typescript} {@code src/resources/r2/buckets/event-notifications.ts}
 * (the API reference's "Create Event Notification Rule" and "List Event Notification Rules"):
 * <ul>
 *   <li>{@code GET /accounts/{a}/event_notifications/r2/{bucket}/configuration} answers
 *       {@code {"bucketName","queues":[{"queueId","queueName","rules":[{"ruleId","createdAt","prefix","suffix",
 *       "actions":[...],"description"}]}]}};</li>
 *   <li>{@code PUT .../configuration/queues/{queue_id}} with {@code {"rules":[{"actions","prefix","suffix",
 *       "description"}]}} creates rules for that queue.</li>
 * </ul>
 * Both take the bucket's jurisdiction in the {@code cf-r2-jurisdiction} header. An older reply shape, a map from the
 * bucket name to {@code {"<id>":{"queue":"<queue id>","rules":[...]}}}, is read too (Wrangler still converts it:
 * {@code cloudflare/workers-sdk} {@code packages/wrangler/src/r2/helpers.ts}, {@code listEventNotificationConfig}).
 * Cloudflare rejects a rule whose keys overlap another rule's (the API answers an error naming the conflict); what
 * counts as overlapping is not documented, so callers check before they create.
 */
public final class BucketNotifications {
    private final CloudflareApi api;
    private final String bucket;
    private final Map<String, String> headers;
    private final String path;
    private final CloudflareApi.Resource resource;

    /**
     * One rule.
     *
     * @param id          its {@code ruleId}, when the reply has one
     * @param actions     the R2 actions it announces ({@code PutObject}, {@code CompleteMultipartUpload}, ...)
     * @param prefix      the key prefix it is limited to ({@code ""}: any)
     * @param suffix      the key suffix it is limited to ({@code ""}: any)
     * @param description its description, when it has one
     */
    public record Rule(Optional<String> id, List<String> actions, String prefix, String suffix,
                       Optional<String> description) {
        public Rule {
            Objects.requireNonNull(id, "id");
            actions = List.copyOf(actions);
            Objects.requireNonNull(prefix, "prefix");
            Objects.requireNonNull(suffix, "suffix");
            Objects.requireNonNull(description, "description");
        }

        /**
         * Whether some key could match both this rule and {@code other}: their prefixes agree (one starts with the
         * other) and so do their suffixes (one ends with the other). Actions are not compared.
         */
        public boolean keysOverlap(String otherPrefix, String otherSuffix) {
            return (prefix.startsWith(otherPrefix) || otherPrefix.startsWith(prefix))
                    && (suffix.endsWith(otherSuffix) || otherSuffix.endsWith(suffix));
        }

        static Rule parse(JsonNode r) {
            List<String> actions = new ArrayList<>();
            r.path("actions").forEach(a -> {
                if (a.isTextual()) {
                    actions.add(a.textValue());
                }
            });
            return new Rule(text(r, "ruleId"), actions, text(r, "prefix").orElse(""), text(r, "suffix").orElse(""),
                    text(r, "description"));
        }
    }

    /**
     * The rules that send events to one queue.
     *
     * @param queueId   the queue's id
     * @param queueName the queue's name, when the reply has it
     * @param rules     its rules
     */
    public record QueueRules(String queueId, Optional<String> queueName, List<Rule> rules) {
        public QueueRules {
            Objects.requireNonNull(queueId, "queueId");
            Objects.requireNonNull(queueName, "queueName");
            rules = List.copyOf(rules);
        }
    }

    BucketNotifications(CloudflareApi api, String bucket, Optional<String> jurisdiction) {
        this.api = api;
        this.bucket = Objects.requireNonNull(bucket, "bucket");
        this.headers = jurisdiction.map(j -> Map.of("cf-r2-jurisdiction", j)).orElse(Map.of());
        this.path = api.accountPath() + "/event_notifications/r2/" + Endpoints.pathSegment(bucket) + "/configuration";
        this.resource = new CloudflareApi.Resource("Cloudflare R2 event notifications",
                "bucket " + CloudflareApi.excerpt(bucket) + " of account " + api.accountId(),
                "Workers R2 Storage read (and write, to create rules)", "bucket not found",
                "CLOUDFLARE_ACCOUNT_ID, R2_BUCKET and R2_JURISDICTION");
    }

    /** The bucket's name. */
    public String bucket() {
        return bucket;
    }

    /** {@code GET .../configuration}: the rules of every queue the bucket sends events to. */
    public List<QueueRules> get() throws IOException {
        JsonNode result = api.send("list rules", resource, "GET", path, null, headers);
        List<QueueRules> out = new ArrayList<>();
        if (result == null || !result.isObject()) {
            return out;
        }
        JsonNode queues = result.get("queues");
        if (queues != null && queues.isArray()) {
            for (JsonNode q : queues) {
                Optional<String> id = text(q, "queueId");
                if (id.isPresent()) {
                    out.add(new QueueRules(id.get(), text(q, "queueName"), rules(q.path("rules"))));
                }
            }
            return out;
        }
        if (queues == null && !result.has("bucketName")) {
            // the older shape: {"<bucket>": {"<detail id>": {"queue": "<queue id>", "rules": [...]}}}
            for (Map.Entry<String, JsonNode> bucketEntry : result.properties()) {
                for (Map.Entry<String, JsonNode> detail : bucketEntry.getValue().properties()) {
                    Optional<String> id = text(detail.getValue(), "queue");
                    if (id.isPresent()) {
                        out.add(new QueueRules(id.get(), Optional.empty(), rules(detail.getValue().path("rules"))));
                    }
                }
            }
        }
        return out;
    }

    /**
     * {@code PUT .../configuration/queues/{queueId}}: creates {@code rules} for the queue (ids and creation times are
     * the server's).
     */
    public void put(String queueId, List<Rule> rules) throws IOException {
        ObjectNode request = Json.MAPPER.createObjectNode();
        ArrayNode array = request.putArray("rules");
        for (Rule rule : rules) {
            ObjectNode r = array.addObject();
            ArrayNode actions = r.putArray("actions");
            rule.actions().forEach(actions::add);
            if (!rule.prefix().isEmpty()) {
                r.put("prefix", rule.prefix());
            }
            if (!rule.suffix().isEmpty()) {
                r.put("suffix", rule.suffix());
            }
            rule.description().ifPresent(d -> r.put("description", d));
        }
        api.send("create rule", resource, "PUT", path + "/queues/" + Endpoints.pathSegment(queueId),
                Json.MAPPER.writeValueAsBytes(request), headers);
    }

    private static List<Rule> rules(JsonNode rules) {
        List<Rule> out = new ArrayList<>();
        if (rules.isArray()) {
            rules.forEach(r -> {
                if (r.isObject()) {
                    out.add(Rule.parse(r));
                }
            });
        }
        return out;
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull() || value.isContainerNode()) {
            return Optional.empty();
        }
        String s = value.asText();
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    @Override
    public String toString() {
        return "BucketNotifications[" + CloudflareApi.excerpt(bucket) + ", account " + api.accountId() + "]";
    }
}
