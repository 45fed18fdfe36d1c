package ai.rootkey.connector.benchmarks;

import ai.rootkey.connector.r2.RootkeyAnchorer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The small-object baseline (B2, scaling, B4) and B5's Worker-shaped baseline: {@code concurrency} threads, each
 * pulling a batch from the Queues API, then for each message getting the object and posting it to the ROOTKey API as
 * {@link RootkeyAnchorer} does (same headers, the same multipart framing written by hand ({@link Multipart}), exact
 * Content-Length; with {@code java.net.http}, fine for its ASCII keys), then acking the batch in one call. Nothing
 * else: no filters, retries, classification, back-off, streaming, digests or logging. Threads end when a pull comes
 * back empty. {@link #probe} takes objects through one at a time for B5's service time.
 */
final class BareLoop {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where the loop reads, writes and settles. */
    record Target(String queueBaseUrl, String accountId, String queueId, String token, URI apiUrl, String apiKey) {
    }

    private final Target target;
    private final S3Client s3;
    private final HttpClient http;
    private final int batchSize;
    private final URI pull;
    private final URI ack;
    private final URI upload;
    private final SecureRandom random = new SecureRandom();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    BareLoop(Target target, S3Client s3, HttpClient http, int batchSize) {
        this.target = target;
        this.s3 = s3;
        this.http = http;
        this.batchSize = batchSize;
        String messages = target.queueBaseUrl() + "/accounts/" + target.accountId() + "/queues/" + target.queueId()
                + "/messages";
        this.pull = URI.create(messages + "/pull");
        this.ack = URI.create(messages + "/ack");
        this.upload = URI.create(target.apiUrl() + RootkeyAnchorer.UPLOAD_PATH);
    }

    /** Runs {@code concurrency} threads until the queue has nothing more to hand out; returns objects uploaded. */
    long run(int concurrency) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        long[] counts = new long[concurrency];
        for (int i = 0; i < concurrency; i++) {
            int index = i;
            Thread t = new Thread(() -> {
                try {
                    counts[index] = loop();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    ThreadCpu.addEnded();
                }
            }, "bare-loop-" + i);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("the bare loop failed", failure.get());
        }
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        return total;
    }

    private long loop() throws IOException, InterruptedException {
        long done = 0;
        while (true) {
            JsonNode messages = pull(batchSize);
            if (messages.isEmpty()) {
                return done;
            }
            List<String> leases = new ArrayList<>();
            for (JsonNode message : messages) {
                getAndPost(message);
                leases.add(message.path("lease_id").asText());
                done++;
            }
            ack(leases);
        }
    }

    /** One object's calls at concurrency 1, in nanoseconds: pull of one message, GET, POST, ack of its lease. */
    record Steps(long pullNanos, long getNanos, long postNanos, long ackNanos) {
    }

    /**
     * B5's service time: takes up to {@code objects} objects through one at a time on the calling thread, each as
     * pull (one message) → GET → POST → ack (one lease), and times every call. Stops early when the queue is empty.
     */
    List<Steps> probe(int objects) throws IOException, InterruptedException {
        List<Steps> steps = new ArrayList<>();
        for (int i = 0; i < objects; i++) {
            long t0 = System.nanoTime();
            JsonNode messages = pull(1);
            long t1 = System.nanoTime();
            if (messages.isEmpty()) {
                break;
            }
            JsonNode message = messages.get(0);
            long[] split = getAndPost(message);
            long t2 = System.nanoTime();
            ack(List.of(message.path("lease_id").asText()));
            long t3 = System.nanoTime();
            steps.add(new Steps(t1 - t0, split[0], split[1], t3 - t2));
        }
        return steps;
    }

    private JsonNode pull(int count) throws IOException, InterruptedException {
        ObjectNode request = JSON.createObjectNode();
        request.put("batch_size", count);
        request.put("visibility_timeout_ms", 600_000);
        return call(pull, request).path("result").path("messages");
    }

    /** Gets and posts the object {@code message} announces; returns the nanoseconds of the GET and of the POST. */
    private long[] getAndPost(JsonNode message) throws IOException, InterruptedException {
        JsonNode event = JSON.readTree(Base64.getDecoder().decode(message.path("body").asText()));
        String bucket = event.path("bucket").asText();
        String key = event.path("object").path("key").asText();
        long t0 = System.nanoTime();
        ResponseBytes<GetObjectResponse> object = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key));
        long t1 = System.nanoTime();
        post(bucket, key, object.response().eTag().replace("\"", ""), object.asByteArrayUnsafe());
        return new long[] {t1 - t0, System.nanoTime() - t1};
    }

    private void ack(List<String> leases) throws IOException, InterruptedException {
        ObjectNode settle = JSON.createObjectNode();
        ArrayNode acks = settle.putArray("acks");
        settle.putArray("retries");
        for (String lease : leases) {
            acks.addObject().put("lease_id", lease);
        }
        call(ack, settle);
    }

    private void post(String bucket, String key, String eTag, byte[] content) throws IOException, InterruptedException {
        Multipart framing = new Multipart(random, key.substring(key.lastIndexOf('/') + 1));
        byte[] pre = framing.preamble();
        byte[] post = framing.epilogue();
        byte[] body = new byte[pre.length + content.length + post.length];
        System.arraycopy(pre, 0, body, 0, pre.length);
        System.arraycopy(content, 0, body, pre.length, content.length);
        System.arraycopy(post, 0, body, pre.length + content.length, post.length);
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(upload)
                .version(HttpClient.Version.HTTP_1_1)
                .header("x-api-key", target.apiKey())
                .header("User-Agent", RootkeyAnchorer.DEFAULT_USER_AGENT)
                .header("Content-Type", framing.contentType())
                .header("x-rootkey-source-bucket", bucket)
                .header("x-rootkey-source-key", key)
                .header("x-rootkey-source-etag", eTag)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() / 100 != 2) {
            throw new IOException("upload of " + key + " answered " + response.statusCode() + ": "
                    + new String(response.body()));
        }
    }

    private JsonNode call(URI uri, JsonNode body) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(uri)
                .header("Authorization", "Bearer " + target.token())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IOException(uri + " answered " + response.statusCode());
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
