package ai.rootkey.connector.r2.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that compute the SHA-256 of large uploads while they stream ({@link ContentDigest#offThread}): one
 * executor shared by every upload of the JVM, created at first use. It keeps no thread while idle (core size 0; a
 * thread idle for {@value #KEEP_ALIVE_SECONDS} s ends) and its threads are daemons, so nothing needs closing. At most
 * {@value #MAX_THREADS} at once; beyond that the executor refuses and the upload hashes on its own thread.
 */
final class Sha256Threads {
    /** The most hashing threads at once (one per large upload in flight). */
    static final int MAX_THREADS = 64;
    /** How long a hashing thread waits for the next upload before it ends, in seconds. */
    static final long KEEP_ALIVE_SECONDS = 10;

    private Sha256Threads() {
    }

    /** The shared executor; created by the first call. */
    static ExecutorService shared() {
        return Holder.EXECUTOR;
    }

    /** A new executor configured like the shared one; the shared one is the only one the SDK creates. */
    static ThreadPoolExecutor create() {
        AtomicInteger count = new AtomicInteger();
        // A synchronous hand-off: a task starts at once on an idle or a new thread, or is refused; it never waits.
        return new ThreadPoolExecutor(0, MAX_THREADS, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> {
                    Thread t = new Thread(r, "rootkey-sha256-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /** Lazy creation by class initialisation. */
    private static final class Holder {
        static final ThreadPoolExecutor EXECUTOR = create();
    }
}
