package ai.rootkey.connector.r2.internal;

/**
 * When an exchange last moved: body bytes taken by the connection, the answer's headers, reply bytes. While the
 * body waits for its source ({@link #pause()} to {@link #resume()}) the exchange counts as moving: the source's own
 * timeouts bound that wait, not the upload's idle timeout. Written by the uploading thread, read by the
 * {@link Watchdog}.
 */
public final class Progress {
    private volatile long lastNanos = System.nanoTime();
    private volatile boolean paused;

    /** Records progress now. */
    public void touch() {
        lastNanos = System.nanoTime();
    }

    /** The exchange waits for the body's source, not for the server. */
    public void pause() {
        paused = true;
    }

    /** The source answered: records progress now and counts waits again. */
    public void resume() {
        lastNanos = System.nanoTime();
        paused = false;
    }

    /** How long the exchange has not moved at {@code nowNanos} ({@link System#nanoTime()}); 0 while paused. */
    public long idleNanos(long nowNanos) {
        return paused ? 0 : Math.max(0, nowNanos - lastNanos);
    }
}
