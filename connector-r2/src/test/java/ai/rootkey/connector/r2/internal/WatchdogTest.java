package ai.rootkey.connector.r2.internal;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WatchdogTest {

    @Test
    void exchangeThatStopsMoving_isAbortedOnce_afterItsIdleTimeout() throws Exception {
        try (Watchdog watchdog = new Watchdog("test-watchdog")) {
            Progress progress = new Progress();
            CompletableFuture<Long> aborted = new CompletableFuture<>();
            AtomicInteger aborts = new AtomicInteger();
            long started = System.nanoTime();
            Watchdog.Watch watch = watchdog.watch(progress, Duration.ofMillis(200), () -> {
                aborts.incrementAndGet();
                aborted.complete(System.nanoTime());
            });
            long abortedAt = aborted.get(5, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(abortedAt - started)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
            assertThat(watch.verdict()).isEqualTo(Watchdog.Verdict.IDLE);
            watch.close();
            assertThat(aborts).hasValue(1);
        }
    }

    @Test
    void progress_movesTheDeadline_andAPausedExchangeIsNeverIdle() throws Exception {
        try (Watchdog watchdog = new Watchdog("test-watchdog")) {
            Progress progress = new Progress();
            CompletableFuture<Void> aborted = new CompletableFuture<>();
            Watchdog.Watch watch = watchdog.watch(progress, Duration.ofMillis(150), () -> aborted.complete(null));
            progress.pause(); // waiting for the source, however long
            assertThatThrownBy(() -> aborted.get(600, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
            assertThat(watch.verdict()).isEqualTo(Watchdog.Verdict.NONE);
            progress.resume();
            aborted.get(5, TimeUnit.SECONDS);
            assertThat(watch.verdict()).isEqualTo(Watchdog.Verdict.IDLE);
        }
    }

    @Test
    void interruptedOwner_isAborted_withinASecond_evenWithALongIdleTimeout() throws Exception {
        try (Watchdog watchdog = new Watchdog("test-watchdog")) {
            CompletableFuture<Watchdog.Watch> watched = new CompletableFuture<>();
            CompletableFuture<Void> aborted = new CompletableFuture<>();
            Thread owner = new Thread(() -> {
                watched.complete(watchdog.watch(new Progress(), Duration.ofHours(1), () -> aborted.complete(null)));
                // Blocks, keeping the interrupt flag set, as a socket write does (join() would clear it while waiting).
                while (!aborted.isDone()) {
                    LockSupport.parkNanos(10_000_000);
                }
            });
            owner.start();
            Watchdog.Watch watch = watched.get(5, TimeUnit.SECONDS);
            long interrupted = System.nanoTime();
            owner.interrupt();
            aborted.get(5, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - interrupted)).isLessThan(Duration.ofMillis(2000));
            assertThat(watch.verdict()).isEqualTo(Watchdog.Verdict.INTERRUPTED);
            owner.join(5000);
        }
    }

    @Test
    void closedWatch_neverFires_andAClosedWatchdogRefusesNewWatches() throws Exception {
        Watchdog watchdog = new Watchdog("test-watchdog");
        CompletableFuture<Void> aborted = new CompletableFuture<>();
        Watchdog.Watch watch = watchdog.watch(new Progress(), Duration.ofMillis(100), () -> aborted.complete(null));
        watch.close();
        assertThatThrownBy(() -> aborted.get(500, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        assertThat(watch.verdict()).isEqualTo(Watchdog.Verdict.NONE);
        watchdog.close();
        assertThatThrownBy(() -> watchdog.watch(new Progress(), Duration.ofSeconds(1), () -> { }))
                .isInstanceOf(IllegalStateException.class);
    }
}
