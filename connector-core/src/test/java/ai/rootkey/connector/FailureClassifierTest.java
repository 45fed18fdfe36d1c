package ai.rootkey.connector;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class FailureClassifierTest {
    private final FailureClassifier classifier = FailureClassifier.defaults();

    private static Receipt receipt(int status) {
        return new Receipt(status, 0, "", "reply", Optional.empty());
    }

    @ParameterizedTest
    @ValueSource(ints = {408, 429, 500, 502, 503, 504})
    void retryableStatuses_fromTheApi_areTransient(int status) {
        Verdict v = classifier.classify(Failure.rejected(receipt(status)));
        assertThat(v.kind()).isEqualTo(Verdict.Kind.TRANSIENT);
        assertThat(v.reason()).isEqualTo("http_" + status);
    }

    @Test
    void retryAfter_isCarriedIntoTheVerdict() {
        Receipt r = new Receipt(429, 0, "", "", Optional.of(Duration.ofSeconds(7)));
        assertThat(classifier.classify(Failure.rejected(r)).retryAfter()).hasValue(Duration.ofSeconds(7));
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 404, 409, 413, 415, 422})
    void otherClientErrors_fromTheApi_arePermanent(int status) {
        Verdict v = classifier.classify(Failure.rejected(receipt(status)));
        assertThat(v.kind()).isEqualTo(Verdict.Kind.PERMANENT);
        assertThat(v.reason()).isEqualTo("http_" + status);
    }

    @ParameterizedTest
    @ValueSource(ints = {401, 403})
    void credentialStatuses_areConfiguration_neverPermanent(int status) {
        Verdict v = classifier.classify(Failure.rejected(receipt(status)));
        assertThat(v.kind()).isEqualTo(Verdict.Kind.CONFIGURATION);
        assertThat(v.reason()).contains("ROOTKey API rejects the API key").contains("ROOTKEY_API_KEY");
        Verdict queue = classifier.classify(Failure.of(Failure.Stage.RECEIVE, new DependencyException("pull", status)));
        assertThat(queue.kind()).isEqualTo(Verdict.Kind.CONFIGURATION);
        assertThat(queue.reason()).contains("CLOUDFLARE_API_TOKEN");
    }

    @Test
    void theEdgesVerdict_wins_andKeepsTheServersRetryAfter() {
        // The module that speaks S3 knows SlowDown is worth retrying; core only knows HTTP.
        Verdict v = classifier.classify(Failure.of(Failure.Stage.READ, new DependencyException("GetObject failed",
                400, "SlowDown", Duration.ofSeconds(2), null, Verdict.transientFailure("s3_slowdown"))));
        assertThat(v.kind()).isEqualTo(Verdict.Kind.TRANSIENT);
        assertThat(v.reason()).isEqualTo("s3_slowdown");
        assertThat(v.retryAfter()).hasValue(Duration.ofSeconds(2));
        Verdict permanent = classifier.classify(Failure.of(Failure.Stage.READ, new DependencyException("GetObject",
                503, "Odd", null, null, Verdict.permanent("odd_answer"))));
        assertThat(permanent).isEqualTo(Verdict.permanent("odd_answer"));
    }

    @Test
    void anErrorCodeAlone_meansNothingToCore_theStatusDecides() {
        Verdict v = classifier.classify(Failure.of(Failure.Stage.READ,
                new DependencyException("GetObject failed", 503, "SlowDown", null, null)));
        assertThat(v.reason()).isEqualTo("http_503");
    }

    @Test
    void ioProblems_areTransient_withStableReasons() {
        assertThat(classifier.classify(Failure.of(Failure.Stage.UPLOAD, new HttpTimeoutException("t"))).reason())
                .isEqualTo("timeout");
        assertThat(classifier.classify(Failure.of(Failure.Stage.READ, new SocketTimeoutException("t"))).reason())
                .isEqualTo("timeout");
        assertThat(classifier.classify(Failure.of(Failure.Stage.UPLOAD, new ConnectException("refused"))).reason())
                .isEqualTo("io_error");
        assertThat(classifier.classify(Failure.of(Failure.Stage.READ,
                new UncheckedIOException(new IOException("reset")))).reason()).isEqualTo("io_error");
        assertThat(classifier.classify(Failure.of(Failure.Stage.READ,
                new RuntimeException("wrapped", new IOException("deep")))).kind()).isEqualTo(Verdict.Kind.TRANSIENT);
    }

    @Test
    void configurationException_isConfiguration_withItsMessage() {
        Verdict v = classifier.classify(Failure.of(Failure.Stage.READ,
                new ConfigurationException("R2 answered NoSuchBucket: check R2_BUCKET")));
        assertThat(v.kind()).isEqualTo(Verdict.Kind.CONFIGURATION);
        assertThat(v.reason()).isEqualTo("R2 answered NoSuchBucket: check R2_BUCKET");
    }

    @Test
    void unexpectedExceptions_areTransient_soTheyEndInTheDlqNotDropped() {
        Verdict v = classifier.classify(Failure.of(Failure.Stage.UPLOAD, new IllegalStateException("bug")));
        assertThat(v.kind()).isEqualTo(Verdict.Kind.TRANSIENT);
        assertThat(v.reason()).isEqualTo("unexpected_error");
    }

    @Test
    void queue404_isConfiguration() {
        Verdict v = classifier.classify(Failure.of(Failure.Stage.RECEIVE, new DependencyException("pull", 404)));
        assertThat(v.kind()).isEqualTo(Verdict.Kind.CONFIGURATION);
        assertThat(v.reason()).contains("queue id");
    }

    @Test
    void ackRefusedWithA4xx_isPermanent_soTheEngineIsolatesIt_butAPullRefusedWithA4xxIsTransient() {
        Verdict ack = classifier.classify(Failure.of(Failure.Stage.SETTLE, new DependencyException("ack", 400)));
        assertThat(ack.kind()).isEqualTo(Verdict.Kind.PERMANENT);
        assertThat(ack.reason()).isEqualTo("http_400");
        assertThat(classifier.classify(Failure.of(Failure.Stage.SETTLE, new DependencyException("ack", 429))).kind())
                .isEqualTo(Verdict.Kind.TRANSIENT);
        assertThat(classifier.classify(Failure.of(Failure.Stage.RECEIVE, new DependencyException("pull", 400))).kind())
                .isEqualTo(Verdict.Kind.TRANSIENT);
    }
}
