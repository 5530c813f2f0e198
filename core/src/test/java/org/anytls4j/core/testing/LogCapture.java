package org.anytls4j.core.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/**
 * Captures what loggers under a name prefix print (at DEBUG and above), so tests can assert the exact log lines
 * operators grep for, and wait for a line ({@link #awaitLine}) in end-to-end tests instead of sleeping. Use in
 * try-with-resources; closing detaches it and restores the level.
 *
 * <h2>Threading</h2>
 * Thread-safe: lines may be logged from any thread; waiters complete on the logging thread.
 */
public final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final Level previous;
    private final Appender appender = new Appender();

    private LogCapture(String loggerName) {
        this.logger = (Logger) LoggerFactory.getLogger(loggerName);
        this.previous = logger.getLevel();
        appender.setContext(logger.getLoggerContext());
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
        return appender.lines(null);
    }

    /** Messages at {@code level}, formatted. */
    public List<String> lines(Level level) {
        return appender.lines(level);
    }

    /** Messages containing {@code fragment}. */
    public List<String> linesContaining(String fragment) {
        return lines().stream().filter(line -> line.contains(fragment)).toList();
    }

    /**
     * Completes with the first line, already captured or still to come, that {@code matches}; wait on it with a
     * timeout.
     */
    public CompletableFuture<String> awaitLine(Predicate<String> matches) {
        return appender.await(matches);
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setLevel(previous);
        appender.stop();
    }

    private static final class Appender extends AppenderBase<ILoggingEvent> {
        private final List<ILoggingEvent> events = new ArrayList<>();
        private final List<Waiter> waiters = new ArrayList<>();

        @Override
        protected void append(ILoggingEvent event) {
            String line = event.getFormattedMessage();
            List<Waiter> done = new ArrayList<>();
            synchronized (this) {
                events.add(event);
                waiters.removeIf(w -> w.matches.test(line) && done.add(w));
            }
            done.forEach(w -> w.future.complete(line));
        }

        synchronized List<String> lines(Level level) {
            return events.stream().filter(e -> level == null || e.getLevel() == level)
                    .map(ILoggingEvent::getFormattedMessage).toList();
        }

        CompletableFuture<String> await(Predicate<String> matches) {
            CompletableFuture<String> future = new CompletableFuture<>();
            synchronized (this) {
                for (ILoggingEvent event : events) {
                    if (matches.test(event.getFormattedMessage())) {
                        future.complete(event.getFormattedMessage());
                        return future;
                    }
                }
                waiters.add(new Waiter(matches, future));
            }
            return future;
        }
    }

    private record Waiter(Predicate<String> matches, CompletableFuture<String> future) {
    }
}
