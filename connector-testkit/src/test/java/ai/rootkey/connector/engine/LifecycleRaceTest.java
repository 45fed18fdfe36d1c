package ai.rootkey.connector.engine;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.Health;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code start()} racing {@code close()} never throws and never hangs, whichever wins. */
class LifecycleRaceTest {

    @Test
    void startRacingClose_neverThrows_neverHangs_andLeavesNoThreadRunning() throws Exception {
        try (ConnectorTestKit kit = ConnectorTestKit.create()) {
            kit.bucket().put("docs/a.pdf", "a");
            for (int round = 0; round < 200; round++) {
                Connector connector = kit.connectorBuilder().name("race-" + round).build();
                CyclicBarrier gate = new CyclicBarrier(2);
                CompletableFuture<Void> starting = CompletableFuture.runAsync(() -> {
                    await(gate);
                    connector.start();
                });
                CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
                    await(gate);
                    connector.close();
                });
                starting.get(10, TimeUnit.SECONDS);
                closing.get(10, TimeUnit.SECONDS);
                connector.close(); // whichever won, this closes it for good
                assertThat(connector.health().status()).as("round %d", round).isEqualTo(Health.Status.DOWN);
                assertThat(liveThreads("race-" + round + "-")).as("round %d", round).isEmpty();
            }
        }
    }

    private static List<String> liveThreads(String prefix) {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix) && t.isAlive() && !t.getName().contains("-worker-")) {
                names.add(t.getName());
            }
        }
        return names;
    }

    private static void await(CyclicBarrier gate) {
        try {
            gate.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
