package ai.rootkey.connector.r2.internal;

import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.r2.R2EventCodec;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns a Cloudflare Queues pull message body into a {@link Delivery}, by its {@code CF-Content-Type}
 * (DESIGN section 6.2). Never throws for a bad body: anything that is not an event becomes a malformed delivery.
 *
 * <ul>
 *   <li>{@code json}: base64 (RFC 4648; padding optional; the URL-safe alphabet is accepted too) of UTF-8 JSON.
 *       Tolerated: a body that is plain JSON text rather than base64 is used as it is.</li>
 *   <li>{@code bytes}: base64 of bytes that must be UTF-8 text (an event is JSON); otherwise malformed.</li>
 *   <li>{@code text}: the string as it is.</li>
 *   <li>{@code v8}: malformed; a pull consumer cannot decode V8-serialised values.</li>
 *   <li>missing or unknown: like {@code json}: base64-decoded when that yields JSON, else the body as it is.</li>
 * </ul>
 * Where both readings are possible the decoded one wins when it is JSON; otherwise the raw body wins when it is
 * JSON; otherwise the event codec reports what is wrong with the decoded text (or the raw body).
 */
public final class QueueBodies {
    /** The reason given for {@code v8} bodies. */
    public static final String V8_REASON = "v8 bodies cannot be decoded by a pull consumer";
    /** The largest message body the publish API takes: 128 KB. */
    public static final int MAX_MESSAGE_BYTES = 128 * 1024;

    private QueueBodies() {
    }

    /** The delivery for one message; never throws for any {@code contentType} or {@code body}, null included. */
    public static Delivery toDelivery(R2EventCodec codec, String messageId, String leaseId, int attempts,
                                      String contentType, String body) {
        Objects.requireNonNull(codec, "codec");
        String raw = body == null ? "" : body;
        String type = contentType == null ? "" : contentType.trim().toLowerCase(Locale.ROOT);
        switch (type) {
            case "text":
                return codec.toDelivery(messageId, leaseId, attempts, raw);
            case "v8":
                return Delivery.malformed(messageId, leaseId, attempts, raw, V8_REASON);
            case "bytes": {
                Optional<byte[]> bytes = decodeBase64(raw);
                if (bytes.isEmpty()) {
                    return Delivery.malformed(messageId, leaseId, attempts, raw, "bytes body is not valid base64");
                }
                Optional<String> text = utf8(bytes.get());
                if (text.isEmpty()) {
                    return Delivery.malformed(messageId, leaseId, attempts, raw,
                            "bytes body is not UTF-8 text, so it cannot be an event");
                }
                return codec.toDelivery(messageId, leaseId, attempts, text.get());
            }
            default: // "json", missing, or a type we do not know: JSON-like heuristics
                return codec.toDelivery(messageId, leaseId, attempts, jsonText(raw));
        }
    }

    /**
     * The message body as text, decoded by its content type as {@link #toDelivery} decodes it: what a replay
     * publishes again. {@code bytes} that are not UTF-8 base64, and {@code v8}, come back as the raw body.
     */
    public static String bodyText(String contentType, String body) {
        String raw = body == null ? "" : body;
        String type = contentType == null ? "" : contentType.trim().toLowerCase(Locale.ROOT);
        switch (type) {
            case "text":
            case "v8":
                return raw;
            case "bytes":
                return decodeBase64(raw).flatMap(QueueBodies::utf8).orElse(raw);
            default:
                return jsonText(raw);
        }
    }

    /**
     * The message as stored, for a requeue: {@code json} bodies as their JSON text, {@code text} bodies as they are;
     * empty for other content types and for {@code json} bodies that are not one JSON value.
     */
    public static Optional<Delivery.Message> storedMessage(String contentType, String body) {
        String raw = body == null ? "" : body;
        String type = contentType == null ? "" : contentType.trim().toLowerCase(Locale.ROOT);
        if (type.equals("text")) {
            return Optional.of(new Delivery.Message("text", raw));
        }
        if (type.equals("json")) {
            String json = jsonText(raw);
            return isJson(json) ? Optional.of(new Delivery.Message("json", json)) : Optional.empty();
        }
        return Optional.empty();
    }

    /** Whether the publish API takes {@code message}: {@code json} or {@code text}, at most 128 KB. */
    public static boolean isPublishable(Delivery.Message message) {
        String type = message.contentType();
        return (type.equals("json") || type.equals("text"))
                && message.body().getBytes(StandardCharsets.UTF_8).length <= MAX_MESSAGE_BYTES
                && (type.equals("text") || isJson(message.body()));
    }

    /** One entry of a publish(-batch) request for {@code message}, which must be {@link #isPublishable}. */
    public static ObjectNode publication(Delivery.Message message) {
        ObjectNode entry = Json.MAPPER.createObjectNode();
        if (message.contentType().equals("json")) {
            try {
                entry.set("body", Json.MAPPER.readTree(message.body()));
            } catch (IOException e) {
                throw new IllegalArgumentException("a json message that is not JSON cannot be published", e);
            }
            entry.put("content_type", "json");
        } else {
            entry.put("body", message.body());
            entry.put("content_type", "text");
        }
        return entry;
    }

    /** Whether {@code text} is exactly one well-formed JSON value. */
    public static boolean isJsonValue(String text) {
        return isJson(text);
    }

    /** The JSON text of a {@code json} body: base64-decoded when that is JSON, else the body when it is JSON. */
    static String jsonText(String raw) {
        Optional<String> decoded = decodeBase64(raw).flatMap(QueueBodies::utf8);
        if (decoded.isPresent() && isJson(decoded.get())) {
            return decoded.get();
        }
        if (isJson(raw)) {
            return raw;
        }
        return decoded.orElse(raw);
    }

    /**
     * Decodes RFC 4648 base64, standard or URL-safe alphabet (not mixed), with, without or with partial padding;
     * empty when the text is not base64. No whitespace is allowed.
     */
    public static Optional<byte[]> decodeBase64(String text) {
        int end = text.length();
        for (int pad = 0; pad < 2 && end > 0 && text.charAt(end - 1) == '='; pad++) {
            end--;
        }
        String s = text.substring(0, end);
        boolean urlSafe = s.indexOf('-') >= 0 || s.indexOf('_') >= 0;
        boolean standard = s.indexOf('+') >= 0 || s.indexOf('/') >= 0;
        if (s.length() % 4 == 1 || (urlSafe && standard)) {
            return Optional.empty();
        }
        try {
            // Without padding, both JDK decoders accept any complete or partial final unit.
            return Optional.of((urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(s));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Strict UTF-8: empty for malformed input. */
    static Optional<String> utf8(byte[] bytes) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code text} is exactly one well-formed JSON value (a cheap token scan, nothing built). */
    static boolean isJson(String text) {
        if (text.isBlank()) {
            return false;
        }
        try (JsonParser parser = Json.MAPPER.getFactory().createParser(text)) {
            if (parser.nextToken() == null) {
                return false;
            }
            parser.skipChildren();
            return parser.nextToken() == null;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
