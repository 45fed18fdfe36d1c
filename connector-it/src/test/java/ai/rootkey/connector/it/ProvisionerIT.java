package ai.rootkey.connector.it;

import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.r2.Doctor;
import ai.rootkey.connector.r2.ProvisionPlan;
import ai.rootkey.connector.r2.ProvisionPlan.Action;
import ai.rootkey.connector.r2.Provisioner;
import ai.rootkey.connector.r2.Secret;
import ai.rootkey.connector.testkit.Fault;
import ai.rootkey.connector.testkit.FakeCloudflareQueues;
import ai.rootkey.connector.testkit.NotificationRule;
import ai.rootkey.connector.testkit.QueueConsumerSettings;
import ai.rootkey.connector.testkit.QueueEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real {@link Provisioner} against the loopback fake's queues, consumers and notification rules: state changes,
 * not just requests. The request shapes are pinned by {@code ProvisionerTest} (connector-r2).
 */
class ProvisionerIT {
    private static final String BUCKET = "acme-documents";
    private FakeCloudflareQueues fake;

    @BeforeEach
    void start() {
        fake = FakeCloudflareQueues.builder().seed(7).build().start();
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private Provisioner.Builder provisioner() {
        return Provisioner.builder().accountId(fake.accountId()).apiToken(Secret.of(fake.token()))
                .baseUrl(fake.baseUrl()).allowInsecureLoopbackForTesting(true).bucket(BUCKET).nameSuffix("prod");
    }

    private String id(String name) {
        return fake.queueIds().get(name);
    }

    @Test
    void aConsumerSomeoneTuned_isPutBack_andThenLeftAlone() throws Exception {
        Provisioner.Names names = provisioner().build().names();
        provisioner().build().apply();
        fake.configureConsumer(id(names.eventQueue()), QueueConsumerSettings.defaults().withMaxRetries(3));

        ProvisionPlan fixed = provisioner().build().apply();
        ProvisionPlan again = provisioner().build().apply();

        assertThat(fixed.steps().get(2).action()).isEqualTo(Action.UPDATE);
        assertThat(fixed.steps().get(2).detail()).contains("batch_size 5 -> 25", "max_retries 3 -> 5",
                "visibility_timeout_ms 30000 -> 625000", "dead_letter_queue unset -> " + names.deadLetterQueue());
        assertThat(fake.queue(id(names.eventQueue())).consumer()).isEqualTo(new QueueConsumerSettings(25, 5,
                Duration.ofSeconds(625), Duration.ZERO, Optional.of(names.deadLetterQueue())));
        assertThat(again.steps()).extracting(ProvisionPlan.Step::action).containsOnly(Action.UNCHANGED);
    }

    @Test
    void createsWhoseRepliesAreLost_areFoundOnTheRetry_andNothingIsMadeTwice() throws Exception {
        Provisioner.Names names = provisioner().build().names();
        // the survey's reads pass (a 1 ms delay); the first create is applied but its reply is lost, and so is the
        // rule's: the client retries, meets "exists" (409), and the provisioner finds what it made
        fake.failNext(QueueEndpoint.QUEUES, 1, Fault.latency(Duration.ofMillis(1)));
        fake.failNext(QueueEndpoint.QUEUES, 1, Fault.dropAfterApply());
        fake.failNext(QueueEndpoint.EVENT_NOTIFICATIONS, 1, Fault.latency(Duration.ofMillis(1)));
        fake.failNext(QueueEndpoint.EVENT_NOTIFICATIONS, 1, Fault.dropAfterApply());

        ProvisionPlan plan = provisioner().build().apply();

        assertThat(plan.applied()).isTrue();
        assertThat(fake.injectedFaults()).filteredOn(f -> f.kind() == Fault.Kind.DROP_AFTER_APPLY).hasSize(2);
        assertThat(fake.queueIds()).containsOnlyKeys(names.eventQueue(), names.deadLetterQueue());
        assertThat(fake.notificationRules(BUCKET)).containsOnlyKeys(id(names.eventQueue()));
        assertThat(fake.notificationRules(BUCKET).get(id(names.eventQueue()))).hasSize(1);
        assertThat(provisioner().build().plan().changes()).isEmpty();
    }

    @Test
    void anotherQueuesRuleOverlappingTheWantedOne_isRefused_andTheFakeWouldHaveRefusedItToo() throws Exception {
        String other = fake.createQueue("someone-elses-queue");
        fake.addNotificationRule(BUCKET, other, NotificationRule.of(EventAction.DELETE_OBJECT).withPrefix("docs/"));

        ProvisionPlan plan = provisioner().prefix("docs/2025/").build().apply();

        assertThat(plan.steps().get(4).action()).isEqualTo(Action.REFUSED);
        assertThat(plan.steps().get(4).detail()).contains("to someone-elses-queue (DeleteObject; prefix \"docs/\")");
        assertThat(fake.queueIds()).containsOnlyKeys("someone-elses-queue");
        assertThat(provisioner().prefix("invoices/").build().apply().applied()).as("disjoint keys are fine").isTrue();
    }

    @Test
    void afterProvisioning_theDoctorsNewRowsAreOk() throws Exception {
        ProvisionPlan plan = provisioner().prefix("docs/").build().apply();
        fake.setMessageRetention(plan.environment().get("R2_QUEUE_ID"), Duration.ofHours(6));

        // the doctor's queue rows need only the Cloudflare settings; the R2 and ROOTKey rows fail here (no stand-ins)
        List<Doctor.Check> checks = Doctor.check(ai.rootkey.connector.r2.R2ConnectorConfig.builder()
                .accountId(fake.accountId()).apiToken(Secret.of(fake.token())).apiBaseUrl(fake.baseUrl())
                .queueId(plan.environment().get("R2_QUEUE_ID")).dlqId(plan.environment().get("R2_DLQ_ID"))
                .bucket(BUCKET).prefix("docs/").accessKeyId("unused").secretAccessKey(Secret.of("unused"))
                .r2Endpoint(java.net.URI.create("http://127.0.0.1:9")).rootkeyApiUrl(java.net.URI.create(
                        "http://127.0.0.1:9")).rootkeyApiKey(Secret.of("unused")).allowInsecureLoopback(true).build());

        assertThat(checks).filteredOn(c -> c.name().equals("bucket event notifications")).singleElement()
                .satisfies(c -> assertThat(c.status()).isEqualTo(Doctor.Status.OK));
        assertThat(checks).filteredOn(c -> c.name().equals("queue message retention")).singleElement()
                .satisfies(c -> {
                    assertThat(c.status()).isEqualTo(Doctor.Status.WARN);
                    assertThat(c.detail()).contains("more than 5 h 45 min");
                });
    }
}
