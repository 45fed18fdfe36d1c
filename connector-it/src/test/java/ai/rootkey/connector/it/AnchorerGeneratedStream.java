package ai.rootkey.connector.it;

import java.io.InputStream;
import java.util.SplittableRandom;

/** {@code size} pseudo-random bytes from a seed, generated as they are read: a large object never stored. */
final class AnchorerGeneratedStream extends InputStream {
    private final SplittableRandom random;
    private long remaining;

    AnchorerGeneratedStream(long size, long seed) {
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
}
