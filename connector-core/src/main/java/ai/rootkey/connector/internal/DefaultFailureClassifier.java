package ai.rootkey.connector.internal;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.Failure;
import ai.rootkey.connector.FailureClassifier;
import ai.rootkey.connector.Verdict;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.http.HttpTimeoutException;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/** The standard classification rules; see {@link FailureClassifier#defaults()}. */
public final class DefaultFailureClassifier implements FailureClassifier {
    public static final DefaultFailureClassifier INSTANCE = new DefaultFailureClassifier();

    private DefaultFailureClassifier() {
    }

    @Override
    public Verdict classify(Failure failure) {
        Optional<ConfigurationException> configuration = failure.causeOfType(ConfigurationException.class);
        if (configuration.isPresent()) {
            String message = configuration.get().getMessage();
            return Verdict.configuration(message == null || message.isBlank()
                    ? describe(failure, "configuration refused") : message);
        }
        Optional<Verdict> judged = failure.causeOfType(DependencyException.class).flatMap(DependencyException::verdict);
        if (judged.isPresent()) {
            Verdict v = judged.get();
            return v.kind() == Verdict.Kind.TRANSIENT && v.retryAfter().isEmpty() ? transientVerdict(failure, v.reason())
                    : v;
        }
        if (failure.status().isPresent()) {
            return byStatus(failure, failure.status().getAsInt());
        }
        if (failure.causedBy(HttpTimeoutException.class) || failure.causedBy(TimeoutException.class)
                || failure.causedBy(java.net.SocketTimeoutException.class)) {
            return Verdict.transientFailure("timeout");
        }
        if (failure.causedBy(InterruptedIOException.class) || failure.causedBy(InterruptedException.class)) {
            return Verdict.transientFailure("interrupted");
        }
        if (failure.causedBy(IOException.class) || failure.causedBy(UncheckedIOException.class)) {
            return Verdict.transientFailure("io_error");
        }
        return Verdict.transientFailure("unexpected_error");
    }

    private static Verdict byStatus(Failure failure, int status) {
        if (status == 401 || status == 403) {
            return Verdict.configuration(describe(failure, Integer.toString(status)));
        }
        if (status == 408 || status == 429 || status >= 500) {
            return transientVerdict(failure, "http_" + status);
        }
        if (status == 404 && (failure.stage() == Failure.Stage.READ)) {
            return Verdict.permanent(Verdict.OBJECT_MISSING);
        }
        if (status == 404 && (failure.stage() == Failure.Stage.RECEIVE || failure.stage() == Failure.Stage.SETTLE)) {
            return Verdict.configuration("the queue API answers 404: check the account id and queue id");
        }
        if (status >= 400 && (failure.stage() == Failure.Stage.UPLOAD || failure.stage() == Failure.Stage.READ)) {
            return Verdict.permanent("http_" + status);
        }
        if (status >= 400 && status < 500 && failure.stage() == Failure.Stage.SETTLE) {
            // The queue refused this ack call for good (a malformed lease, say): sending it again cannot help.
            return Verdict.permanent("http_" + status);
        }
        return transientVerdict(failure, "http_" + status);
    }

    private static Verdict transientVerdict(Failure failure, String reason) {
        return failure.retryAfter()
                .map(delay -> Verdict.transientFailure(reason, delay))
                .orElseGet(() -> Verdict.transientFailure(reason));
    }

    private static String describe(Failure failure, String what) {
        switch (failure.stage()) {
            case UPLOAD:
                return "the ROOTKey API rejects the API key (" + what + "): check ROOTKEY_API_KEY";
            case READ:
                return "the object store refuses access (" + what + "): check the bucket name, R2_ACCESS_KEY_ID, "
                        + "R2_SECRET_ACCESS_KEY and the endpoint";
            default:
                return "the queue API rejects the token (" + what + "): check CLOUDFLARE_API_TOKEN (Queues read and "
                        + "write), CLOUDFLARE_ACCOUNT_ID and R2_QUEUE_ID";
        }
    }
}
