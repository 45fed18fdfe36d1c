package ai.rootkey.connector.r2.internal;

/** When an exchange last moved: body bytes taken by the client, response headers or reply bytes received. */
public final class Progress {
    private volatile long lastNanos = System.nanoTime();

    /** Records progress now. */
    public void touch() {
        lastNanos = System.nanoTime();
    }

    /** {@link System#nanoTime()} of the last progress (or of creation). */
    public long lastNanos() {
        return lastNanos;
    }
}
