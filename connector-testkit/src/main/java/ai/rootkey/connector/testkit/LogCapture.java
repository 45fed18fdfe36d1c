package ai.rootkey.connector.testkit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    private final Map<Logger, Level> previous = new LinkedHashMap<>();
    private final List<Appender<ILoggingEvent>> detached = new ArrayList<>();

    /** Captures {@code loggerName} and its children at {@code level} and above. */
    public LogCapture(String loggerName, Level level) {
        logger = (Logger) LoggerFactory.getLogger(loggerName);
        previous.put(logger, logger.getLevel());
        logger.setLevel(level);
        appender.start();
        logger.addAppender(appender);
    }

    private LogCapture(Level level) {
        logger = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        for (Logger configured : logger.getLoggerContext().getLoggerList()) {
            if (configured.getLevel() != null) {
                previous.put(configured, configured.getLevel());
                configured.setLevel(configured == logger ? level : null); // inherit the root's level meanwhile
            }
        }
        logger.setLevel(level);
        for (Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext(); ) {
            detached.add(it.next());
        }
        detached.forEach(logger::detachAppender); // captured, not printed: TRACE everywhere would flood them
        appender.start();
        logger.addAppender(appender);
    }

    /** Captures the connector's events ({@code ai.rootkey.connector}) at DEBUG and above. */
    public static LogCapture connector() {
        return new LogCapture("ai.rootkey.connector", Level.DEBUG);
    }

    /**
     * Captures every logger (the connector's, the AWS SDK's, Apache HttpClient's, anything that logs through SLF4J)
     * at {@code level} and above, overriding the levels configured for them until closed. Meanwhile the root
     * logger's own appenders are detached, so that the flood is captured rather than printed; closing restores
     * them. For checks such as "no log line at TRACE contains a secret"; keep such tests small.
     */
    public static LogCapture everything(Level level) {
        return new LogCapture(java.util.Objects.requireNonNull(level, "level"));
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
        previous.forEach(Logger::setLevel);
        detached.forEach(logger::addAppender);
    }
}
