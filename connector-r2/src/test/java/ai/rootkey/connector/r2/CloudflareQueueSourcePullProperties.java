package ai.rootkey.connector.r2;

import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.DependencyException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Whatever a pull reply holds (envelope flags, result shapes, messages with missing, empty or mistyped fields,
 * bodies of any encoding and content type), {@link CloudflareQueueSource#receive} either returns one delivery per
 * message that has a lease id, each an event or a malformed delivery, or throws a {@link DependencyException}
 * for an envelope that is not a success. It never throws anything else.
 */
class CloudflareQueueSourcePullProperties {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String EVENT = "{\"account\":\"3f4b7e3dcab231cbfdaa90a6a28bd548\",\"action\":\"PutObject\","
            + "\"bucket\":\"b\",\"object\":{\"key\":\"k\",\"size\":1,\"eTag\":\"e\"},\"eventTime\":\"2026-01-01T00:00:00Z\"}";
    private static HttpServer server;
    private static volatile byte[] reply = new byte[0];
    private static CloudflareQueueSource source;

    @BeforeContainer
    static void start() throws IOException {
        // Without TCP_NODELAY every answer of the JDK server waits ~40 ms for a delayed ACK.
        System.getProperties().putIfAbsent("sun.net.httpserver.nodelay", "true");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = reply;
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        source = CloudflareQueueSource.builder().accountId("3f4b7e3dcab231cbfdaa90a6a28bd548")
                .queueId("0a1b2c3d4e5f60718293a4b5c6d7e8f9").apiToken(Secret.of("token"))
                .baseUrl("http://127.0.0.1:" + server.getAddress().getPort() + "/client/v4")
                .allowInsecureLoopbackForTesting(true).apiRetry(1, Duration.ZERO, Duration.ZERO).build();
    }

    @AfterContainer
    static void stop() {
        source.close();
        server.stop(0);
    }

    @Property(tries = 200, seed = "2026112901")
    void anyPullReply_yieldsOneDeliveryPerLeasedMessage_orADependencyException(@ForAll long seed) {
        Random random = new Random(seed);
        ObjectNode envelope = JSON.createObjectNode();
        int successShape = random.nextInt(8);
        boolean success = successShape > 1;
        if (successShape == 0) {
            envelope.put("success", false);
        } else if (successShape == 1) {
            envelope.set("success", random.nextBoolean() ? NODES.textNode("true") : NODES.nullNode());
        } else {
            envelope.put("success", true);
        }
        envelope.putArray("errors");
        int resultShape = random.nextInt(8);
        int expected = 0;
        if (resultShape == 0) {
            envelope.set("result", random.nextBoolean() ? NODES.nullNode() : NODES.arrayNode());
            success = false;
        } else {
            ObjectNode result = envelope.putObject("result");
            if (random.nextInt(6) == 0) {
                result.set("messages", random.nextBoolean() ? NODES.textNode("none") : NODES.objectNode());
            } else {
                ArrayNode messages = result.putArray("messages");
                int n = random.nextInt(8);
                for (int i = 0; i < n; i++) {
                    if (message(random, messages.addObject(), i)) {
                        expected++;
                    }
                }
            }
            if (random.nextBoolean()) {
                result.set("metadata", random.nextBoolean() ? NODES.textNode("x") : JSON.createObjectNode()
                        .set("metrics", JSON.createObjectNode().put("backlog_count", random.nextInt(3) - 1)
                                .put("backlog_bytes", "many").put("oldest_message_timestamp_ms", -5)));
            }
        }
        reply = envelope.toString().getBytes(StandardCharsets.UTF_8);

        Batch batch = null;
        Throwable thrown = catchThrowable(() -> receive());
        if (thrown == null) {
            batch = last;
        }
        if (!success) {
            assertThat(thrown).as(envelope.toString()).isInstanceOf(DependencyException.class);
            return;
        }
        assertThat(thrown).as(envelope.toString()).isNull();
        assertThat(batch.deliveries()).as(envelope.toString()).hasSize(expected);
        for (Delivery d : batch.deliveries()) {
            assertThat(d.attempts()).isPositive();
            assertThat(d.event().isPresent()).isNotEqualTo(d.parseFailure().isPresent());
        }
    }

    private static Batch last;

    private static void receive() throws IOException {
        last = source.receive(10);
    }

    /** Fills one message at random; true when it has a usable lease id (so it must become a delivery). */
    private static boolean message(Random random, ObjectNode m, int i) {
        boolean leased = true;
        switch (random.nextInt(7)) {
            case 0 -> leased = false; // no lease_id
            case 1 -> {
                m.putNull("lease_id");
                leased = false;
            }
            case 2 -> {
                m.put("lease_id", "");
                leased = false;
            }
            case 3 -> {
                m.set("lease_id", JSON.createObjectNode().put("id", 1));
                leased = false;
            }
            case 4 -> m.put("lease_id", 1000 + i); // a number: usable as its text
            default -> m.put("lease_id", "lease-" + i);
        }
        switch (random.nextInt(4)) {
            case 0 -> { }
            case 1 -> m.put("id", "");
            case 2 -> m.put("id", i);
            default -> m.put("id", "msg-" + i);
        }
        List<JsonNode> attempts = List.of(NODES.numberNode(1), NODES.numberNode(0), NODES.numberNode(-3),
                NODES.numberNode(Long.MAX_VALUE), NODES.textNode("2"), NODES.numberNode(2.5), NODES.nullNode());
        if (random.nextInt(5) > 0) {
            m.set("attempts", attempts.get(random.nextInt(attempts.size())));
        }
        List<String> types = List.of("json", "text", "bytes", "v8", "JSON", "", "application/json", "\u0000");
        switch (random.nextInt(4)) {
            case 0 -> { }
            case 1 -> m.put("metadata", "not an object");
            default -> m.putObject("metadata").put("CF-Content-Type", types.get(random.nextInt(types.size())));
        }
        List<JsonNode> bodies = List.of(
                NODES.textNode(Base64.getEncoder().encodeToString(EVENT.getBytes(StandardCharsets.UTF_8))),
                NODES.textNode(EVENT), NODES.textNode("not base64 !!"), NODES.textNode(""), NODES.numberNode(7),
                NODES.nullNode(), JSON.createObjectNode().put("action", "PutObject"),
                NODES.textNode("x".repeat(20_000)), NODES.textNode(Base64.getUrlEncoder().withoutPadding()
                        .encodeToString(new byte[] {(byte) 0xff, (byte) 0xfe, 0x00})));
        if (random.nextInt(6) > 0) {
            m.set("body", bodies.get(random.nextInt(bodies.size())));
        }
        if (random.nextBoolean()) {
            m.put("timestamp_ms", random.nextBoolean() ? "soon" : "-1");
        }
        return leased;
    }
}
