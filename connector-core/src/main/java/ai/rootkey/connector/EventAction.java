package ai.rootkey.connector;

import java.util.Locale;

/**
 * What happened to an object, as named in an R2 event notification ({@code action}).
 *
 * <p>Only {@link #PUT_OBJECT}, {@link #COMPLETE_MULTIPART_UPLOAD} and {@link #COPY_OBJECT} create content
 * that the connector anchors; the others are acknowledged and counted as skipped. An action this SDK does
 * not know is {@link #UNKNOWN}, never an error.
 */
public enum EventAction {
    PUT_OBJECT("PutObject"),
    COMPLETE_MULTIPART_UPLOAD("CompleteMultipartUpload"),
    COPY_OBJECT("CopyObject"),
    DELETE_OBJECT("DeleteObject"),
    LIFECYCLE_DELETION("LifecycleDeletion"),
    UNKNOWN("Unknown");

    private final String wireName;

    EventAction(String wireName) {
        this.wireName = wireName;
    }

    /** The name R2 uses in the event JSON, e.g. {@code PutObject}. */
    public String wireName() {
        return wireName;
    }

    /** True for the actions that create object content: put, completed multipart upload and copy. */
    public boolean createsContent() {
        return this == PUT_OBJECT || this == COMPLETE_MULTIPART_UPLOAD || this == COPY_OBJECT;
    }

    /**
     * The action for an R2 wire name; matching ignores case. Never throws: an unrecognised or empty name is
     * {@link #UNKNOWN}.
     */
    public static EventAction fromWireName(String name) {
        if (name == null) {
            return UNKNOWN;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        for (EventAction action : values()) {
            if (action != UNKNOWN && action.wireName.toLowerCase(Locale.ROOT).equals(lower)) {
                return action;
            }
        }
        return UNKNOWN;
    }
}
