package ai.rootkey.connector.r2.internal;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UploadEntityTest {
    private static final long THRESHOLD = UploadEntity.OFF_THREAD_SHA256_MIN_BYTES;
    private static final int CHUNK = UploadEntity.CHUNK_BYTES;
    private static final int RING = UploadEntity.SHA256_RING_BUFFERS;

    private final MultipartFraming framing = MultipartFraming.create(new SecureRandom(), "a.bin");
    private final Hashers hashers = new Hashers();

    @AfterEach
    void stopHashers() {
        hashers.pool.shutdownNow();
    }

    @Test
    void writeTo_writesFramingAndContentInBoundedChunks_withExactLength() throws Exception {
        byte[] content = new byte[200_000];
        new Random(1).nextBytes(content);
        UploadEntity body = new UploadEntity(framing, new ByteArrayInputStream(content), content.length,
                new Progress());
        RecordingStream out = new RecordingStream();

        body.writeTo(out);

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(framing.preamble());
        expected.write(content);
        expected.write(framing.epilogue());
        assertThat(out.bytes.toByteArray()).isEqualTo(expected.toByteArray());
        assertThat(body.getContentLength()).isEqualTo(expected.size());
        assertThat(body.isChunked()).isFalse();
        assertThat(body.isRepeatable()).isFalse();
        assertThat(body.getContentType()).isEqualTo(framing.contentType());
        assertThat(out.writes).allMatch(n -> n <= UploadEntity.CHUNK_BYTES);
        assertThat(body.started()).isTrue();
        assertThat(body.finished()).isTrue();
        assertThat(body.contentBytesSent()).isEqualTo(content.length);
        assertThat(body.sha256Hex()).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(content)));
    }

    @Test
    void emptyContent_writesTheFramingOnly() throws Exception {
        UploadEntity body = new UploadEntity(framing, new ByteArrayInputStream(new byte[0]), 0, new Progress());
        RecordingStream out = new RecordingStream();
        body.writeTo(out);
        assertThat(out.bytes.size()).isEqualTo(body.getContentLength());
        assertThat(body.sha256Hex()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void shortOrLongStream_failsTheUpload() {
        UploadEntity shorter = new UploadEntity(framing, new ByteArrayInputStream(new byte[50]), 100, new Progress());
        assertThatThrownBy(() -> shorter.writeTo(new RecordingStream())).isInstanceOf(IOException.class)
                .hasMessage("the object stream ended after 50 of its 100 bytes");
        UploadEntity longer = new UploadEntity(framing, new ByteArrayInputStream(new byte[11]), 10, new Progress());
        assertThatThrownBy(() -> longer.writeTo(new RecordingStream())).isInstanceOf(IOException.class)
                .hasMessage("the object stream yields more than its 10 bytes");
        assertThat(longer.finished()).isFalse();
    }

    @Test
    void isSingleUse() throws Exception {
        UploadEntity body = new UploadEntity(framing, new ByteArrayInputStream(new byte[3]), 3, new Progress());
        body.writeTo(new RecordingStream());
        assertThatThrownBy(() -> body.writeTo(new RecordingStream())).isInstanceOf(IOException.class)
                .hasMessageContaining("only once");
        assertThatThrownBy(body::getContent).isInstanceOf(UnsupportedOperationException.class);
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(longs = {300_000, THRESHOLD + 300_000})
    void readsOfTheSource_pauseTheIdleClock_writesTouchIt(long size) throws Exception {
        Progress progress = new Progress();
        List<Long> idleDuringReads = new ArrayList<>();
        InputStream source = new ByteArrayInputStream(new byte[(int) size]) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                idleDuringReads.add(progress.idleNanos(System.nanoTime() + 3_600_000_000_000L));
                return super.read(b, off, len);
            }
        };
        UploadEntity body = new UploadEntity(framing, source, size, progress, hashers);
        body.writeTo(new RecordingStream());
        assertThat(hashers.started.get()).isEqualTo(size >= THRESHOLD ? 1 : 0);
        assertThat(idleDuringReads).hasSizeGreaterThan(4).containsOnly(0L);
        assertThat(progress.idleNanos(System.nanoTime() + 1_000)).isPositive().isLessThan(1_000_000_000L);
    }

    @Test
    void aFailedWrite_countsOnlyWhatWasWritten() {
        byte[] content = new byte[3 * UploadEntity.CHUNK_BYTES];
        UploadEntity body = new UploadEntity(framing, new ByteArrayInputStream(content), content.length,
                new Progress());
        OutputStream failsOnThirdChunk = new OutputStream() {
            private int writes;

            @Override
            public void write(int b) {
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (++writes == 4) { // preamble, chunk, chunk, then this one
                    throw new IOException("early answer");
                }
            }
        };
        assertThatThrownBy(() -> body.writeTo(failsOnThirdChunk)).hasMessage("early answer");
        assertThat(body.contentBytesSent()).isEqualTo(2L * UploadEntity.CHUNK_BYTES);
        assertThat(body.finished()).isFalse();
    }

    // ------------------------------------------------------------------ the SHA-256, inline and on another thread

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(longs = {0, 1, CHUNK - 1, CHUNK + 1, THRESHOLD - 1, THRESHOLD, THRESHOLD + 1,
            3 * THRESHOLD + 12_345})
    void sha256AndBytes_areExact_aroundTheOffThreadThreshold_withShortReads(long size) throws Exception {
        long seed = 15_000 + size;
        byte[] content = randomBytes((int) size, seed);
        UploadEntity body = new UploadEntity(framing, new ShortReads(content, seed), size, new Progress(), hashers);
        RecordingStream out = new RecordingStream();

        body.writeTo(out);

        assertThat(out.bytes.toByteArray()).as("seed " + seed).isEqualTo(body(content));
        assertThat(body.contentBytesSent()).isEqualTo(size);
        assertThat(body.sha256Hex()).as("seed " + seed).isEqualTo(sha256(content, content.length));
        assertThat(body.sha256Hex()).as("the same on a second call").isEqualTo(sha256(content, content.length));
        assertThat(hashers.started.get()).as("hashed on another thread").isEqualTo(size >= THRESHOLD ? 1 : 0);
        hashers.awaitAllEnded(1);
    }

    @Test
    @Timeout(30) // a hang fails the test instead of the build
    void failedWrite_offThread_digestCoversTheWrittenChunks_andTheHasherEnds() throws Exception {
        byte[] content = randomBytes((int) THRESHOLD + 5 * CHUNK, 7);
        UploadEntity body = new UploadEntity(framing, new ByteArrayInputStream(content), content.length,
                new Progress(), hashers);
        OutputStream failsOnTheFortiethChunk = new OutputStream() {
            private int writes;

            @Override
            public void write(int b) {
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (++writes == 41) { // the preamble, 39 chunks, then this one
                    throw new IOException("early answer");
                }
            }
        };

        assertThatThrownBy(() -> body.writeTo(failsOnTheFortiethChunk)).isInstanceOf(IOException.class)
                .hasMessage("early answer");

        hashers.awaitAllEnded(1);
        assertThat(body.contentBytesSent()).isEqualTo(39L * CHUNK);
        assertThat(body.sha256Hex()).isEqualTo(sha256(content, 39 * CHUNK));
        assertThat(body.finished()).isFalse();
    }

    @Test
    @Timeout(30) // a hang fails the test instead of the build
    void shortOrLongStream_offThread_failsTheUpload_andTheHasherEnds() throws Exception {
        int size = (int) THRESHOLD + 100;
        byte[] shortContent = randomBytes(size - 1, 8);
        UploadEntity shorter = new UploadEntity(framing, new ShortReads(shortContent, 8), size, new Progress(),
                hashers);
        assertThatThrownBy(() -> shorter.writeTo(new RecordingStream())).isInstanceOf(IOException.class)
                .hasMessage("the object stream ended after " + (size - 1) + " of its " + size + " bytes");
        assertThat(shorter.sha256Hex()).isEqualTo(sha256(shortContent, size - 1));

        byte[] longContent = randomBytes(size + 1, 9);
        UploadEntity longer = new UploadEntity(framing, new ShortReads(longContent, 9), size, new Progress(),
                hashers);
        assertThatThrownBy(() -> longer.writeTo(new RecordingStream())).isInstanceOf(IOException.class)
                .hasMessage("the object stream yields more than its " + size + " bytes");
        assertThat(longer.sha256Hex()).isEqualTo(sha256(longContent, size));
        assertThat(longer.finished()).isFalse();

        hashers.awaitAllEnded(2);
    }

    @Test
    @Timeout(30) // a hang fails the test instead of the build
    void interruptWhileTheHasherIsARingBehind_throwsInterruptedIOException_andTheHasherEnds() throws Exception {
        byte[] content = randomBytes((int) THRESHOLD, 10);
        CountDownLatch hasherMayStart = new CountDownLatch(1);
        Executor late = task -> hashers.execute(() -> {
            awaitUninterruptibly(hasherMayStart);
            task.run();
        });
        UploadEntity body = new UploadEntity(framing, new ByteArrayInputStream(content), content.length,
                new Progress(), late);
        List<Throwable> thrown = new ArrayList<>();
        List<Boolean> interruptKept = new ArrayList<>();
        Thread uploader = new Thread(() -> {
            try {
                body.writeTo(new RecordingStream());
            } catch (Throwable t) {
                thrown.add(t);
                interruptKept.add(Thread.currentThread().isInterrupted());
            }
        }, "uploader");
        uploader.start();
        await(() -> body.contentBytesSent() == (long) RING * CHUNK && uploader.getState() == Thread.State.WAITING,
                "the uploader waits for a buffer after " + RING + " chunks");

        uploader.interrupt();
        uploader.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(uploader.isAlive()).isFalse();
        assertThat(thrown).hasSize(1);
        assertThat(thrown.get(0)).isInstanceOf(InterruptedIOException.class)
                .hasMessage("interrupted while waiting for the SHA-256 of the upload");
        assertThat(interruptKept).containsExactly(true);

        hasherMayStart.countDown();
        hashers.awaitAllEnded(1);
        assertThat(body.sha256Hex()).isEqualTo(sha256(content, RING * CHUNK));
    }

    @Test
    @Timeout(30) // a hang fails the test instead of the build
    void interruptedBeforeTheFirstChunk_offThread_throwsInterruptedIOException() throws Exception {
        byte[] content = randomBytes((int) THRESHOLD, 11);
        UploadEntity body = new UploadEntity(framing, new ByteArrayInputStream(content), content.length,
                new Progress(), hashers);
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> body.writeTo(new RecordingStream())).isInstanceOf(InterruptedIOException.class);
        } finally {
            assertThat(Thread.interrupted()).as("the interrupt stays set").isTrue();
        }
        hashers.awaitAllEnded(1);
        assertThat(body.contentBytesSent()).isZero();
        assertThat(body.sha256Hex()).isEqualTo(sha256(content, 0));
    }

    @Test
    @Timeout(30) // a hang fails the test instead of the build
    void hasherThatFails_wakesTheWaitingUpload_whichFails_andTheDigestIsRefused() throws Exception {
        byte[] content = randomBytes((int) THRESHOLD + CHUNK, 12);
        // The hashing thread starts once the upload waits for a buffer, interrupted: its first wait for a chunk fails.
        CountDownLatch hasherMayStart = new CountDownLatch(1);
        Executor failing = task -> hashers.execute(() -> {
            awaitUninterruptibly(hasherMayStart);
            Thread.currentThread().interrupt();
            task.run();
        });
        UploadEntity body = new UploadEntity(framing, new ByteArrayInputStream(content), content.length,
                new Progress(), failing);
        List<Throwable> thrown = new ArrayList<>();
        Thread uploader = new Thread(() -> {
            try {
                body.writeTo(new RecordingStream());
            } catch (Throwable t) {
                thrown.add(t);
            }
        }, "uploader");
        uploader.start();
        await(() -> body.contentBytesSent() == (long) RING * CHUNK && uploader.getState() == Thread.State.WAITING,
                "the uploader waits for a buffer after " + RING + " chunks");

        hasherMayStart.countDown();
        uploader.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(uploader.isAlive()).as("the upload ended").isFalse();
        assertThat(thrown).hasSize(1);
        assertThat(thrown.get(0)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("the SHA-256 of the upload could not be computed")
                .hasCauseInstanceOf(InterruptedException.class);
        assertThat(body.contentBytesSent()).as("nothing written after the failure").isEqualTo((long) RING * CHUNK);
        hashers.awaitAllEnded(1);
        assertThatThrownBy(body::sha256Hex).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("the SHA-256 of the upload could not be computed");
    }

    @Test
    void everyHasherBusy_hashesOnTheUploadingThread() throws Exception {
        byte[] content = randomBytes((int) THRESHOLD + 3, 13);
        Executor refuses = task -> {
            throw new RejectedExecutionException("all busy");
        };
        UploadEntity body = new UploadEntity(framing, new ShortReads(content, 13), content.length, new Progress(),
                refuses);
        RecordingStream out = new RecordingStream();
        body.writeTo(out);
        assertThat(out.bytes.toByteArray()).isEqualTo(body(content));
        assertThat(body.sha256Hex()).isEqualTo(sha256(content, content.length));
    }

    @Test
    @Timeout(30) // a hang fails the test instead of the build
    void sixteenUploadsAtOnce_eachGetItsOwnDigest() throws Exception {
        int n = 16;
        CyclicBarrier together = new CyclicBarrier(n);
        ExecutorService uploaders = Executors.newFixedThreadPool(n);
        try {
            List<byte[]> contents = new ArrayList<>();
            List<Future<UploadEntity>> bodies = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                byte[] content = randomBytes((int) THRESHOLD + i * 12_347, 100 + i);
                contents.add(content);
                long seed = 200 + i;
                bodies.add(uploaders.submit(() -> {
                    UploadEntity body = new UploadEntity(framing, new ShortReads(content, seed), content.length,
                            new Progress(), hashers);
                    together.await(10, TimeUnit.SECONDS);
                    body.writeTo(OutputStream.nullOutputStream());
                    return body;
                }));
            }
            for (int i = 0; i < n; i++) {
                UploadEntity body = bodies.get(i).get(60, TimeUnit.SECONDS);
                assertThat(body.contentBytesSent()).isEqualTo(contents.get(i).length);
                assertThat(body.sha256Hex()).as("upload " + i).isEqualTo(sha256(contents.get(i),
                        contents.get(i).length));
            }
            hashers.awaitAllEnded(n);
        } finally {
            uploaders.shutdownNow();
        }
    }

    @Test
    void sharedHashingThreads_areLazyDaemonsThatEndWhenIdle() {
        ThreadPoolExecutor shared = (ThreadPoolExecutor) Sha256Threads.shared();
        assertThat(Sha256Threads.shared()).isSameAs(shared);
        assertThat(shared.getCorePoolSize()).isZero();
        assertThat(shared.getMaximumPoolSize()).isEqualTo(Sha256Threads.MAX_THREADS);
        assertThat(shared.getKeepAliveTime(TimeUnit.SECONDS)).isEqualTo(Sha256Threads.KEEP_ALIVE_SECONDS);
        Thread thread = hashers.pool.getThreadFactory().newThread(() -> { });
        assertThat(thread.isDaemon()).isTrue();
        assertThat(thread.getName()).isEqualTo("rootkey-sha256-1");
    }

    @Test
    void publicConstructor_hashesLargeContentOnTheSharedThreads() throws Exception {
        byte[] content = randomBytes((int) THRESHOLD + 1, 14);
        UploadEntity body = new UploadEntity(framing, new ByteArrayInputStream(content), content.length,
                new Progress());
        body.writeTo(OutputStream.nullOutputStream());
        assertThat(body.sha256Hex()).isEqualTo(sha256(content, content.length));
    }

    // ------------------------------------------------------------------ helpers

    private byte[] body(byte[] content) throws IOException {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(framing.preamble());
        expected.write(content);
        expected.write(framing.epilogue());
        return expected.toByteArray();
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes, int length) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        digest.update(bytes, 0, length);
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Polls {@code condition} for up to 10 s: for states with no event to wait on (a thread parked). */
    private static void await(BooleanSupplier condition, String description) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for: " + description);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** A pool configured like the shared hashing threads, counting the hashing tasks that start and end. */
    private static final class Hashers implements Executor {
        final ThreadPoolExecutor pool = Sha256Threads.create();
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger running = new AtomicInteger();
        private final Semaphore ended = new Semaphore(0);

        @Override
        public void execute(Runnable task) {
            started.incrementAndGet();
            pool.execute(() -> {
                running.incrementAndGet();
                try {
                    task.run();
                } finally {
                    running.decrementAndGet();
                    ended.release();
                }
            });
        }

        /** Waits until every hashing task started has ended; {@code atMost} bounds the number expected. */
        void awaitAllEnded(int atMost) throws InterruptedException {
            int expected = started.get();
            assertThat(expected).as("hashing tasks started").isLessThanOrEqualTo(atMost);
            assertThat(ended.tryAcquire(expected, 10, TimeUnit.SECONDS)).as("every hasher ended").isTrue();
            assertThat(running.get()).as("hashers still running").isZero();
        }
    }

    /** Yields its content in reads of 1 to {@code 2 * CHUNK} bytes, the length drawn from a seeded random. */
    private static final class ShortReads extends InputStream {
        private final byte[] content;
        private final Random random;
        private int position;

        ShortReads(byte[] content, long seed) {
            this.content = content;
            this.random = new Random(seed);
        }

        @Override
        public int read() {
            return position < content.length ? content[position++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (position >= content.length) {
                return -1;
            }
            // Mostly short reads, sometimes whole chunks: both shapes of a network stream.
            int want = random.nextInt(4) == 0 ? 2 * CHUNK : 1 + random.nextInt(4096);
            int n = Math.min(Math.min(len, want), content.length - position);
            System.arraycopy(content, position, b, off, n);
            position += n;
            return n;
        }
    }

    /** Keeps every byte and the size of every write. */
    private static final class RecordingStream extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<Integer> writes = new ArrayList<>();

        @Override
        public void write(int b) {
            bytes.write(b);
            writes.add(1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
            writes.add(len);
        }
    }
}
