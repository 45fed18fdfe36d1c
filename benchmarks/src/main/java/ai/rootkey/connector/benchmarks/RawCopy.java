package ai.rootkey.connector.benchmarks;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Map;

/**
 * B3's second baseline, in its own JVM: a bare copy of one object from a (presigned) GET URL into a POST, with
 * {@link HttpURLConnection} in fixed-length streaming mode and a 64 KiB buffer: no digest, no checks, nothing else.
 * Arguments: GET_URL POST_URL PREAMBLE_FILE EPILOGUE_FILE CONTENT_LENGTH, then {@code name=value} request headers.
 * Prints {@code RESULT status=... seconds=... cpu_seconds=... bytes=... peak_heap_sampled=... vmhwm=...}.
 */
public final class RawCopy {
    private RawCopy() {
    }

    public static void main(String[] args) throws Exception {
        byte[] preamble = Files.readAllBytes(Paths.get(args[2]));
        byte[] epilogue = Files.readAllBytes(Paths.get(args[3]));
        long size = Long.parseLong(args[4]);
        try (MemoryWatch watch = new MemoryWatch()) {
            long t0 = System.nanoTime();
            long cpu0 = Bed.cpuNanos();
            HttpURLConnection get = (HttpURLConnection) URI.create(args[0]).toURL().openConnection();
            HttpURLConnection post = (HttpURLConnection) URI.create(args[1]).toURL().openConnection();
            post.setRequestMethod("POST");
            post.setDoOutput(true);
            post.setFixedLengthStreamingMode(preamble.length + size + epilogue.length);
            for (int i = 5; i < args.length; i++) {
                int eq = args[i].indexOf('=');
                post.setRequestProperty(args[i].substring(0, eq), args[i].substring(eq + 1));
            }
            long copied = 0;
            try (InputStream in = get.getInputStream(); OutputStream out = post.getOutputStream()) {
                out.write(preamble);
                byte[] buffer = new byte[64 * 1024];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    out.write(buffer, 0, n);
                    copied += n;
                }
                out.write(epilogue);
            }
            int status = post.getResponseCode();
            try (InputStream reply = status < 400 ? post.getInputStream() : post.getErrorStream()) {
                if (reply != null) {
                    reply.readAllBytes();
                }
            }
            long t1 = System.nanoTime();
            long cpu1 = Bed.cpuNanos();
            System.out.println("RESULT status=" + status + " seconds=" + (t1 - t0) / 1e9 + " cpu_seconds="
                    + (cpu1 - cpu0) / 1e9 + " bytes=" + copied
                    + " peak_heap_sampled=" + watch.peakHeapSampled() + " vmhwm=" + MemoryWatch.residentHighWater());
        }
        System.exit(0);
    }

    /** Headers as {@code name=value} arguments. */
    static String[] headerArgs(Map<String, String> headers) {
        return headers.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new);
    }
}
