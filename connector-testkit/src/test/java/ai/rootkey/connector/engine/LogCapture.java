package ai.rootkey.connector.engine;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.stream.Collectors;

/** Captures the connector's log events for assertions. Close it to detach. */
final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Level previous;

    LogCapture(String loggerName, Level level) {
        logger = (Logger) LoggerFactory.getLogger(loggerName);
        previous = logger.getLevel();
        logger.setLevel(level);
        appender.start();
        logger.addAppender(appender);
    }

    static LogCapture connector() {
        return new LogCapture("ai.rootkey.connector", Level.DEBUG);
    }

    /** Formatted messages of events whose marker (the stable event name) is {@code event}. */
    List<String> lines(String event) {
        return events().stream()
                .filter(e -> e.getMarkerList() != null && e.getMarkerList().stream().anyMatch(m -> m.getName().equals(event)))
                .map(ILoggingEvent::getFormattedMessage)
                .collect(Collectors.toList());
    }

    List<ILoggingEvent> events() {
        synchronized (appender.list) {
            return List.copyOf(appender.list);
        }
    }

    List<String> all() {
        return events().stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.toList());
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setLevel(previous);
    }
}
