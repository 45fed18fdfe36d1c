package ai.rootkey.connector.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * {@code size} pseudo-random bytes from a seed, generated as they are read: test content of any size that is never
 * held in memory, and whose digest can be recomputed from the seed.
 */
public final class GeneratedContent extends InputStream {
    private final SplittableRandom random;
    private long remaining;

    /** A stream of {@code size} bytes determined by {@code seed}. */
    public GeneratedContent(long size, long seed) {
        this.remaining = size;
        this.random = new SplittableRandom(seed);
    }

    @Override
    public int read() {
        if (remaining == 0) {
            return -1;
        }
        remaining--;
        return random.nextInt(256);
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) {
            return 0;
        }
        if (remaining == 0) {
            return -1;
        }
        int n = (int) Math.min(len, remaining);
        int i = 0;
        while (i + 8 <= n) {
            long v = random.nextLong();
            for (int j = 0; j < 8; j++) {
                b[off + i++] = (byte) (v >>> (8 * j));
            }
        }
        while (i < n) {
            b[off + i++] = (byte) random.nextInt(256);
        }
        remaining -= n;
        return n;
    }

    /** Lowercase hex SHA-256 of the {@code size} bytes {@code seed} generates. */
    public static String sha256(long size, long seed) {
        try (InputStream in = new GeneratedContent(size, seed)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) != -1) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** Writes the {@code size} bytes {@code seed} generates to {@code file}. */
    public static Path writeTo(Path file, long size, long seed) throws IOException {
        try (InputStream in = new GeneratedContent(size, seed); OutputStream out = Files.newOutputStream(file)) {
            in.transferTo(out);
        }
        return file;
    }
}
