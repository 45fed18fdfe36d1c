package ai.rootkey.connector.testkit.internal;

import ai.rootkey.connector.testkit.Fault;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;

/** Body streams that misbehave the way {@link Fault#resetMidBody()} and {@link Fault#stallBody} say. */
public final class FaultStreams {
    private FaultStreams() {
    }

    /** How a fake waits: it may cut the wait short (when it closes), and says so by throwing. */
    @FunctionalInterface
    public interface Pause {
        void pause(Duration duration) throws InterruptedIOException;
    }

    /** A pause in the calling thread, ended early by an interrupt. */
    public static void sleep(Duration duration) throws InterruptedIOException {
        if (duration.isZero() || duration.isNegative()) {
            return;
        }
        try {
            Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted during a simulated delay");
        }
    }

    /** {@code in}, whose reads throw "connection reset" once {@code after} bytes went through. */
    public static InputStream resetAfter(InputStream in, long after, String who) {
        return new FilterInputStream(in) {
            private long read;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                if (read >= after) {
                    throw new IOException("connection reset by peer (simulated by " + who + ")");
                }
                int n = super.read(b, off, (int) Math.min(len, after - read));
                if (n > 0) {
                    read += n;
                }
                return n;
            }
        };
    }

    /** {@code in}, which stops once for {@code stall} after {@value Fault#STALL_AFTER_BYTES} bytes. */
    public static InputStream stallAfter(InputStream in, Duration stall, Pause pause) {
        return new FilterInputStream(in) {
            private long read;
            private boolean stalled;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (!stalled && read >= Fault.STALL_AFTER_BYTES) {
                    stalled = true;
                    pause.pause(stall);
                }
                int allowed = stalled ? len : (int) Math.min(len, Fault.STALL_AFTER_BYTES - read);
                int n = super.read(b, off, allowed);
                if (n > 0) {
                    read += n;
                }
                return n;
            }
        };
    }
}
