package ai.rootkey.connector.testkit.internal;

import ai.rootkey.connector.LogSafe;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.FakeRootkeyApi;
import ai.rootkey.connector.testkit.ReceivedFile;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP face of {@link FakeRootkeyApi}: the upload route of DESIGN section 6.4, the {@code x-api-key} check,
 * the strict parsing of headers and body, and fault injection. What it accepts goes to an {@link UploadStore}.
 */
public final class FakeApiHandler implements HttpHandler {
    /** The one path the fake serves. */
    public static final String UPLOAD_PATH = "/api-v1/connectors/files/";
    /** The faults of the API fake are scripted for this one kind of call. */
    public static final String CALL = "request";

    private static final Logger LOG = LoggerFactory.getLogger(FakeApiHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final UploadStore store;
    private final FaultPlan<String> faults;
    private final long maxRetainedBytes;
    private final PrintStream printer; // null: no per-request lines
    private final CountDownLatch closing;
    private final AtomicInteger requests = new AtomicInteger();
    /** Set while a request whose reply a {@link Fault#dropAfterApply()} loses is served (one thread per request). */
    private final ThreadLocal<Boolean> dropReply = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private volatile String apiKey;
    private volatile boolean refusingCredentials;

    public FakeApiHandler(UploadStore store, FaultPlan<String> faults, String apiKey, long maxRetainedBytes,
                          Optional<PrintStream> printer, CountDownLatch closing) {
        this.store = Objects.requireNonNull(store, "store");
        this.faults = Objects.requireNonNull(faults, "faults");
        this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
        this.maxRetainedBytes = maxRetainedBytes;
        this.printer = printer.orElse(null);
        this.closing = Objects.requireNonNull(closing, "closing");
    }

    public String apiKey() {
        return apiKey;
    }

    public void apiKey(String newKey) {
        this.apiKey = Objects.requireNonNull(newKey, "newKey");
    }

    public boolean refusingCredentials() {
        return refusingCredentials;
    }

    public void refusingCredentials(boolean refuse) {
        this.refusingCredentials = refuse;
    }

    public int requestCount() {
        return requests.get();
    }

    public void resetRequestCount() {
        requests.set(0);
    }

    /** Checks that the API fake can show {@code fault}. */
    public static void check(Fault fault) {
        switch (fault.kind()) {
            case EXCEPTION:
                throw FaultPlan.unsupported("FakeRootkeyApi", fault, "a server cannot throw in its client; "
                        + "use status, dropBeforeApply, dropAfterApply, resetMidBody, stallBody or latency");
            case DROP_AFTER_APPLY:
                if (fault.appliedChunks().isPresent()) {
                    throw FaultPlan.unsupported("FakeRootkeyApi", fault, "an upload is applied whole; "
                            + "use dropAfterApply()");
                }
                return;
            default:
        }
    }

    @Override
    public void handle(HttpExchange exchange) {
        requests.incrementAndGet();
        try {
            serve(exchange);
        } catch (IOException | RuntimeException e) {
            LOG.debug("FakeRootkeyApi: exchange failed: {}", e.toString());
        } finally {
            dropReply.remove();
            exchange.close();
        }
    }

    private void serve(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        if (!UPLOAD_PATH.equals(path)) {
            reject(exchange, new Violation(404, "not_found", "no such path; the upload path is " + UPLOAD_PATH));
            return;
        }
        Fault fault = faults.next(CALL).orElse(null);
        if (fault != null) {
            print("fault " + fault + " on " + method);
            switch (fault.kind()) {
                case STATUS: {
                    drain(exchange);
                    Map<String, String> headers = fault.retryAfter()
                            .map(d -> Map.of("Retry-After", Long.toString(ceilSeconds(d))))
                            .orElse(Map.of());
                    respond(exchange, fault.status().getAsInt(),
                            error("injected_fault", "fault injected by FakeRootkeyApi: " + fault), headers);
                    return;
                }
                case RESET_MID_BODY:
                    resetMidBody(exchange);
                    return;
                case DROP_BEFORE_APPLY:
                    return; // handle() closes the exchange before any reply: the connection drops
                case DROP_AFTER_APPLY:
                    dropReply.set(Boolean.TRUE);
                    break;
                default:
                    break;
            }
        }
        if (!credentialsAccepted(exchange.getRequestHeaders())) {
            reject(exchange, new Violation(401, "unauthorized", refusingCredentials
                    ? "the API key has been revoked" : "x-api-key is missing or wrong"));
            return;
        }
        switch (method) {
            case "POST":
                upload(exchange, fault);
                return;
            case "GET":
            case "HEAD":
                drain(exchange);
                latency(fault);
                respond(exchange, 405, error("method_not_allowed", "upload files with POST"), Map.of("Allow", "POST"));
                return;
            default:
                reject(exchange, new Violation(405, "method_not_allowed", method + " is not supported; use POST"));
        }
    }

    private void upload(HttpExchange exchange, Fault fault) throws IOException {
        Headers headers = exchange.getRequestHeaders();
        if (headers.containsKey("Transfer-Encoding")) {
            reject(exchange, new Violation(411, "chunked", "chunked uploads are not accepted: send a Content-Length"));
            return;
        }
        String lengthHeader = headers.getFirst("Content-Length");
        if (lengthHeader == null) {
            reject(exchange, new Violation(411, "length_required", "Content-Length is required"));
            return;
        }
        long length = Long.parseLong(lengthHeader.trim());
        StrictMultipartParser.Part part;
        String bucket;
        String key;
        Optional<String> eTag;
        try {
            String boundary = StrictMultipartParser.boundary(headers.getFirst("Content-Type"));
            bucket = sourceHeader(headers, "x-rootkey-source-bucket")
                    .orElseThrow(() -> Violation.badRequest("missing_header", "x-rootkey-source-bucket is required"));
            key = sourceHeader(headers, "x-rootkey-source-key")
                    .orElseThrow(() -> Violation.badRequest("missing_header", "x-rootkey-source-key is required"));
            eTag = sourceHeader(headers, "x-rootkey-source-etag");
            InputStream body = exchange.getRequestBody();
            if (fault != null && fault.kind() == Fault.Kind.STALL_BODY) {
                body = FaultStreams.stallAfter(body, fault.duration(), this::pause);
            }
            part = StrictMultipartParser.parse(body, length, boundary, maxRetainedBytes);
        } catch (Violation v) {
            reject(exchange, v);
            return;
        }
        ReceivedFile file = store.accept(bucket, key, eTag, part.fileName(), part.size(), part.sha256(),
                snapshot(headers), Optional.ofNullable(part.content()));
        print((file.duplicate() ? "200 duplicate " : "201 created ") + file + " key-header-hex="
                + file.headerBytes("x-rootkey-source-key").map(HexFormat.of()::formatHex).orElse("-"));
        latency(fault);
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("id", file.id());
        reply.put("status", file.duplicate() ? "duplicate" : "created");
        reply.put("bucket", file.bucket());
        reply.put("key", file.key());
        reply.put("etag", file.eTag().orElse(null));
        reply.put("filename", file.fileName());
        reply.put("size", file.size());
        reply.put("sha256", file.sha256());
        respond(exchange, file.duplicate() ? 200 : 201, reply, Map.of());
    }

    private void latency(Fault fault) {
        if (fault != null && fault.kind() == Fault.Kind.LATENCY) {
            pause(fault.duration());
        }
    }

    /**
     * One source header as the API would store it, empty when absent. The JDK server hands each header byte over as
     * one char (ISO-8859-1), so the chars are the raw bytes: decoded as UTF-8, or percent-decoded when flagged.
     */
    private static Optional<String> sourceHeader(Headers headers, String name) throws Violation {
        List<String> values = headers.get(name);
        if (values == null || values.isEmpty()) {
            return Optional.empty();
        }
        if (values.size() > 1) {
            throw Violation.badRequest("bad_header", name + " is sent " + values.size() + " times");
        }
        String value = values.get(0);
        if (value.isEmpty()) {
            throw Violation.badRequest("bad_header", name + " is empty");
        }
        List<String> encoding = headers.get(name + "-encoding");
        if (encoding == null) {
            byte[] bytes = value.getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < bytes.length; i++) {
                int b = bytes[i] & 0xFF;
                if (b < 0x20 || b == 0x7F) {
                    throw Violation.badRequest("bad_header", name + " contains the control byte "
                            + String.format("0x%02X", b) + " at index " + i + "; percent-encode the value and send "
                            + name + "-encoding: percent");
                }
            }
            try {
                return Optional.of(StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)).toString());
            } catch (CharacterCodingException e) {
                throw Violation.badRequest("bad_header", name + " is not UTF-8: send the value's UTF-8 bytes");
            }
        }
        if (encoding.size() != 1 || !encoding.get(0).equals("percent")) {
            throw Violation.badRequest("bad_encoding", name + "-encoding must be \"percent\", was " + encoding);
        }
        return Optional.of(StrictPercentDecoder.decode(name, value));
    }

    private boolean credentialsAccepted(Headers headers) {
        List<String> keys = headers.get("x-api-key");
        return !refusingCredentials && keys != null && keys.size() == 1 && keys.get(0).equals(apiKey);
    }

    /**
     * Reads part of the body, then closes the connection without answering. The JDK server closes the socket
     * when an exchange is closed before its response headers were sent; with unread body bytes left in the
     * socket, the kernel answers with a TCP reset. The client sees a reset or an early end of stream.
     */
    private static void resetMidBody(HttpExchange exchange) {
        long length = contentLength(exchange.getRequestHeaders());
        long take = Math.min(Fault.RESET_AFTER_MAX_BYTES, length / 2);
        try {
            exchange.getRequestBody().readNBytes((int) take);
        } catch (IOException ignored) {
            // the client went first: the connection is gone either way
        }
        exchange.close();
    }

    private void reject(HttpExchange exchange, Violation violation) throws IOException {
        store.reject(new FakeRootkeyApi.Rejection(Instant.now(), exchange.getRequestMethod(),
                exchange.getRequestURI().getRawPath(), violation.status(), violation.code(), violation.getMessage()));
        print(violation.status() + " " + violation.code() + ": " + violation.getMessage());
        boolean inSync = drain(exchange) && violation.status() != 411;
        respond(exchange, violation.status(), error(violation.code(), violation.getMessage()),
                inSync ? Map.of() : Map.of("Connection", "close"));
    }

    /** Reads the rest of the request body; false when it could not be read to its end. */
    private static boolean drain(HttpExchange exchange) {
        try {
            exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Sends the reply, or, for a {@link Fault#dropAfterApply()}, nothing: {@link #handle} then closes the exchange
     * before any header went out, and the JDK server closes the connection.
     */
    private void respond(HttpExchange exchange, int status, Map<String, Object> body,
                         Map<String, String> extraHeaders) throws IOException {
        if (dropReply.get()) {
            return;
        }
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a reply", e);
        }
        Headers headers = exchange.getResponseHeaders();
        headers.set("Content-Type", "application/json");
        extraHeaders.forEach(headers::set);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static Map<String, Object> error(String code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        return body;
    }

    private static Map<String, List<String>> snapshot(Headers headers) {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        headers.forEach((name, values) -> {
            if (!name.equalsIgnoreCase("x-api-key")) {
                copy.put(name, values);
            }
        });
        return copy;
    }

    private static long contentLength(Headers headers) {
        try {
            String value = headers.getFirst("Content-Length");
            return value == null ? 0 : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Waits, cut short when the fake closes. */
    private void pause(Duration duration) {
        try {
            closing.await(duration.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void print(String line) {
        LOG.debug("FakeRootkeyApi: {}", LogSafe.escape(line));
        if (printer != null) {
            printer.println(LogSafe.escape(line));
        }
    }

    private static long ceilSeconds(Duration d) {
        return d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
    }
}
