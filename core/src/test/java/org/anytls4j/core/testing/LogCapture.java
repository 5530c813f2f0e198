package org.anytls4j.core.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Captures what loggers under a name prefix print (at DEBUG and above), so tests can assert the exact log lines
 * operators grep for. Use in try-with-resources; closing detaches it and restores the level.
 *
 * <h2>Threading</h2>
 * Logback's list appender is synchronized; read {@link #lines()} after the code under test ran.
 */
public final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final Level previous;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private LogCapture(String loggerName) {
        this.logger = (Logger) LoggerFactory.getLogger(loggerName);
        this.previous = logger.getLevel();
        appender.start();
        logger.addAppender(appender);
        logger.setLevel(Level.DEBUG);
    }

    /** Captures loggers named {@code loggerName} or below it, e.g. {@code org.anytls4j}. */
    public static LogCapture of(String loggerName) {
        return new LogCapture(loggerName);
    }

    /** Every formatted message so far, in order. */
    public List<String> lines() {
        synchronized (appender) {
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    /** Messages at {@code level}, formatted. */
    public List<String> lines(Level level) {
        synchronized (appender) {
            return appender.list.stream().filter(e -> e.getLevel() == level)
                    .map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    /** Messages containing {@code fragment}. */
    public List<String> linesContaining(String fragment) {
        return lines().stream().filter(line -> line.contains(fragment)).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setLevel(previous);
        appender.stop();
    }
}
