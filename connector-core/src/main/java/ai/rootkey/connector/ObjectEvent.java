package ai.rootkey.connector;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One R2 event notification: something happened to {@code key} in {@code bucket}.
 *
 * <p>{@code size} and {@code eTag} are absent on delete events; {@code copySource} is present only for
 * {@link EventAction#COPY_OBJECT}. ETags are stored without surrounding quotes. Instances are immutable.
 *
 * @param bucket     the bucket the event came from, never empty
 * @param key        the object key exactly as the event gave it, never empty
 * @param action     what happened; {@link EventAction#UNKNOWN} for actions this SDK does not know
 * @param size       the object size in bytes according to the event, when given
 * @param eTag       the object's ETag according to the event, when given
 * @param eventTime  when R2 says the event happened, when the event says (R2 added {@code eventTime} to the
 *                   format in 2024; older events and other producers may leave it out)
 * @param copySource where a copied object came from
 */
public record ObjectEvent(
        String bucket,
        String key,
        EventAction action,
        OptionalLong size,
        Optional<String> eTag,
        Optional<Instant> eventTime,
        Optional<CopySource> copySource) {

    public ObjectEvent {
        Values.requireText(bucket, "bucket");
        Values.requireText(key, "key");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(size, "size (use OptionalLong.empty() when absent)");
        if (size.isPresent() && size.getAsLong() < 0) {
            throw new IllegalArgumentException("size must be >= 0, was " + size.getAsLong());
        }
        eTag = Values.normalizeETag(eTag);
        Values.requireOptional(eventTime, "eventTime");
        Values.requireOptional(copySource, "copySource");
    }

    /** A new builder; {@code bucket} and {@code key} are required, the action defaults to {@code PutObject}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Where a {@link EventAction#COPY_OBJECT} event's object was copied from. */
    public record CopySource(String bucket, String key) {
        public CopySource {
            Values.requireText(bucket, "copySource.bucket");
            Values.requireText(key, "copySource.key");
        }
    }

    /** Builds {@link ObjectEvent}s, mostly for tests and custom sources. Not thread-safe. */
    public static final class Builder {
        private String bucket;
        private String key;
        private EventAction action = EventAction.PUT_OBJECT;
        private OptionalLong size = OptionalLong.empty();
        private Optional<String> eTag = Optional.empty();
        private Instant eventTime;
        private Optional<CopySource> copySource = Optional.empty();

        private Builder() {
        }

        public Builder bucket(String bucket) {
            this.bucket = Objects.requireNonNull(bucket, "bucket");
            return this;
        }

        public Builder key(String key) {
            this.key = Objects.requireNonNull(key, "key");
            return this;
        }

        public Builder action(EventAction action) {
            this.action = Objects.requireNonNull(action, "action");
            return this;
        }

        public Builder size(long sizeBytes) {
            this.size = OptionalLong.of(sizeBytes);
            return this;
        }

        public Builder eTag(String eTag) {
            this.eTag = Optional.of(Objects.requireNonNull(eTag, "eTag"));
            return this;
        }

        public Builder eventTime(Instant eventTime) {
            this.eventTime = Objects.requireNonNull(eventTime, "eventTime");
            return this;
        }

        public Builder copySource(String sourceBucket, String sourceKey) {
            this.copySource = Optional.of(new CopySource(sourceBucket, sourceKey));
            return this;
        }

        public ObjectEvent build() {
            if (bucket == null || key == null) {
                throw new IllegalStateException("an ObjectEvent needs a bucket and a key: call bucket(...) and key(...)");
            }
            return new ObjectEvent(bucket, key, action, size, eTag, Optional.ofNullable(eventTime), copySource);
        }
    }
}
