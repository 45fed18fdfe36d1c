package ai.rootkey.connector.internal;

import ai.rootkey.connector.AnchorRequest;
import ai.rootkey.connector.Anchorer;
import ai.rootkey.connector.Callbacks;
import ai.rootkey.connector.Delivery;
import ai.rootkey.connector.EventAction;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.Failure;
import ai.rootkey.connector.FailureClassifier;
import ai.rootkey.connector.ObjectEvent;
import ai.rootkey.connector.ObjectMetadata;
import ai.rootkey.connector.ObjectReader;
import ai.rootkey.connector.Outcome;
import ai.rootkey.connector.Receipt;
import ai.rootkey.connector.RetryPolicy;
import ai.rootkey.connector.StoredObject;
import ai.rootkey.connector.Verdict;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pipeline's rules, one call at a time on the test thread: no engine, no threads, no queue. Each case builds a
 * delivery, runs {@link Pipeline#run} and looks at the {@link Decision}.
 */
class PipelineTest {
    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
    private static final String BUCKET = "uploads";

    private final Map<String, byte[]> objects = new HashMap<>();
    private final List<AnchorRequest> uploads = new ArrayList<>();
    private final List<String> opened = new ArrayList<>();
    private Receipt answer = new Receipt(201, 0, "", "{}", Optional.empty());
    private IOException readFailure;
    private EventFilter filter = EventFilter.all();
    private FailureClassifier classifier = FailureClassifier.defaults();
    private final ClaimTable claims = new ClaimTable();

    private final ObjectReader reader = (bucket, key) -> {
        opened.add(bucket + "/" + key);
        if (readFailure != null) {
            throw readFailure;
        }
        byte[] bytes = objects.get(key);
        if (bytes == null) {
            return Optional.empty();
        }
        return Optional.of(new StoredObject(new ObjectMetadata(bytes.length, Optional.of("live-etag"),
                Optional.of("text/plain"), Optional.empty()), new ByteArrayInputStream(bytes)));
    };
    private final Anchorer anchorer = request -> {
        uploads.add(request);
        request.body().readAllBytes();
        return answer;
    };

    @Test
    void aMalformedDeliveryIsTerminalWithoutTouchingTheStore() {
        Decision d = run(Delivery.malformed("m1", "l1", 1, "{not json", "not JSON"));

        assertThat(d.kind()).isEqualTo(Decision.Kind.TERMINAL);
        assertThat(d.reason()).isEqualTo(Verdict.MALFORMED_EVENT);
        assertThat(opened).isEmpty();
    }

    @Test
    void deletesAreSkippedAndForeignBucketsAreTerminal() {
        assertThat(run(event("a.txt").action(EventAction.DELETE_OBJECT)))
                .extracting(Decision::kind, Decision::reason)
                .containsExactly(Decision.Kind.SKIPPED, Outcome.ACTION_NOT_ANCHORED);
        assertThat(run(event("a.txt").bucket("elsewhere")))
                .extracting(Decision::kind, Decision::reason)
                .containsExactly(Decision.Kind.TERMINAL, Verdict.FOREIGN_BUCKET);
        assertThat(opened).isEmpty();
    }

    @Test
    void aRejectingFilterSkipsAndAThrowingFilterRetriesWithoutBlamingADependency() {
        filter = EventFilter.prefix("keep/");
        assertThat(run(event("drop/a.txt")).kind()).isEqualTo(Decision.Kind.SKIPPED);

        filter = e -> {
            throw new IllegalStateException("filter bug");
        };
        Decision d = run(event("keep/a.txt"));
        assertThat(d.kind()).isEqualTo(Decision.Kind.RETRY);
        assertThat(d.reason()).isEqualTo("filter_error");
        assertThat(d.stage()).as("no dependency's health is at fault").isEmpty();
        assertThat(opened).isEmpty();
    }

    @Test
    void oversizeIsCaughtFromTheEventAndAgainFromTheLiveObject() {
        assertThat(run(event("big.bin").size(2_000)).reason()).isEqualTo(Verdict.OVERSIZE);
        assertThat(opened).isEmpty();

        objects.put("liar.bin", new byte[1_500]);
        Decision d = run(event("liar.bin").size(10));
        assertThat(d.kind()).isEqualTo(Decision.Kind.TERMINAL);
        assertThat(d.reason()).isEqualTo(Verdict.OVERSIZE);
        assertThat(uploads).isEmpty();
    }

    @Test
    void anObjectGoneIsTerminal() {
        assertThat(run(event("gone.txt")))
                .extracting(Decision::kind, Decision::reason)
                .containsExactly(Decision.Kind.TERMINAL, Verdict.OBJECT_MISSING);
    }

    @Test
    void anAcceptedUploadIsAnchoredWithTheLiveETag() {
        objects.put("a.txt", "hello".getBytes(StandardCharsets.UTF_8));

        Decision d = run(event("a.txt").eTag("announced"));

        assertThat(d.kind()).isEqualTo(Decision.Kind.ANCHORED);
        assertThat(d.source().orElseThrow().eTag()).contains("live-etag");
        assertThat(uploads).singleElement().satisfies(r -> {
            assertThat(r.source().key()).isEqualTo("a.txt");
            assertThat(r.size()).isEqualTo(5);
        });
    }

    @Test
    void theUploadAnswerDecidesBetweenRetryPauseAndTerminal() {
        objects.put("a.txt", new byte[3]);

        answer = new Receipt(503, 3, "", "busy", Optional.of(Duration.ofSeconds(7)));
        Decision retry = run(event("a.txt"));
        assertThat(retry.kind()).isEqualTo(Decision.Kind.RETRY);
        assertThat(retry.stage()).contains(Failure.Stage.UPLOAD);
        assertThat(retry.verdict().orElseThrow().retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(retry.receipt()).isPresent();

        answer = new Receipt(401, 3, "", "who are you", Optional.empty());
        Decision pause = run(event("a.txt"));
        assertThat(pause.kind()).isEqualTo(Decision.Kind.PAUSE);
        assertThat(pause.stage()).contains(Failure.Stage.UPLOAD);
        assertThat(pause.bucket()).contains(BUCKET);
        assertThat(pause.reason()).contains("ROOTKEY_API_KEY");

        answer = new Receipt(422, 3, "", "no", Optional.empty());
        Decision terminal = run(event("a.txt"));
        assertThat(terminal.kind()).isEqualTo(Decision.Kind.TERMINAL);
        assertThat(terminal.reason()).isEqualTo("http_422");
        assertThat(terminal.source()).isPresent();
    }

    @Test
    void aReadFailureRetriesAgainstTheReadStage() {
        readFailure = new IOException("connection reset");

        Decision d = run(event("a.txt"));

        assertThat(d.kind()).isEqualTo(Decision.Kind.RETRY);
        assertThat(d.reason()).isEqualTo("io_error");
        assertThat(d.stage()).contains(Failure.Stage.READ);
    }

    @Test
    void aClassifierThatAnswersNullStillYieldsARetry() {
        readFailure = new IOException("connection reset");
        classifier = failure -> null;

        assertThat(run(event("a.txt")))
                .extracting(Decision::kind, Decision::reason)
                .containsExactly(Decision.Kind.RETRY, "classifier_error");
    }

    @Test
    void tooLittleLeaseLeftHandsTheDeliveryBackBeforeReading() {
        objects.put("a.txt", new byte[3]);
        Delivery delivery = delivery(event("a.txt")).withLeaseDeadline(NOW.plusSeconds(5));

        Decision d = pipeline().run(job(delivery));

        assertThat(d.kind()).isEqualTo(Decision.Kind.RELEASE);
        assertThat(d.reason()).isEqualTo(Outcome.LEASE_TOO_SHORT);
        assertThat(d.detail()).isEqualTo("only 5 s left to start, margin 10 s");
        assertThat(opened).isEmpty();
    }

    @Test
    void aSecondDeliveryOfTheSameVersionParksUntilTheFirstReleasesItsClaim() {
        objects.put("a.txt", new byte[3]);
        Pipeline pipeline = pipeline();
        Job first = job(delivery(event("a.txt").eTag("v1")));
        Job twin = job(Delivery.of("m2", "l2", 1, event("a.txt").eTag("v1").build()));
        Job otherVersion = job(Delivery.of("m3", "l3", 1, event("a.txt").eTag("v2").build()));

        assertThat(pipeline.run(first).kind()).isEqualTo(Decision.Kind.ANCHORED);
        assertThat(pipeline.run(twin)).isSameAs(Decision.PARKED);
        assertThat(twin.parked).isTrue();
        assertThat(pipeline.run(otherVersion).kind()).isEqualTo(Decision.Kind.ANCHORED);

        assertThat(claims.release(first)).containsExactly(twin);
        assertThat(twin.parked).isFalse();
        assertThat(pipeline.run(twin).kind()).isEqualTo(Decision.Kind.ANCHORED);
    }

    @Test
    void aDeliveryDecidedWhileItsObjectOpenedIsLeftAlone() {
        objects.put("a.txt", new byte[3]);
        Job job = job(delivery(event("a.txt")));
        ObjectReader deciding = (bucket, key) -> {
            job.decide(new Outcome(Outcome.Kind.RELEASED, job.delivery, Outcome.DRAIN_TIMEOUT, Optional.empty(),
                    Optional.empty(), Optional.empty(), Duration.ZERO));
            return reader.open(bucket, key);
        };

        Decision d = new Pipeline(settings(deciding), claims, safe(), Callbacks::isFatal).run(job);

        assertThat(d).isSameAs(Decision.NONE);
        assertThat(uploads).isEmpty();
    }

    private Decision run(ObjectEvent.Builder event) {
        return run(delivery(event));
    }

    private Decision run(Delivery delivery) {
        Job job = job(delivery);
        Decision d = pipeline().run(job);
        claims.release(job);
        return d;
    }

    private static ObjectEvent.Builder event(String key) {
        return ObjectEvent.builder().bucket(BUCKET).key(key).action(EventAction.PUT_OBJECT);
    }

    private static Delivery delivery(ObjectEvent.Builder event) {
        return Delivery.of("m1", "l1", 1, event.build());
    }

    private static Job job(Delivery delivery) {
        return new Job(delivery, NOW, false, j -> {
        });
    }

    private Pipeline pipeline() {
        return new Pipeline(settings(reader), claims, safe(), Callbacks::isFatal);
    }

    private SafeClassifier safe() {
        return new SafeClassifier(classifier, Callbacks::isFatal);
    }

    private ConnectorSettings settings(ObjectReader objectReader) {
        return new ConnectorSettings(null, objectReader, anchorer, classifier, Optional.of(BUCKET), filter, List.of(),
                1, 1, 1, 1_000, RetryPolicy.defaults(), Duration.ofMillis(10), Duration.ofMillis(100),
                Duration.ofSeconds(1), 10, Duration.ofMillis(100), Duration.ofSeconds(1), Optional.empty(),
                Clock.fixed(NOW, ZoneOffset.UTC), new SplittableRandom(1), "pipeline-test");
    }
}
