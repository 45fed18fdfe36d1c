package ai.rootkey.connector.r2;

import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.r2.internal.CloudflareIds;
import ai.rootkey.connector.r2.internal.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads and writes R2 event notification JSON (DESIGN section 6.1); the one place in the SDK that knows its
 * shape.
 *
 * <p>Parsing is tolerant of unknown fields and strict about the known ones: {@code action}, {@code bucket} and
 * {@code object.key} are required; {@code object.size}, {@code object.eTag}, {@code eventTime} (added to the format
 * in 2024, DESIGN section 6.1) and {@code copySource} are optional but must have the right type when present;
 * duplicate fields are rejected.
 * Keys are taken as given unless the codec was built with {@link #decodingKeys()}, the one switch for
 * URL-encoded keys (R2 does not document encoding them; S3 does). Immutable and thread-safe.
 *
 * <pre>{@code
 * ObjectEvent event = R2EventCodec.standard().parse(body);
 * String json = R2EventCodec.standard().toJson(event, accountId);
 * }</pre>
 */
public final class R2EventCodec {
    private static final R2EventCodec STANDARD = new R2EventCodec(false);
    private static final R2EventCodec DECODING = new R2EventCodec(true);
    private final boolean decodeKeys;

    private R2EventCodec(boolean decodeKeys) {
        this.decodeKeys = decodeKeys;
    }

    /** Keys exactly as the event gives them. */
    public static R2EventCodec standard() {
        return STANDARD;
    }

    /** Keys URL-decoded ({@code %XX} and {@code +}), as S3 event notifications encode them. */
    public static R2EventCodec decodingKeys() {
        return DECODING;
    }

    /**
     * Parses one event body.
     *
     * @throws IllegalArgumentException with a message that says what is wrong, when the body is not an R2 event
     */
    public ObjectEvent parse(String body) {
        Objects.requireNonNull(body, "body");
        JsonNode root;
        try {
            root = Json.STRICT_READER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("body is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("body is not a JSON object");
        }
        String action = requiredText(root, "action", "action");
        String bucket = requiredText(root, "bucket", "bucket");
        JsonNode object = root.get("object");
        if (object == null || !object.isObject()) {
            throw new IllegalArgumentException("object is missing or not a JSON object");
        }
        String key = requiredText(object, "key", "object.key");
        if (decodeKeys) {
            key = decodeKey(key);
        }
        OptionalLong size = OptionalLong.empty();
        JsonNode sizeNode = object.get("size");
        if (sizeNode != null && !sizeNode.isNull()) {
            if (!sizeNode.isIntegralNumber() || !sizeNode.canConvertToLong() || sizeNode.asLong() < 0) {
                throw new IllegalArgumentException("object.size must be a non-negative integer, was " + abbreviate(sizeNode));
            }
            size = OptionalLong.of(sizeNode.asLong());
        }
        Optional<String> eTag = optionalText(object, "eTag", "object.eTag");
        Optional<Instant> eventTime = optionalText(root, "eventTime", "eventTime").map(R2EventCodec::parseTime);
        Optional<ObjectEvent.CopySource> copySource = Optional.empty();
        JsonNode copy = root.get("copySource");
        if (copy != null && !copy.isNull()) {
            if (!copy.isObject()) {
                throw new IllegalArgumentException("copySource must be a JSON object");
            }
            String sourceBucket = requiredText(copy, "bucket", "copySource.bucket");
            String sourceKey = requiredText(copy, "object", "copySource.object");
            copySource = Optional.of(new ObjectEvent.CopySource(sourceBucket,
                    decodeKeys ? decodeKey(sourceKey) : sourceKey));
        }
        return new ObjectEvent(bucket, key, EventAction.fromWireName(action), size, eTag, eventTime, copySource);
    }

    /**
     * A delivery for a queue message body: the parsed event, or a malformed delivery carrying the body and
     * what is wrong with it. Never throws for a bad body.
     */
    public Delivery toDelivery(String messageId, String leaseId, int attempts, String body) {
        try {
            return Delivery.of(messageId, leaseId, attempts, parse(body));
        } catch (IllegalArgumentException e) {
            return Delivery.malformed(messageId, leaseId, attempts, body, e.getMessage());
        }
    }

    /**
     * Writes an event as R2 publishes it. Keys are written as given (this codec never encodes them).
     *
     * @param accountId the Cloudflare account id, 32 lowercase hex characters
     * @throws IllegalArgumentException for {@link EventAction#UNKNOWN} or a malformed account id
     */
    public String toJson(ObjectEvent event, String accountId) {
        Objects.requireNonNull(event, "event");
        CloudflareIds.requireAccountId(accountId, "accountId");
        if (event.action() == EventAction.UNKNOWN) {
            throw new IllegalArgumentException("an event with an unknown action has no R2 wire form");
        }
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("account", accountId);
        root.put("action", event.action().wireName());
        root.put("bucket", event.bucket());
        ObjectNode object = root.putObject("object");
        object.put("key", event.key());
        event.size().ifPresent(s -> object.put("size", s));
        event.eTag().ifPresent(e -> object.put("eTag", e));
        event.eventTime().ifPresent(t -> root.put("eventTime", t.toString()));
        event.copySource().ifPresent(c -> {
            ObjectNode copy = root.putObject("copySource");
            copy.put("bucket", c.bucket());
            copy.put("object", c.key());
        });
        try {
            return Json.MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write event JSON", e);
        }
    }

    private static String requiredText(JsonNode node, String field, String path) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException(path + " is missing");
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException(path + " must be a string, was " + abbreviate(value));
        }
        if (value.textValue().isEmpty()) {
            throw new IllegalArgumentException(path + " is empty");
        }
        return value.textValue();
    }

    private static Optional<String> optionalText(JsonNode node, String field, String path) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException(path + " must be a string, was " + abbreviate(value));
        }
        return Optional.of(value.textValue()).filter(s -> !s.isEmpty());
    }

    private static Instant parseTime(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("eventTime is not an ISO-8601 instant: " + abbreviate(text));
        }
    }

    private static String decodeKey(String key) {
        try {
            return URLDecoder.decode(key, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("object.key is not valid URL encoding: " + e.getMessage());
        }
    }

    private static String abbreviate(JsonNode node) {
        return abbreviate(node.toString());
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
