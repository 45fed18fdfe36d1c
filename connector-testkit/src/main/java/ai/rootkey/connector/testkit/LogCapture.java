package ai.rootkey.connector.testkit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Captures log events for assertions: what the connector logged, by stable event name. Needs logback-classic
 * on the test classpath (an optional dependency of the test kit). Close it to detach.
 *
 * <pre>{@code
 * try (LogCapture logs = LogCapture.connector()) {
 *     ... run the connector ...
 *     assertThat(logs.lines("rootkey.event.dlq_terminal_failure")).singleElement()
 *             .satisfies(line -> assertThat(line).contains("reason=\"http_400\""));
 * }
 * }</pre>
 */
public final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Level previous;

    /** Captures {@code loggerName} and its children at {@code level} and above. */
    public LogCapture(String loggerName, Level level) {
        logger = (Logger) LoggerFactory.getLogger(loggerName);
        previous = logger.getLevel();
        logger.setLevel(level);
        appender.start();
        logger.addAppender(appender);
    }

    /** Captures the connector's events ({@code ai.rootkey.connector}) at DEBUG and above. */
    public static LogCapture connector() {
        return new LogCapture("ai.rootkey.connector", Level.DEBUG);
    }

    /** Formatted messages of events whose marker (the stable event name) is {@code event}. */
    public List<String> lines(String event) {
        return events().stream()
                .filter(e -> e.getMarkerList() != null && e.getMarkerList().stream().anyMatch(m -> m.getName().equals(event)))
                .map(ILoggingEvent::getFormattedMessage)
                .collect(Collectors.toList());
    }

    /** Every captured event. */
    public List<ILoggingEvent> events() {
        synchronized (appender.list) {
            return List.copyOf(appender.list);
        }
    }

    /** Every captured message, formatted. */
    public List<String> all() {
        return events().stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.toList());
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setLevel(previous);
    }
}
