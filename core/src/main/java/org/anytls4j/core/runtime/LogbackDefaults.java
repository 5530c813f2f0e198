package org.anytls4j.core.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's configuration, set in code (found through {@code META-INF/services}) instead of a {@code logback.xml}:
 * parsing XML with Joran loaded ~1 100 classes and took about a fifth of a {@code check}'s start-up (issue 12).
 *
 * <p>Logs go to stderr, so that command output ({@code anytls4j plugins}, {@code check}) on stdout stays clean to
 * parse, through the appender {@value #APPENDER} (the CLI's log block replaces it when it asks for a file or no
 * timestamps). The root level is INFO until {@code log.level} or {@code --log-level} sets it; PF4J's own lines repeat
 * ours (one per plugin, with id@version), so only its warnings and errors show; Netty's internals (allocator, native
 * loading, resolver) stay quiet at debug, and {@code log.levels} can lower them.
 *
 * <p>{@code %msg} prints addresses as {@code 127.0.0.1:8443} / {@code [::1]:8443} ({@link LogMessageConverter}).
 *
 * <p>An operator's {@code -Dlogback.configurationFile=FILE} still wins: then this configurator steps aside and
 * Logback reads that file.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_LOW_PRIORITY)
public final class LogbackDefaults extends ContextAwareBase implements Configurator {
    /** The console appender's name. */
    public static final String APPENDER = "STDERR";
    /** The lines' timestamp, in the system's zone. */
    public static final String TIMESTAMP = "yyyy-MM-dd'T'HH:mm:ss.SSS";
    /**
     * A line after its timestamp: level, logger and message, then the stack trace of an event that has one (named,
     * so that it is {@link LogThrowableConverter}, not the one Logback adds to a pattern without it).
     */
    public static final String LINE = "%-5level %logger{0} - %msg%n%ex";
    /** The line layout: the time, then {@link #LINE}. */
    public static final String PATTERN = "%d{" + TIMESTAMP + "} " + LINE;

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        LogMessageConverter.register(context);
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName(APPENDER);
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(console);
        context.getLogger("org.pf4j").setLevel(Level.WARN);
        context.getLogger("io.netty").setLevel(Level.INFO);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
