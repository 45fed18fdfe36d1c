package ai.rootkey.connector.testkit;

import ai.rootkey.connector.Batch;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.EventSource;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.Settlement;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * What every {@link EventSource} must do, as a JUnit 5 test class to extend: implement the hooks and the tests
 * run against your source. The test kit runs it against {@link InMemoryQueue}; connector-r2's tests run it
 * against the Cloudflare pull source on the loopback fake.
 *
 * <p>Each test starts from an empty queue (the subclass provides a fresh one per test).
 */
public abstract class EventSourceContract {

    /** The source under test, reading an empty queue. Called once per test; return the same instance. */
    protected abstract EventSource source();

    /** Publishes a {@code json} message body to the queue the source reads. */
    protected abstract void publishJson(String body) throws Exception;

    /** Publishes a {@code text} message body. */
    protected abstract void publishText(String body) throws Exception;

    /** Lets every outstanding lease expire (advance a clock, or wait for a short visibility timeout). */
    protected abstract void expireLeases() throws Exception;

    /** Makes delayed retries visible now (advance a clock, or wait for the delay). */
    protected abstract void passRetryDelays() throws Exception;

    private static final String ACCOUNT = InMemoryQueue.DEFAULT_ACCOUNT_ID;

    protected static String eventJson(String key) {
        ObjectEvent event = ObjectEvent.builder().bucket("contract-bucket").key(key).action(EventAction.PUT_OBJECT)
                .size(3).eTag("900150983cd24fb0d6963f7d28e17f72").eventTime(Instant.parse("2026-01-01T00:00:00Z"))
                .build();
        return ai.rootkey.connector.r2.R2EventCodec.standard().toJson(event, ACCOUNT);
    }

    /** Receives until {@code n} deliveries arrived or a few empty polls in a row. */
    protected List<Delivery> receiveAtLeast(int n) throws IOException {
        List<Delivery> all = new ArrayList<>();
        int empty = 0;
        while (all.size() < n && empty < 50) {
            Batch batch = source().receive(Math.min(source().maxBatchSize(), 10));
            if (batch.isEmpty()) {
                empty++;
            } else {
                empty = 0;
                all.addAll(batch.deliveries());
            }
        }
        return all;
    }

    @Test
    public void receive_onEmptyQueue_returnsEmptyBatch() throws Exception {
        assertThat(source().receive(5).deliveries()).isEmpty();
    }

    @Test
    public void receive_publishedEvent_isParsedWithFirstAttempt() throws Exception {
        publishJson(eventJson("docs/a.pdf"));
        List<Delivery> got = receiveAtLeast(1);
        assertThat(got).hasSize(1);
        Delivery delivery = got.get(0);
        assertThat(delivery.attempts()).isEqualTo(1);
        assertThat(delivery.event()).hasValueSatisfying(e -> {
            assertThat(e.key()).isEqualTo("docs/a.pdf");
            assertThat(e.bucket()).isEqualTo("contract-bucket");
            assertThat(e.action()).isEqualTo(EventAction.PUT_OBJECT);
        });
    }

    @Test
    public void receive_respectsMaxMessages() throws Exception {
        for (int i = 0; i < 7; i++) {
            publishJson(eventJson("k" + i));
        }
        Batch batch = source().receive(3);
        assertThat(batch.size()).isBetween(1, 3);
    }

    @Test
    public void receive_bodyThatIsNotAnEvent_isMalformedDeliveryNotException() throws Exception {
        publishText("not json at all");
        List<Delivery> got = receiveAtLeast(1);
        assertThat(got).hasSize(1);
        assertThat(got.get(0).event()).isEmpty();
        assertThat(got.get(0).parseFailure()).hasValueSatisfying(f -> assertThat(f.rawBody()).contains("not json"));
    }

    @Test
    public void ack_removesMessage_evenAfterLeaseExpiry() throws Exception {
        publishJson(eventJson("docs/acked.pdf"));
        Delivery delivery = receiveAtLeast(1).get(0);
        source().settle(List.of(Settlement.ack(delivery)));
        expireLeases();
        assertThat(source().receive(5).deliveries()).isEmpty();
    }

    @Test
    public void retryWithoutDelay_redeliversWithNextAttempt() throws Exception {
        publishJson(eventJson("docs/retried.pdf"));
        Delivery first = receiveAtLeast(1).get(0);
        source().settle(List.of(Settlement.retry(first, Duration.ZERO)));
        passRetryDelays();
        List<Delivery> again = receiveAtLeast(1);
        assertThat(again).hasSize(1);
        assertThat(again.get(0).messageId()).isEqualTo(first.messageId());
        assertThat(again.get(0).attempts()).isEqualTo(2);
    }

    @Test
    public void expiredLease_redeliversWithNextAttempt() throws Exception {
        publishJson(eventJson("docs/expired.pdf"));
        Delivery first = receiveAtLeast(1).get(0);
        expireLeases();
        List<Delivery> again = receiveAtLeast(1);
        assertThat(again).extracting(Delivery::messageId).containsExactly(first.messageId());
        assertThat(again.get(0).attempts()).isEqualTo(2);
        assertThat(again.get(0).leaseId()).isNotEqualTo(first.leaseId());
    }

    @Test
    public void leasedMessage_isNotHandedOutTwice() throws Exception {
        for (int i = 0; i < 5; i++) {
            publishJson(eventJson("lease/" + i));
        }
        List<Delivery> got = receiveAtLeast(5);
        List<Delivery> more = new ArrayList<>(source().receive(5).deliveries());
        Set<String> ids = new HashSet<>();
        got.forEach(d -> ids.add(d.messageId()));
        assertThat(ids).hasSize(5);
        assertThat(more).isEmpty();
    }

    @Test
    public void settle_isIdempotent_andToleratesStaleLeases() throws Exception {
        publishJson(eventJson("docs/twice.pdf"));
        Delivery delivery = receiveAtLeast(1).get(0);
        source().settle(List.of(Settlement.ack(delivery)));
        assertThatCode(() -> source().settle(List.of(Settlement.ack(delivery), Settlement.retry(delivery,
                Duration.ZERO)))).doesNotThrowAnyException();
    }

    @Test
    public void settle_manyAtOnce() throws Exception {
        int n = 30;
        for (int i = 0; i < n; i++) {
            publishJson(eventJson("many/" + i));
        }
        List<Delivery> got = receiveAtLeast(n);
        assertThat(got).hasSize(n);
        List<Settlement> acks = new ArrayList<>();
        got.forEach(d -> acks.add(Settlement.ack(d)));
        source().settle(acks);
        expireLeases();
        assertThat(source().receive(10).deliveries()).isEmpty();
    }
}
