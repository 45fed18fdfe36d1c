package ai.rootkey.connector.r2.internal;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Reads at most {@code limit} bytes of a response body, one buffer list at a time, touching {@link Progress} as
 * bytes arrive. Once it has {@code limit} bytes it completes and cancels the rest (the connection is then not
 * reused).
 */
public final class BoundedReply implements HttpResponse.BodySubscriber<byte[]> {
    private final int limit;
    private final Progress progress;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    private BoundedReply(int limit, Progress progress) {
        this.limit = limit;
        this.progress = progress;
    }

    /** A handler that marks progress when the headers arrive and reads the body bounded. */
    public static HttpResponse.BodyHandler<byte[]> handler(int limit, Progress progress) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0, was " + limit);
        }
        Objects.requireNonNull(progress, "progress");
        return info -> {
            progress.touch();
            return new BoundedReply(limit, progress);
        };
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (limit == 0) {
            result.complete(new byte[0]);
            s.cancel();
        } else {
            s.request(1);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        progress.touch();
        for (ByteBuffer item : items) {
            int take = Math.min(item.remaining(), limit - bytes.size());
            for (int i = 0; i < take; i++) {
                bytes.write(item.get());
            }
        }
        if (bytes.size() >= limit) {
            result.complete(bytes.toByteArray());
            subscription.cancel();
        } else {
            subscription.request(1);
        }
    }

    @Override
    public void onError(Throwable error) {
        result.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
        result.complete(bytes.toByteArray());
    }
}
