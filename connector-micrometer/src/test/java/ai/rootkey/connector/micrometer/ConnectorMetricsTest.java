package ai.rootkey.connector.micrometer;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorStats;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import ai.rootkey.connector.testkit.Fault;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectorMetricsTest {
    private final ConnectorTestKit kit = ConnectorTestKit.create();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void tearDown() {
        kit.close();
        registry.close();
    }

    private double deliveries(String outcome) {
        return registry.get("rootkey.connector.deliveries").tags("bucket", "test-bucket", "outcome", outcome)
                .functionCounter().count();
    }

    @Test
    void everyOutcome_isCountedExactly_andAgreesWithTheConnectorsStats() {
        ConnectorMetrics metrics = ConnectorMetrics.builder().bucket("test-bucket").clock(kit.clock()).build();
        metrics.bindTo(registry);
        Connector connector = kit.start(b -> b.listener(metrics).filter(EventFilter.prefix("docs/"))
                .concurrency(1).batchSize(1));

        // 1: six transient failures in a row (max_retries 5): five retries, then the last attempt, which the queue
        // dead-letters.
        kit.anchorer().failNext(6, Fault.status(503));
        kit.bucket().put("docs/exhausted.pdf", "x".repeat(10));
        kit.runUntilIdle(connector);
        // 2: two transient failures, then anchored.
        kit.anchorer().failNext(2, Fault.status(429));
        kit.bucket().put("docs/flaky.pdf", "y".repeat(20));
        kit.runUntilIdle(connector);
        // 3: five anchored, one filtered, one delete (skipped), one object deleted just before it is read
        // (terminal, and its delete event is skipped too).
        long bytes = 20;
        for (int i = 0; i < 5; i++) {
            kit.bucket().put("docs/" + i + ".pdf", "z".repeat(100 + i));
            bytes += 100 + i;
        }
        kit.bucket().put("tmp/scratch", "ignored");
        kit.queue().publish(ObjectEvent.builder().bucket("test-bucket").key("docs/old.pdf")
                .action(EventAction.DELETE_OBJECT).eventTime(kit.clock().instant()).build());
        kit.bucket().put("docs/gone.pdf", "soon gone");
        kit.bucket().deleteBeforeRead("docs/gone.pdf");
        kit.runUntilIdle(connector);

        assertThat(deliveries("anchored")).isEqualTo(6);
        assertThat(deliveries("retried")).isEqualTo(5 + 2);
        assertThat(deliveries("dead_lettered")).isEqualTo(1);
        assertThat(deliveries("skipped")).isEqualTo(3);
        assertThat(deliveries("terminal")).isEqualTo(1);
        assertThat(deliveries("released")).isZero();
        assertThat(registry.get("rootkey.connector.retries").tags("reason", "http_503").functionCounter().count())
                .isEqualTo(6);
        assertThat(registry.get("rootkey.connector.retries").tags("reason", "http_429").functionCounter().count())
                .isEqualTo(2);
        assertThat(registry.get("rootkey.connector.anchored.bytes").functionCounter().count()).isEqualTo(bytes);
        assertThat(registry.get("rootkey.connector.upload.duration").tags("outcome", "anchored").timer().count())
                .isEqualTo(6);
        assertThat(registry.get("rootkey.connector.upload.duration").tags("outcome", "retried").timer().count())
                .isEqualTo(7);
        assertThat(registry.get("rootkey.connector.upload.duration").tags("outcome", "dead_lettered").timer().count())
                .isEqualTo(1);
        assertThat(registry.get("rootkey.connector.upload.duration").tags("outcome", "terminal").timer().count())
                .as("the missing object was never uploaded").isZero();
        assertThat(registry.get("rootkey.connector.in.flight").gauge().value()).isZero();
        assertThat(registry.get("rootkey.connector.health").tags("status", "up").gauge().value()).isEqualTo(1);
        assertThat(registry.get("rootkey.connector.health").tags("status", "down").gauge().value()).isZero();
        Await.until(() -> registry.get("rootkey.connector.backlog.messages").gauge()
                .value() == 0, Duration.ofSeconds(5), "the next receive reports an empty backlog");

        ConnectorStats stats = connector.stats();
        assertThat(registry.get("rootkey.connector.received").functionCounter().count()).isEqualTo(stats.received())
                .isEqualTo(18);
        assertThat(stats.anchored()).isEqualTo(6);
        assertThat(stats.exhausted()).isEqualTo(1);
        assertThat(stats.bytesAnchored()).isEqualTo(bytes);
        assertThat(kit.queue().deadLettered()).hasSize(1);
        assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().getTags())
                .extracting(Tag::getKey).doesNotContain("key"));
    }

    @Test
    void backlogAndOldestAge_followTheLastReceive() {
        ConnectorMetrics metrics = ConnectorMetrics.builder().bucket("test-bucket").clock(kit.clock()).build();
        metrics.bindTo(registry);
        assertThat(registry.get("rootkey.connector.backlog.messages").gauge().value()).isNaN();
        assertThat(registry.get("rootkey.connector.backlog.oldest.age").timeGauge().value(TimeUnit.SECONDS)).isNaN();

        kit.anchorer().faultRate(1.0, Fault.status(503));
        for (int i = 0; i < 3; i++) {
            kit.bucket().put("docs/" + i, "content");
        }
        Connector connector = kit.start(b -> b.listener(metrics));
        Await.until(() -> kit.anchorer().calls() >= 3 && kit.queue().inFlight() == 0
                && registry.get("rootkey.connector.backlog.messages").gauge().value() == 3, Duration.ofSeconds(10),
                "three messages waiting under retry delays");
        kit.clock().advance(Duration.ofMillis(90_500));

        assertThat(registry.get("rootkey.connector.backlog.oldest.age").timeGauge().value(TimeUnit.SECONDS))
                .isEqualTo(90.5);
        assertThat(registry.get("rootkey.connector.backlog.bytes").gauge().value()).isPositive();
        connector.close();
    }

    @Test
    void countsBeforeBinding_areNotLost_andASecondRegistryGetsTheSameTotals() {
        ConnectorMetrics metrics = ConnectorMetrics.forBucket("test-bucket");
        kit.bucket().put("a.pdf", "content");
        kit.bucket().put("b.pdf", "content");
        Connector connector = kit.start(b -> b.listener(metrics));
        kit.runUntilIdle(connector);

        metrics.bindTo(registry);
        metrics.bindTo(registry);
        SimpleMeterRegistry second = new SimpleMeterRegistry();
        metrics.bindTo(second);

        assertThat(deliveries("anchored")).isEqualTo(2);
        assertThat(second.get("rootkey.connector.deliveries").tags("outcome", "anchored").functionCounter().count())
                .isEqualTo(2);
        second.close();
    }

    @Test
    void retryReasons_areBounded() {
        ConnectorMetrics metrics = ConnectorMetrics.builder().bucket("b").tags(Tags.of("env", "test")).build();
        metrics.bindTo(registry);
        ObjectEvent event = ObjectEvent.builder().bucket("b").key("k").action(EventAction.PUT_OBJECT).build();
        for (int i = 0; i < 100; i++) {
            metrics.onOutcome(TestOutcomes.retried(event, "reason_" + i));
        }
        metrics.onOutcome(TestOutcomes.retried(event, "Not A Label: the server said \"no\"\r\n"));

        List<String> reasons = registry.find("rootkey.connector.retries").functionCounters().stream()
                .map(c -> c.getId().getTag("reason")).toList();
        assertThat(reasons).hasSize(ConnectorMetrics.MAX_REASONS).contains("other", "reason_0");
        assertThat(registry.get("rootkey.connector.retries").tags("reason", "other", "env", "test")
                .functionCounter().count()).isEqualTo(100 - (ConnectorMetrics.MAX_REASONS - 1) + 1);
    }

    @Test
    void build_withoutBucket_failsWithFix() {
        assertThatThrownBy(() -> ConnectorMetrics.builder().build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("call bucket(...)");
    }
}
