package ai.rootkey.connector.it;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.r2.R2Connector;
import ai.rootkey.connector.testkit.Await;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.LogCapture;
import ai.rootkey.connector.testkit.QueueEndpoint;
import ai.rootkey.connector.local.LoopbackStack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DESIGN section 4 rule 9 over HTTP: {@link R2Connector} reads the consumer's {@code max_retries} from
 * {@code GET .../consumers} at start and treats delivery {@code max_retries + 1} as the last; where the token may
 * not read consumer settings it keeps its retry policy and says so once at INFO.
 */
class QueueConsumerSettingsIT {
    private LoopbackStack stack;
    private final LogCapture logs = LogCapture.connector();
    private final List<Outcome> outcomes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        stack = LoopbackStack.start();
    }

    @AfterEach
    void stop() {
        stack.close();
        logs.close();
    }

    private Connector connector() {
        return R2Connector.builder().config(stack.config())
                .listener(new ai.rootkey.connector.ConnectorListener() {
                    @Override
                    public void onOutcome(Outcome outcome) {
                        outcomes.add(outcome);
                    }
                })
                .engine(b -> b.retryPolicy(ai.rootkey.connector.RetryPolicy.defaults()
                        .withDelays(Duration.ofMillis(1), Duration.ofMillis(2)))
                        .idleBackoff(Duration.ofMillis(5), Duration.ofMillis(50)))
                .start();
    }

    @Test
    void consumerWithMaxRetriesTwo_theThirdDeliveryIsTheLast_andTheQueueDeadLettersIt() {
        stack.queues().configureConsumer(stack.queueId(), stack.queues().queue(stack.queueId()).consumer()
                .withMaxRetries(2));
        stack.api().failNext(10, Fault.status(503));
        stack.put("docs/doomed.pdf", "x".getBytes(StandardCharsets.UTF_8));
        Connector connector = connector();
        try {
            Await.until(() -> stack.queues().queue(stack.queueId()).deadLettered().size() == 1, Duration.ofSeconds(30),
                    "dead-lettered");
        } finally {
            connector.close();
        }
        assertThat(stack.queues().queue(stack.queueId()).deadLettered()).singleElement()
                .satisfies(m -> assertThat(m.attempts()).isEqualTo(3));
        assertThat(outcomes).filteredOn(o -> o.kind() == Outcome.Kind.EXHAUSTED).singleElement()
                .satisfies(o -> assertThat(o.attempt()).isEqualTo(3));
        assertThat(logs.lines("rootkey.connector.max_retries")).singleElement()
                .satisfies(l -> assertThat(l).contains("max_retries=2").contains("source=\"queue consumer\""));
    }

    @Test
    void aTokenThatMayNotReadConsumerSettings_keepsTheRetryPolicy_andSaysSoOnceAtInfo() {
        stack.queues().failNext(QueueEndpoint.CONSUMERS, 1, Fault.status(403));
        stack.put("docs/a.pdf", "a".getBytes(StandardCharsets.UTF_8));
        Connector connector = connector();
        try {
            Await.until(() -> stack.api().files().size() == 1, Duration.ofSeconds(30), "anchored");
        } finally {
            connector.close();
        }
        assertThat(logs.lines("rootkey.connector.max_retries")).singleElement().satisfies(l -> assertThat(l)
                .contains("max_retries=5").contains("last_attempt=6").contains("source=\"configuration\"")
                .contains("consumer settings could not be read"));
        assertThat(logs.events()).filteredOn(e -> e.getFormattedMessage().startsWith("rootkey.connector.max_retries"))
                .singleElement().satisfies(e -> assertThat(e.getLevel().toString()).isEqualTo("INFO"));
    }
}
