package ai.rootkey.connector.r2;

import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.ObjectEvent;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class R2EventCodecProperties {
    private final R2EventCodec codec = R2EventCodec.standard();
    private static final String PUT = R2EventCodecTest.fixture("r2-event-put.json");

    @Property(tries = 500, seed = "2026112905")
    void anyString_endsAsEventOrMalformedDelivery(@ForAll @StringLength(max = 400) String body) {
        Delivery d = codec.toDelivery("m", "l", 1, body);
        assertThat(d.event().isPresent() ^ d.parseFailure().isPresent()).isTrue();
    }

    @Property(tries = 500, seed = "2026112906")
    void mutatedEvents_endAsEventOrMalformedDelivery(@ForAll("mutations") String body) {
        Delivery d = codec.toDelivery("m", "l", 1, body);
        assertThat(d.event().isPresent() ^ d.parseFailure().isPresent()).isTrue();
        d.parseFailure().ifPresent(f -> assertThat(f.reason()).isNotBlank());
    }

    @Property(tries = 300, seed = "2026112907")
    void anyEvent_roundTripsThroughJson(@ForAll("events") ObjectEvent event) {
        assertThat(codec.parse(codec.toJson(event, "3f4b7e3dcab231cbfdaa90a6a28bd548"))).isEqualTo(event);
    }

    @Property(tries = 20, seed = "2026112908")
    void hugeStrings_areHandled(@ForAll("huge") String key) {
        String body = PUT.replace("contracts/2026/msa-signed.pdf", key);
        Delivery d = codec.toDelivery("m", "l", 1, body);
        assertThat(d.event().isPresent() ^ d.parseFailure().isPresent()).isTrue();
    }

    /**
     * Events built field by field, each field present and right, absent, null, empty, of the wrong type or out of
     * range: the codec yields an event exactly when every field is acceptable, and otherwise says which field is
     * wrong.
     */
    @Property(tries = 1000, seed = "2026112909")
    void fieldsMissingNullEmptyOrMistyped_parseExactlyWhenAcceptable(@ForAll long seed) {
        java.util.Random random = new java.util.Random(seed);
        com.fasterxml.jackson.databind.node.ObjectNode root = JSON.createObjectNode();
        java.util.List<String> wrong = new java.util.ArrayList<>();
        field(random, root, "action", wrong, "action", Kind.TEXT, "PutObject", "DeleteObject", "SomethingNew");
        field(random, root, "bucket", wrong, "bucket", Kind.TEXT, "acme-documents", "other");
        int objectShape = random.nextInt(12);
        if (objectShape == 0) {
            wrong.add("object");
        } else if (objectShape == 1) {
            root.putNull("object");
            wrong.add("object");
        } else if (objectShape == 2) {
            root.set("object", wrongValue(random));
            wrong.add("object");
        } else {
            com.fasterxml.jackson.databind.node.ObjectNode object = root.putObject("object");
            field(random, object, "key", wrong, "object.key", Kind.TEXT, "a/b.pdf", "\u0000\r\n", "x".repeat(5000));
            field(random, object, "size", wrong, "object.size", Kind.SIZE);
            field(random, object, "eTag", wrong, "object.eTag", Kind.OPTIONAL_TEXT, "9b2cf535", "\"quoted\"");
        }
        field(random, root, "eventTime", wrong, "eventTime", Kind.TIME);
        int copyShape = random.nextInt(8);
        if (copyShape == 0) {
            root.set("copySource", wrongValue(random));
            wrong.add("copySource");
        } else if (copyShape == 1) {
            com.fasterxml.jackson.databind.node.ObjectNode copy = root.putObject("copySource");
            field(random, copy, "bucket", wrong, "copySource.bucket", Kind.TEXT, "acme-documents");
            field(random, copy, "object", wrong, "copySource.object", Kind.TEXT, "orig.pdf");
        } else if (copyShape == 2) {
            root.putNull("copySource");
        }
        if (random.nextBoolean()) {
            root.set("unknown" + random.nextInt(3), wrongValue(random));
        }
        String body = root.toString();

        Delivery d = codec.toDelivery("m", "l", 1, body);

        if (wrong.isEmpty()) {
            assertThat(d.event()).as(body).isPresent();
        } else {
            assertThat(d.parseFailure()).as("%s should fail on %s", body, wrong).hasValueSatisfying(f -> assertThat(wrong)
                    .as("the reason %s names a wrong field of %s", f.reason(), body)
                    .anyMatch(path -> f.reason().startsWith(path + " ") || f.reason().startsWith(path + ".")));
        }
    }

    private enum Kind { TEXT, OPTIONAL_TEXT, SIZE, TIME }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Puts {@code name} into {@code node} in one of its acceptable or unacceptable shapes. */
    private static void field(java.util.Random random, com.fasterxml.jackson.databind.node.ObjectNode node, String name,
                              java.util.List<String> wrong, String path, Kind kind, String... good) {
        int shape = random.nextInt(10);
        boolean optional = kind == Kind.OPTIONAL_TEXT || kind == Kind.SIZE || kind == Kind.TIME; // eventTime: DESIGN 6.1
        switch (shape) {
            case 0 -> {
                if (!optional) {
                    wrong.add(path); // absent
                }
            }
            case 1 -> {
                node.putNull(name);
                if (!optional) {
                    wrong.add(path);
                }
            }
            case 2 -> {
                com.fasterxml.jackson.databind.JsonNode value = wrongValue(random);
                if (kind == Kind.SIZE && value.isIntegralNumber()) {
                    value = JSON.getNodeFactory().textNode(value.asText()); // a size as a string is the wrong type
                }
                node.set(name, value);
                wrong.add(path);
            }
            case 3 -> {
                if (kind == Kind.SIZE) {
                    long[] bad = {-1, Long.MIN_VALUE};
                    node.put(name, bad[random.nextInt(bad.length)]);
                    wrong.add(path);
                } else if (kind == Kind.TIME) {
                    node.put(name, random.nextBoolean() ? "yesterday" : "2026-13-01T00:00:00Z");
                    wrong.add(path);
                } else {
                    node.put(name, "");
                    if (kind != Kind.OPTIONAL_TEXT) {
                        wrong.add(path);
                    }
                }
            }
            case 4 -> {
                if (kind == Kind.SIZE) {
                    node.put(name, random.nextBoolean() ? 1.5 : 1e30);
                    wrong.add(path);
                } else if (kind == Kind.TIME) {
                    node.put(name, "2026-11-20T09:14:07.512Z");
                } else {
                    node.put(name, good[random.nextInt(good.length)]);
                }
            }
            default -> {
                switch (kind) {
                    case SIZE -> node.put(name, random.nextBoolean() ? 0 : Math.abs(random.nextLong() >> 1));
                    case TIME -> node.put(name, "2026-11-20T09:14:07Z");
                    default -> node.put(name, good[random.nextInt(good.length)]);
                }
            }
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode wrongValue(java.util.Random random) {
        switch (random.nextInt(5)) {
            case 0:
                return JSON.getNodeFactory().numberNode(random.nextInt());
            case 1:
                return JSON.getNodeFactory().booleanNode(random.nextBoolean());
            case 2:
                return JSON.createArrayNode().add("a").add(1);
            case 3:
                return JSON.createObjectNode().put("nested", "x");
            default:
                return JSON.getNodeFactory().numberNode(random.nextDouble());
        }
    }

    @Provide
    Arbitrary<String> mutations() {
        Arbitrary<Integer> position = Arbitraries.integers().between(0, PUT.length() - 1);
        Arbitrary<String> insert = Arbitraries.of("\"", "{", "}", "[", "]", ",", ":", "null", "1e999", "-1", "\\",
                "\u0000", "\"size\":\"x\"", "\"key\":7", "", "true", "\uD800");
        return Combinators.combine(position, position, insert).as((a, b, s) -> {
            int from = Math.min(a, b);
            int to = Math.max(a, b);
            return PUT.substring(0, from) + s + PUT.substring(Math.min(PUT.length(), to));
        });
    }

    @Provide
    Arbitrary<ObjectEvent> events() {
        Arbitrary<String> keys = Arbitraries.strings().ofMinLength(1).ofMaxLength(200);
        Arbitrary<EventAction> actions = Arbitraries.of(EventAction.PUT_OBJECT, EventAction.COPY_OBJECT,
                EventAction.COMPLETE_MULTIPART_UPLOAD, EventAction.DELETE_OBJECT, EventAction.LIFECYCLE_DELETION);
        Arbitrary<Long> sizes = Arbitraries.longs().between(0, Long.MAX_VALUE / 2);
        Arbitrary<String> eTags = Arbitraries.strings().withChars("0123456789abcdef-").ofMinLength(1).ofMaxLength(40);
        Arbitrary<Long> millis = Arbitraries.longs().between(0, 4_000_000_000_000L);
        return Combinators.combine(keys, actions, sizes, eTags, millis).as((key, action, size, eTag, ms) -> {
            ObjectEvent.Builder b = ObjectEvent.builder().bucket("acme-documents").key(key).action(action)
                    .eventTime(Instant.ofEpochMilli(ms));
            if (action.createsContent()) {
                b.size(size).eTag(eTag);
            }
            if (action == EventAction.COPY_OBJECT) {
                b.copySource("acme-documents", key + ".orig");
            }
            return b.build();
        });
    }

    @Provide
    Arbitrary<String> huge() {
        return Arbitraries.strings().ofMinLength(50_000).ofMaxLength(120_000);
    }
}
