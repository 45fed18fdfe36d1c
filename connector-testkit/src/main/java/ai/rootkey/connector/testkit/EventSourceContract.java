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
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What every {@link EventSource} must do, as a JUnit 5 test class to extend: implement the hooks and the tests
 * run against your source. The test kit runs it against {@link InMemoryQueue}; connector-it runs it against the
 * Cloudflare pull source on the loopback fake, so both views of the test kit's queue model are pinned to the same
 * rules.
 *
 * <p>Each test starts from an empty queue (the subclass provides a fresh one per test).
 *
 * <p>A source on a queue with Cloudflare's semantics also implements the optional hooks ({@link #queueMaxRetries()},
 * {@link #deadLetteredIds()}, {@link #advanceTime(Duration)}, {@link #peekAttempts(int)}), and the cases that pin
 * Cloudflare's documented behaviour run too: dead-lettering after {@code max_retries + 1} deliveries (miniflare's
 * queue broker), retry delays in whole seconds capped at 12 hours, acks after the lease expired, peeks that lease
 * nothing and count no attempt, requeues. Without those hooks these cases are skipped.
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

    /**
     * The {@code max_retries} of the queue's consumer, for a queue with Cloudflare's semantics; empty (the default)
     * skips the dead-letter cases. Keep it small (2) so the cases run quickly.
     */
    protected OptionalInt queueMaxRetries() {
        return OptionalInt.empty();
    }

    /** The ids of the messages the queue dead-lettered so far, in order. Needed with {@link #queueMaxRetries()}. */
    protected List<String> deadLetteredIds() throws Exception {
        throw new UnsupportedOperationException("implement deadLetteredIds() with queueMaxRetries()");
    }

    /** Whether {@link #advanceTime(Duration)} is implemented; false (the default) skips the timing cases. */
    protected boolean canAdvanceTime() {
        return false;
    }

    /** Moves the queue's clock forward by {@code duration}. */
    protected void advanceTime(Duration duration) throws Exception {
        throw new UnsupportedOperationException("implement advanceTime(...) and canAdvanceTime()");
    }

    /**
     * The attempts of up to {@code limit} messages a peek shows (Cloudflare's {@code messages/peek}), in the order a
     * receive would hand them out; empty (the default) skips the peek cases.
     */
    protected Optional<List<Integer>> peekAttempts(int limit) throws Exception {
        return Optional.empty();
    }

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

    // ------------------------------------------------------------------ Cloudflare's queue model

    @Test
    public void deadLetters_afterMaxRetriesPlusOneDeliveries() throws Exception {
        assumeTrue(queueMaxRetries().isPresent(), "not a queue with a max_retries");
        int maxRetries = queueMaxRetries().getAsInt();
        publishJson(eventJson("docs/doomed.pdf"));
        String id = null;
        for (int attempt = 1; attempt <= maxRetries + 1; attempt++) {
            List<Delivery> got = receiveAtLeast(1);
            assertThat(got).as("delivery %d of max_retries %d + 1", attempt, maxRetries).hasSize(1);
            assertThat(got.get(0).attempts()).isEqualTo(attempt);
            id = got.get(0).messageId();
            assertThat(deadLetteredIds()).doesNotContain(id);
            source().settle(List.of(Settlement.retry(got.get(0), Duration.ZERO)));
            passRetryDelays();
        }
        assertThat(deadLetteredIds()).containsExactly(id);
        assertThat(source().receive(5).deliveries()).isEmpty();
    }

    @Test
    public void leaseExpiringOnTheLastDelivery_deadLettersToo() throws Exception {
        assumeTrue(queueMaxRetries().isPresent(), "not a queue with a max_retries");
        publishJson(eventJson("docs/abandoned.pdf"));
        for (int attempt = 1; attempt <= queueMaxRetries().getAsInt() + 1; attempt++) {
            assertThat(receiveAtLeast(1)).singleElement().satisfies(d -> assertThat(d.leaseDeadline()).isPresent());
            expireLeases();
        }
        assertThat(deadLetteredIds()).hasSize(1);
    }

    @Test
    public void ackAfterTheLeaseExpired_andAfterARedelivery_stillRemovesTheMessage() throws Exception {
        publishJson(eventJson("docs/late.pdf"));
        Delivery first = receiveAtLeast(1).get(0);
        expireLeases();
        Delivery second = receiveAtLeast(1).get(0);
        assertThat(second.attempts()).isEqualTo(2);
        source().settle(List.of(Settlement.ack(first)));
        expireLeases();
        assertThat(source().receive(5).deliveries()).as("acked with its first, expired lease").isEmpty();
        assertThatCode(() -> source().settle(List.of(Settlement.ack(second)))).doesNotThrowAnyException();
    }

    @Test
    public void retryDelay_isWholeSeconds_roundedUp() throws Exception {
        assumeTrue(canAdvanceTime(), "the queue's time cannot be moved");
        publishJson(eventJson("docs/soon.pdf"));
        source().settle(List.of(Settlement.retry(receiveAtLeast(1).get(0), Duration.ofMillis(1500))));
        advanceTime(Duration.ofSeconds(1));
        assertThat(source().receive(5).deliveries()).as("visible after 2 s, not 1.5 s").isEmpty();
        advanceTime(Duration.ofSeconds(1));
        assertThat(receiveAtLeast(1)).hasSize(1);
    }

    @Test
    public void retryDelay_isCappedAtTwelveHours() throws Exception {
        assumeTrue(canAdvanceTime(), "the queue's time cannot be moved");
        publishJson(eventJson("docs/later.pdf"));
        source().settle(List.of(Settlement.retry(receiveAtLeast(1).get(0), Duration.ofDays(2))));
        advanceTime(Duration.ofHours(12).minusSeconds(1));
        assertThat(source().receive(5).deliveries()).isEmpty();
        advanceTime(Duration.ofSeconds(1));
        assertThat(receiveAtLeast(1)).as("a delay over 12 h waits 12 h").hasSize(1);
    }

    @Test
    public void peek_leasesNothing_andCountsNoAttempt() throws Exception {
        assumeTrue(peekAttempts(1).isPresent(), "no peek");
        publishJson(eventJson("docs/p1.pdf"));
        publishJson(eventJson("docs/p2.pdf"));
        assertThat(peekAttempts(10).orElseThrow()).containsExactly(0, 0);
        assertThat(peekAttempts(10).orElseThrow()).as("a second peek sees the same").containsExactly(0, 0);
        List<Delivery> got = receiveAtLeast(2);
        assertThat(got).extracting(Delivery::attempts).containsExactly(1, 1);
        assertThat(peekAttempts(10).orElseThrow()).as("leased messages are not shown").isEmpty();
        expireLeases();
        assertThat(peekAttempts(1).orElseThrow()).containsExactly(1);
    }

    @Test
    public void requeue_publishesTheSameBodyAsANewMessage_andRemovesTheOld() throws Exception {
        String body = eventJson("docs/requeued.pdf");
        publishJson(body);
        Delivery first = receiveAtLeast(1).get(0);
        source().settle(List.of(Settlement.retry(first, Duration.ZERO)));
        passRetryDelays();
        Delivery second = receiveAtLeast(1).get(0);
        assertThat(second.attempts()).isEqualTo(2);
        assumeTrue(source().canRequeue(second), "the source cannot requeue");
        source().settle(List.of(Settlement.requeue(second)));
        expireLeases();
        List<Delivery> again = receiveAtLeast(1);
        assertThat(again).singleElement().satisfies(d -> {
            assertThat(d.messageId()).as("a new message").isNotEqualTo(first.messageId());
            assertThat(d.attempts()).as("attempts start over").isEqualTo(1);
            assertThat(d.event()).isEqualTo(first.event());
        });
        if (queueMaxRetries().isPresent()) {
            assertThat(deadLetteredIds()).isEmpty();
        }
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
