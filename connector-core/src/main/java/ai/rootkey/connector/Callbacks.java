package ai.rootkey.connector;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

import java.util.Objects;

/**
 * The one place the SDK calls user code it must survive: listeners, filters' owners' progress callbacks, anything a
 * user passes in and the SDK calls back. Whatever the callback throws, {@link AssertionError} from a user's test
 * included, is logged as {@code rootkey.listener.failed} (WARN, with the callback's class and the error, never its
 * arguments) and swallowed, so that the caller's bookkeeping carries on. Only a {@link VirtualMachineError} other than
 * {@link StackOverflowError} is rethrown: the JVM may be unable to go on (out of memory), and the caller decides
 * (the engine stops and reports DOWN).
 *
 * <pre>{@code
 * boolean delivered = Callbacks.run(listener, "onOutcome", () -> listener.onOutcome(outcome));
 * }</pre>
 */
public final class Callbacks {
    private static final Logger LOG = LoggerFactory.getLogger("ai.rootkey.connector");
    private static final Marker MARKER = MarkerFactory.getMarker("rootkey.listener.failed");

    private Callbacks() {
    }

    /**
     * Runs {@code callback}, a call into {@code owner} (the listener or callback object, named in the log line), and
     * returns whether it completed normally.
     *
     * @param owner    the user's object, for the log line (its class name is logged, never its {@code toString()})
     * @param method   the method called, for the log line, e.g. {@code onOutcome}
     * @param callback the call
     * @throws VirtualMachineError when the callback threw one other than {@link StackOverflowError}
     */
    public static boolean run(Object owner, String method, Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        try {
            callback.run();
            return true;
        } catch (Throwable t) {
            if (isFatal(t)) {
                throw (VirtualMachineError) t;
            }
            try {
                LOG.atWarn().addMarker(MARKER).addKeyValue("listener", owner == null ? "null" : owner.getClass().getName())
                        .addKeyValue("method", method).addKeyValue("error", t.toString())
                        .log("rootkey.listener.failed listener=\"{}\" method=\"{}\" error=\"{}\"",
                                owner == null ? "null" : owner.getClass().getName(), method,
                                LogSafe.escape(t.toString(), 500));
            } catch (Throwable ignored) {
                // a broken logger must not break the caller either
            }
            return false;
        }
    }

    /**
     * True for a {@link VirtualMachineError} that leaves the JVM unable to go on safely (out of memory, an internal
     * error). A {@link StackOverflowError} is not: by the time it is caught the stack has unwound.
     */
    public static boolean isFatal(Throwable t) {
        return t instanceof VirtualMachineError && !(t instanceof StackOverflowError);
    }
}
