package ai.rootkey.connector.benchmarks;

import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.local.EmbeddedS3;
import ai.rootkey.connector.local.GeneratedContent;
import ai.rootkey.connector.r2.CloudflareQueueSource;
import ai.rootkey.connector.r2.R2ClientSettings;
import ai.rootkey.connector.r2.R2EventCodec;
import ai.rootkey.connector.r2.RootkeyAnchorer;
import ai.rootkey.connector.r2.Secret;
import ai.rootkey.connector.testkit.FakeCloudflareQueues;
import ai.rootkey.connector.testkit.FakeRootkeyApi;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * B3, one big object: S3Proxy (on disk, {@link EmbeddedS3#main}), the fake ROOTKey API and the fake queues each run in
 * their own JVM; the connector runs alone in a fourth JVM at {@code -Xmx64m} ({@link ConnectorProcess}). Baselines in
 * the same run copy the same bytes over the same loopback: {@code curl} GET piped into {@code curl} POST (raw
 * tools), and {@link RawCopy} (a bare Java copier, also at {@code -Xmx64m}). Every copy must arrive byte-exact: the
 * fake API's SHA-256 of what it received is compared with the generator's.
 */
final class BigObject {
    static final double TARGET_RATIO = 0.8;
    private static final Duration START = Duration.ofMinutes(10);
    private static final Pattern RECEIVED = Pattern.compile("size=(\\d+), sha256=([0-9a-f]{64})");

    private BigObject() {
    }

    static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("size", "2GiB");
        d.put("seed", "20261123");
        d.put("rounds", "1");
        d.put("heap", "64m");
        d.put("concurrency", "2");
        d.put("dir", "benchmarks/target/b3");
        d.put("jfr", "");
        d.put("results", "benchmarks/results");
        return d;
    }

    /** One copy's outcome. */
    private record Copy(String runner, double seconds, long bytes, String sha256, String cpu, String memory) {
    }

    static void run(Options o, String command) throws Exception {
        long size = o.size("size");
        long seed = Long.parseLong(o.string("seed"));
        Path dir = Paths.get(o.string("dir")).toAbsolutePath();
        Files.createDirectories(dir);
        Path logs = Files.createDirectories(dir.resolve("logs"));
        String expected = GeneratedContent.sha256(size, seed);
        Path file = dir.resolve("object.bin");
        GeneratedContent.writeTo(file, size, seed);
        String key = "big/object-" + Sizes.format(size).replace(" ", "") + ".bin";
        List<Copy> copies = new ArrayList<>();
        try (Child s3 = Child.start("s3", List.of("-Xmx512m"), EmbeddedS3.class.getName(),
                     List.of("--dir", dir.resolve("s3").toString(), "--object", key + "=" + file), Map.of(),
                     logs.resolve("s3.log"));
             Child api = Child.start("api", List.of("-Xmx256m"), FakeRootkeyApi.class.getName(),
                     List.of("--port", "0", "--max-retained-bytes", "0", "--seed", "1"), Map.of(),
                     logs.resolve("api.log"));
             Child queues = Child.start("queues", List.of("-Xmx256m"), FakeCloudflareQueues.class.getName(),
                     List.of("--port", "0", "--seed", "1"), Map.of(), logs.resolve("queues.log"))) {
            Map<String, String> object = Child.fields(s3.await("OBJECT ", START));
            s3.await("READY", START);
            Files.delete(file); // the store has its own copy now
            String eTag = object.get("etag");
            URI endpoint = URI.create(s3.value("R2_ENDPOINT", START));
            String bucket = s3.value("R2_BUCKET", START);
            Map<String, String> apiLine = Child.fields(api.await("FakeRootkeyApi listening on ", START)
                    .replace("listening on ", "url="));
            String apiUrl = apiLine.get("url");
            String apiKey = apiLine.get("api-key");
            Map<String, String> env = new LinkedHashMap<>();
            for (String name : List.of("CLOUDFLARE_API_BASE_URL", "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_TOKEN",
                    "R2_QUEUE_ID", "R2_DLQ_ID")) {
                env.put(name, queues.value(name, START));
            }
            env.put("R2_ENDPOINT", endpoint.toString());
            env.put("R2_BUCKET", bucket);
            env.put("R2_ACCESS_KEY_ID", EmbeddedS3.IDENTITY);
            env.put("R2_SECRET_ACCESS_KEY", EmbeddedS3.CREDENTIAL);
            env.put("ROOTKEY_API_URL", apiUrl);
            env.put("ROOTKEY_API_KEY", apiKey);
            env.put("ROOTKEY_MAX_FILE_SIZE_BYTES", Long.toString(Math.max(size, 1)));
            env.put("ROOTKEY_ALLOW_INSECURE_LOOPBACK", "true");

            String getUrl = presign(endpoint, bucket, key);
            String postUrl = apiUrl + RootkeyAnchorer.UPLOAD_PATH;
            for (int round = 0; round < o.integer("rounds"); round++) {
                Multipart framing = new Multipart(new SecureRandom(), key.substring(key.indexOf('/') + 1));
                Path pre = Files.write(dir.resolve("preamble.bin"), framing.preamble());
                Path epi = Files.write(dir.resolve("epilogue.bin"), framing.epilogue());
                Map<String, String> headers = new LinkedHashMap<>();
                headers.put("Content-Type", framing.contentType());
                headers.put("x-api-key", apiKey);
                headers.put("User-Agent", RootkeyAnchorer.DEFAULT_USER_AGENT);
                headers.put("x-rootkey-source-bucket", bucket);
                headers.put("x-rootkey-source-key", key);
                headers.put("x-rootkey-source-etag", eTag);
                long length = framing.bodyLength(size);

                copies.add(curl(getUrl, postUrl, pre, epi, length, headers, api, logs));
                copies.add(javaCopy(getUrl, postUrl, pre, epi, size, headers, api, o.string("heap"), logs));
                copies.add(connector(env, bucket, key, eTag, size, api, o, logs, round));
            }
        } finally {
            Files.deleteIfExists(file);
            deleteTree(dir.resolve("s3"));
        }

        Report report = new Report("B3 big object", command);
        report.line("One generated object of " + Sizes.format(size) + " (seed " + seed + ", never stored in git), "
                + "S3Proxy on disk, the fake API (content retention off) and the fake queues each in their own JVM; "
                + "the connector alone in its own JVM at -Xmx" + o.string("heap") + ", concurrency "
                + o.string("concurrency") + ". Baselines copy the same bytes over the same loopback: `curl` GET (presigned "
                + "URL) piped through `cat preamble - epilogue` into `curl -T -` POST with an exact Content-Length (the "
                + "fake API refuses chunked uploads), and `RawCopy`, a bare Java copier (HttpURLConnection, fixed-length "
                + "streaming, 64 KiB buffer, -Xmx" + o.string("heap") + "). Every copy is checked byte-exact against the "
                + "generator's SHA-256 (" + expected.substring(0, 16) + "…) by what the fake API received. Connector "
                + "time: from start() to the upload's answer (JVM start-up excluded).");
        report.line("");
        double fastestBaseline = 0;
        double connectorBest = 0;
        List<List<String>> rows = new ArrayList<>();
        for (Copy c : copies) {
            double mibs = c.bytes / 1048576.0 / c.seconds;
            boolean exact = c.sha256.equals(expected) && c.bytes == size;
            if (!c.runner.startsWith("connector")) {
                fastestBaseline = Math.max(fastestBaseline, mibs);
            } else if (exact) {
                connectorBest = Math.max(connectorBest, mibs);
            }
            rows.add(List.of(c.runner, String.format(Locale.ROOT, "%.2f s", c.seconds),
                    String.format(Locale.ROOT, "%.0f MiB/s", mibs), exact ? "yes" : "**NO** (" + c.sha256 + ")",
                    c.cpu, c.memory));
        }
        report.table(List.of("runner", "time", "throughput", "byte-exact", "copier CPU", "memory"), rows);
        double ratio = connectorBest / fastestBaseline;
        report.line("- ratio connector / fastest baseline: " + Report.ratio(ratio));
        report.line("- target ≥ 0.8× baseline: " + Report.met(ratio >= TARGET_RATIO));
        report.save(o.string("results"));
    }

    private static Copy curl(String getUrl, String postUrl, Path pre, Path epi, long length,
                             Map<String, String> headers, Child api, Path logs) throws Exception {
        StringBuilder script = new StringBuilder("set -o pipefail; curl -sS --fail \"$GET_URL\" | cat \"$PRE\" - \"$EPI\" "
                + "| curl -sS -X POST -T - -H 'Transfer-Encoding:' -H 'Expect:' -H \"Content-Length: $LENGTH\"");
        Map<String, String> env = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, String> h : headers.entrySet()) {
            env.put("H" + i, h.getKey() + ": " + h.getValue());
            script.append(" -H \"$H").append(i++).append('"');
        }
        script.append(" -o /dev/null -w '%{http_code}' \"$POST_URL\"");
        env.put("GET_URL", getUrl);
        env.put("POST_URL", postUrl);
        env.put("PRE", pre.toString());
        env.put("EPI", epi.toString());
        env.put("LENGTH", Long.toString(length));
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script.toString())
                .redirectError(logs.resolve("curl.log").toFile());
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        String status = new String(p.getInputStream().readAllBytes()).trim();
        int exit = p.waitFor();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (exit != 0 || !status.startsWith("2")) {
            throw new IllegalStateException("the curl copy failed: exit " + exit + ", HTTP " + status + "; see "
                    + logs.resolve("curl.log"));
        }
        String[] received = received(api);
        return new Copy("baseline: curl → curl", seconds, Long.parseLong(received[0]), received[1], "-", "-");
    }

    private static Copy javaCopy(String getUrl, String postUrl, Path pre, Path epi, long size,
                                 Map<String, String> headers, Child api, String heap, Path logs) throws Exception {
        List<String> args = new ArrayList<>(List.of(getUrl, postUrl, pre.toString(), epi.toString(),
                Long.toString(size)));
        args.addAll(List.of(RawCopy.headerArgs(headers)));
        try (Child copy = Child.start("raw-copy", List.of("-Xmx" + heap), RawCopy.class.getName(), args, Map.of(),
                logs.resolve("raw-copy.log"))) {
            Map<String, String> r = Child.fields(copy.await("RESULT ", Duration.ofMinutes(30)));
            String[] received = received(api);
            return new Copy("baseline: RawCopy (Java)", Double.parseDouble(r.get("seconds")),
                    Long.parseLong(received[0]), received[1], cpu(r), "peak heap " + Sizes.mib(Long.parseLong(
                    r.get("peak_heap_sampled"))) + ", VmHWM " + Sizes.mib(Long.parseLong(r.get("vmhwm"))));
        }
    }

    private static Copy connector(Map<String, String> env, String bucket, String key, String eTag, long size,
                                  Child api, Options o, Path logs, int round) throws Exception {
        try (CloudflareQueueSource queue = CloudflareQueueSource.builder()
                .baseUrl(env.get("CLOUDFLARE_API_BASE_URL")).accountId(env.get("CLOUDFLARE_ACCOUNT_ID"))
                .queueId(env.get("R2_QUEUE_ID")).apiToken(Secret.of(env.get("CLOUDFLARE_API_TOKEN")))
                .allowInsecureLoopbackForTesting(true).build()) {
            queue.publish(R2EventCodec.standard().toJson(ObjectEvent.builder().bucket(bucket).key(key)
                    .action(EventAction.PUT_OBJECT).size(size).eTag(eTag).eventTime(Instant.now()).build(),
                    env.get("CLOUDFLARE_ACCOUNT_ID")));
        }
        List<String> jvm = new ArrayList<>(List.of("-Xmx" + o.string("heap")));
        if (!o.string("jfr").isBlank()) {
            jvm.add("-XX:FlightRecorderOptions:stackdepth=256");
            jvm.add("-XX:StartFlightRecording=filename=" + Paths.get(o.string("jfr")).toAbsolutePath() + "/b3-connector-"
                    + round + ".jfr,settings=profile");
        }
        try (Child connector = Child.start("connector", jvm, ConnectorProcess.class.getName(),
                List.of(o.string("concurrency")), env, logs.resolve("connector.log"))) {
            Map<String, String> r = Child.fields(connector.await("RESULT ", Duration.ofMinutes(60)));
            connector.waitFor(Duration.ofMinutes(1));
            String[] received = received(api);
            if (!"ANCHORED".equals(r.get("outcome"))) {
                throw new IllegalStateException("the connector did not anchor the object: " + r);
            }
            return new Copy("connector (" + ConnectorProcess.class.getSimpleName() + ")",
                    Double.parseDouble(r.get("seconds")), Long.parseLong(received[0]), received[1], cpu(r),
                    "peak heap " + Sizes.mib(Long.parseLong(r.get("peak_heap_sampled"))) + " sampled, "
                            + Sizes.mib(Long.parseLong(r.get("peak_heap_pools"))) + " pool peaks (max "
                            + Sizes.mib(Long.parseLong(r.get("max_heap"))) + "), VmHWM "
                            + Sizes.mib(Long.parseLong(r.get("vmhwm"))));
        }
    }

    private static String cpu(Map<String, String> result) {
        return String.format(Locale.ROOT, "%.2f s", Double.parseDouble(result.get("cpu_seconds")));
    }

    /** Size and SHA-256 of the next upload the fake API accepted, from its output line. */
    private static String[] received(Child api) throws InterruptedException {
        String line = api.await("20", Duration.ofMinutes(5));
        Matcher m = RECEIVED.matcher(line);
        if (!m.find()) {
            throw new IllegalStateException("unexpected line from the fake API: " + line);
        }
        return new String[] {m.group(1), m.group(2)};
    }

    private static String presign(URI endpoint, String bucket, String key) {
        try (S3Presigner presigner = S3Presigner.builder()
                .endpointOverride(endpoint)
                .region(R2ClientSettings.REGION)
                .serviceConfiguration(R2ClientSettings.serviceConfiguration())
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(EmbeddedS3.IDENTITY, EmbeddedS3.CREDENTIAL)))
                .build()) {
            return presigner.presignGetObject(b -> b.signatureDuration(Duration.ofHours(2))
                    .getObjectRequest(g -> g.bucket(bucket).key(key))).url().toString();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        }
    }
}
