package ai.rootkey.connector.r2.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The buffers an upload reads its content into, and the SHA-256 of the chunks it wrote from them. The uploading
 * thread asks for a {@link #buffer()}, reads a chunk into it, writes the chunk, then hands it back with
 * {@link #written}; after the last chunk (or a failure) it calls {@link #end()}. {@link #hex()} is the digest of
 * the written chunks in the order written.
 *
 * <p>{@link #inline} hashes each chunk on the uploading thread, into one reused buffer. {@link #offThread} hashes on
 * a thread of an executor while the uploading thread reads and writes the next chunks: a fixed ring of buffers goes
 * round, uploading thread to hasher (written, to be hashed) and back (hashed, free); when the hasher is behind by
 * the whole ring the uploading thread waits for a free buffer, so memory is the ring's whatever the size.
 */
sealed interface ContentDigest {
    /**
     * A buffer to read the next chunk into: the one not handed back, if any, else a free one.
     *
     * @throws InterruptedIOException when interrupted while waiting for the hasher (the interrupt stays set)
     * @throws IOException            when the hasher failed
     */
    byte[] buffer() throws IOException;

    /** The first {@code length} bytes of {@code buffer} were written: hash them. The buffer is not used again. */
    void written(byte[] buffer, int length);

    /** No more chunks: after the last one, and after a failure. Idempotent. */
    void end();

    /**
     * Lowercase hex SHA-256 of the chunks handed to {@link #written}, in that order. Call after {@link #end()}: waits
     * for the hasher to hash what it holds (at most one ring of buffers). The same string on every call.
     *
     * @throws IllegalStateException when the hasher failed
     */
    String hex();

    /** Hashes on the calling thread, reading into one buffer of {@code bufferBytes}. */
    static ContentDigest inline(int bufferBytes) {
        return new Inline(bufferBytes);
    }

    /**
     * Hashes on a thread of {@code hashers}, with {@code buffers} buffers of {@code bufferBytes}; empty when
     * {@code hashers} refuses the task (the caller then hashes inline).
     */
    static Optional<ContentDigest> offThread(int buffers, int bufferBytes, Executor hashers) {
        OffThread digest = new OffThread(buffers, bufferBytes);
        try {
            hashers.execute(digest::run);
        } catch (RejectedExecutionException e) {
            return Optional.empty();
        }
        return Optional.of(digest);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** See {@link #inline}. Used by one thread. */
    final class Inline implements ContentDigest {
        private final MessageDigest digest = sha256();
        private final int bufferBytes;
        private byte[] buffer;
        private String hex;

        private Inline(int bufferBytes) {
            if (bufferBytes < 1) {
                throw new IllegalArgumentException("bufferBytes must be positive, was " + bufferBytes);
            }
            this.bufferBytes = bufferBytes;
        }

        @Override
        public byte[] buffer() {
            if (buffer == null) {
                buffer = new byte[bufferBytes];
            }
            return buffer;
        }

        @Override
        public void written(byte[] chunk, int length) {
            digest.update(chunk, 0, length);
        }

        @Override
        public void end() {
            buffer = null;
        }

        @Override
        public synchronized String hex() {
            if (hex == null) {
                hex = HexFormat.of().formatHex(digest.digest());
            }
            return hex;
        }
    }

    /**
     * See {@link #offThread}. {@link #buffer()}, {@link #written} and {@link #end()} are for one uploading thread;
     * {@link #hex()} for any thread after {@link #end()}.
     */
    final class OffThread implements ContentDigest {
        /** A chunk to hash; {@link #END} says there are no more. */
        private record Chunk(byte[] buffer, int length) {
        }

        private static final Chunk END = new Chunk(new byte[0], 0);

        private final MessageDigest digest = sha256();
        /** Buffers the hasher is done with. Holds the whole ring at most, so returning one never blocks. */
        private final BlockingQueue<byte[]> free;
        /** Written chunks, in order, then {@link #END}: never more than the ring plus one, so adding never blocks. */
        private final BlockingQueue<Chunk> toHash;
        private final CountDownLatch hashed = new CountDownLatch(1);
        private volatile Throwable failure;
        /** Uploading thread only. */
        private byte[] current;
        /** Written by the uploading thread, read by {@link #hex()} on any. */
        private volatile boolean ended;
        private String hex;

        private OffThread(int buffers, int bufferBytes) {
            if (buffers < 2 || bufferBytes < 1) {
                throw new IllegalArgumentException("an off-thread digest needs at least 2 buffers of at least 1 byte, "
                        + "was " + buffers + " of " + bufferBytes);
            }
            free = new ArrayBlockingQueue<>(buffers);
            toHash = new ArrayBlockingQueue<>(buffers + 1);
            for (int i = 0; i < buffers; i++) {
                free.add(new byte[bufferBytes]);
            }
        }

        @Override
        public byte[] buffer() throws IOException {
            if (current == null) {
                throwIfFailed();
                try {
                    current = free.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for the SHA-256 of the upload");
                }
                throwIfFailed(); // the hasher gives its buffers back when it fails, to wake this wait
            }
            return current;
        }

        @Override
        public void written(byte[] buffer, int length) {
            if (buffer != current || ended) {
                throw new IllegalStateException("hand back the buffer from buffer(), once, before end()");
            }
            current = null;
            toHash.add(new Chunk(buffer, length));
        }

        @Override
        public void end() {
            if (!ended) {
                ended = true;
                current = null;
                toHash.add(END);
            }
        }

        @Override
        public synchronized String hex() {
            if (hex == null) {
                if (!ended) {
                    throw new IllegalStateException("the digest is read after the last chunk, not before");
                }
                awaitHashed();
                if (failure != null) {
                    throw new IllegalStateException("the SHA-256 of the upload could not be computed: " + failure,
                            failure);
                }
                hex = HexFormat.of().formatHex(digest.digest());
            }
            return hex;
        }

        /** The hasher: hashes chunks in the order written until {@link #END}. */
        private void run() {
            byte[] held = null;
            try {
                while (true) {
                    Chunk chunk = toHash.take();
                    if (chunk == END) {
                        break;
                    }
                    held = chunk.buffer();
                    digest.update(held, 0, chunk.length());
                    free.add(held);
                    held = null;
                }
                free.clear(); // the upload asks for no more buffers: let them go with this thread's work
            } catch (InterruptedException e) {
                fail(e, held);
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                fail(e, held);
            } catch (Error e) {
                fail(e, held);
                throw e;
            } finally {
                hashed.countDown();
            }
        }

        /** Records the failure, then gives every buffer back so an uploading thread waiting for one wakes to it. */
        private void fail(Throwable cause, byte[] held) {
            failure = cause;
            if (held != null) {
                free.offer(held);
            }
            Chunk chunk;
            while ((chunk = toHash.poll()) != null) {
                if (chunk != END) {
                    free.offer(chunk.buffer());
                }
            }
        }

        private void throwIfFailed() throws IOException {
            Throwable cause = failure;
            if (cause != null) {
                throw new IOException("the SHA-256 of the upload could not be computed: " + cause, cause);
            }
        }

        /** Waits for the hasher, uninterruptibly: it has at most the ring to hash, then {@link #END}. */
        private void awaitHashed() {
            boolean interrupted = false;
            while (true) {
                try {
                    hashed.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
