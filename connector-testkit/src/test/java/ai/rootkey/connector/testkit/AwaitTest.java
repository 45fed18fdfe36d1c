package ai.rootkey.connector.testkit;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AwaitTest {

    @Test
    void until_returnsOnceTheConditionHolds() {
        AtomicInteger polls = new AtomicInteger();
        Await.until(() -> polls.incrementAndGet() >= 3, Duration.ofSeconds(5), "three polls");
        assertThat(polls).hasValue(3);
    }

    @Test
    void until_timesOut_namingTheDescription() {
        assertThatThrownBy(() -> Await.until(() -> false, Duration.ofMillis(20), "never"))
                .isInstanceOf(AssertionError.class)
                .hasMessage("timed out after PT0.02S waiting for: never");
    }

    /** The description is read when the deadline passes: it reports the state then, not at the call. */
    @Test
    void until_readsASuppliedDescriptionAtTheTimeout() {
        StringBuilder output = new StringBuilder();
        AtomicInteger reads = new AtomicInteger();
        assertThatThrownBy(() -> Await.until(() -> {
            output.append('.');
            return false;
        }, Duration.ofMillis(20), () -> {
            reads.incrementAndGet();
            return "output " + output.length() + " chars";
        })).isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("timed out after PT0.02S waiting for: output ")
                .hasMessageNotContaining("output 0 chars");
        assertThat(reads).hasValue(1);
    }

    @Test
    void untilValue_returnsTheFirstValueThatSatisfies() {
        AtomicInteger n = new AtomicInteger();
        assertThat(Await.until(n::incrementAndGet, v -> v >= 4, Duration.ofSeconds(5))).isEqualTo(4);
    }

    @Test
    void untilAsserted_rethrowsTheLastAssertionError() {
        assertThatThrownBy(() -> Await.untilAsserted(() -> assertThat(1).as("one is two").isEqualTo(2),
                Duration.ofMillis(20))).isInstanceOf(AssertionError.class).hasMessageContaining("one is two");
    }
}
