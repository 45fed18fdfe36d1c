package ai.rootkey.connector.cli;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The exit code of {@code run} from what the real engine reports while it drains. */
class DrainReportTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final ConnectorTestKit kit = ConnectorTestKit.create();

    @AfterEach
    void close() {
        kit.close();
    }

    @Test
    void uploadsThatFinishWithinTheDrainTimeout_andUnstartedOnesHandedBack_areACleanDrain() {
        DrainReport report = new DrainReport();
        kit.anchorer().latency(Duration.ofMillis(300));
        for (int i = 0; i < 6; i++) {
            kit.bucket().put("docs/" + i + ".pdf", "content " + i);
        }
        Connector connector = kit.start(b -> b.listener(report).concurrency(2).drainTimeout(Duration.ofSeconds(10)));
        Await.until(() -> connector.stats().inFlight() >= 2 && kit.anchorer().calls() >= 1, WAIT,
                "uploads in flight");

        connector.close();

        assertThat(report.cutOff()).isZero();
        assertThat(connector.stats().anchored()).isGreaterThanOrEqualTo(1);
        assertThat(connector.stats().anchored() + report.notStarted()).isEqualTo(connector.stats().received());
        assertThat(report.exitCode()).isEqualTo(RunCommand.EXIT_OK);
    }

    @Test
    void anUploadStillRunningAtTheDrainTimeout_isCutOff_andTheExitCodeIs75() {
        DrainReport report = new DrainReport();
        kit.anchorer().latency(Duration.ofSeconds(30));
        kit.bucket().put("docs/slow.pdf", "slow");
        Connector connector = kit.start(b -> b.listener(report).drainTimeout(Duration.ofMillis(200)));
        Await.until(() -> kit.anchorer().calls() == 1, WAIT, "the upload has begun");

        connector.close();

        assertThat(report.cutOff()).isEqualTo(1);
        assertThat(connector.stats().released()).isEqualTo(1);
        assertThat(report.exitCode()).isEqualTo(RunCommand.EXIT_DRAIN_TIMED_OUT).isEqualTo(75);
        assertThat(kit.queue().visible()).as("handed back for redelivery, not acked").isEqualTo(1);
    }

    @Test
    void aConnectorClosedWithNothingInFlight_isACleanDrain() {
        DrainReport report = new DrainReport();
        Connector connector = kit.start(b -> b.listener(report));
        kit.bucket().put("docs/a.pdf", "a");
        kit.runUntilIdle(connector);
        connector.close();
        assertThat(report.cutOff()).isZero();
        assertThat(report.notStarted()).isZero();
        assertThat(report.exitCode()).isZero();
    }
}
