package org.anytls4j.core.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.spi.FilterReply;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.anytls4j.core.config.ConfigValidator;
import org.anytls4j.core.config.ValidatedConfig;
import org.anytls4j.core.runtime.LogMessageConverter;
import org.anytls4j.core.runtime.LogbackDefaults;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Applies the {@code log} block to Logback (root level from {@code --log-level} or {@code log.level}, levels of
 * single loggers, output file, timestamps), and keeps PF4J from repeating our own line about a plugin the host
 * refuses. Stateless apart from Logback's own configuration.
 */
final class Logging {
    /** Our appender, when the log block asks for a file or no timestamps. */
    private static final String APPENDER = "LOG";
    /** The default appender ({@link LogbackDefaults}). */
    private static final String DEFAULT_APPENDER = LogbackDefaults.APPENDER;
    private static final Map<Logger, Optional<Level>> CHANGED_LEVELS = new HashMap<>();
    private static Appender<ILoggingEvent> replacedDefault;

    private Logging() {
    }

    /**
     * @param level one of {@link ConfigValidator#LOG_LEVELS}, case-insensitive
     * @throws IllegalArgumentException for any other value
     */
    static void setLevel(String level) {
        String normalized = level.toLowerCase(Locale.ROOT);
        if (!ConfigValidator.LOG_LEVELS.contains(normalized)) {
            throw new IllegalArgumentException("log level must be one of " + ConfigValidator.LOG_LEVELS + ", was '"
                    + level + "'");
        }
        if (root() instanceof Logger root) {
            root.setLevel(Level.toLevel(normalized, Level.INFO));
        }
    }

    /**
     * Applies the {@code log} block: the root level (unless {@code --log-level} set it already), the levels of
     * single loggers, where lines go ({@code output}: a file, else standard error) and whether they carry a
     * timestamp.
     *
     * @param rootLevelFromConfig false when the command line chose the root level
     * @throws IllegalArgumentException when {@code log.output} cannot be opened for appending, naming the file
     */
    static synchronized void configure(ValidatedConfig config, boolean rootLevelFromConfig) {
        Config block = config.full().getConfig("log");
        if (rootLevelFromConfig) {
            setLevel(block.getBoolean("disabled") ? "off" : config.logLevel());
        }
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        for (Map.Entry<String, ConfigValue> entry : block.getObject("levels").entrySet()) {
            Logger logger = context.getLogger(entry.getKey());
            CHANGED_LEVELS.putIfAbsent(logger, Optional.ofNullable(logger.getLevel()));
            logger.setLevel(Level.toLevel(String.valueOf(entry.getValue().unwrapped())));
        }
        boolean timestamp = block.getBoolean("timestamp");
        Optional<Path> output = block.getIsNull("output") ? Optional.empty() : Optional.of(Path.of(
                block.getString("output")));
        if (timestamp && output.isEmpty()) {
            return; // the default appender (LogbackDefaults) is exactly that
        }
        LogMessageConverter.register(context);
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(timestamp ? LogbackDefaults.PATTERN : LogbackDefaults.LINE);
        encoder.start();
        OutputStreamAppender<ILoggingEvent> appender;
        if (output.isPresent()) {
            checkWritable(output.get());
            FileAppender<ILoggingEvent> file = new FileAppender<>();
            file.setFile(output.get().toString());
            file.setAppend(true);
            appender = file;
        } else {
            ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
            console.setTarget("System.err");
            appender = console;
        }
        appender.setContext(context);
        appender.setName(APPENDER);
        appender.setEncoder(encoder);
        appender.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Appender<ILoggingEvent> console = root.getAppender(DEFAULT_APPENDER);
        if (console != null) {
            root.detachAppender(console);
            replacedDefault = console;
        }
        Appender<ILoggingEvent> previous = root.getAppender(APPENDER);
        if (previous != null) {
            root.detachAppender(previous);
            previous.stop();
        }
        root.addAppender(appender);
    }

    /**
     * Undoes {@link #configure}: the loggers' previous levels and the default appender come back. The launcher
     * calls it when an invocation ends, so that invocations in one JVM (tests) do not inherit each other's setup.
     */
    static synchronized void restore() {
        CHANGED_LEVELS.forEach((logger, level) -> logger.setLevel(level.orElse(null)));
        CHANGED_LEVELS.clear();
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Appender<ILoggingEvent> ours = root.getAppender(APPENDER);
        if (ours != null) {
            root.detachAppender(ours);
            ours.stop();
        }
        if (replacedDefault != null) {
            root.addAppender(replacedDefault);
            replacedDefault = null;
        }
    }

    private static void checkWritable(Path file) {
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            out.flush();
        } catch (IOException e) {
            throw new IllegalArgumentException("log.output: cannot append to " + file + ": "
                    + (e instanceof NoSuchFileException ? "no such directory" : String.valueOf(e.getMessage())));
        }
    }

    /** The root level now, as {@link #setLevel} takes it; null when Logback is not the SLF4J binding. */
    static String level() {
        return root() instanceof Logger root ? root.getLevel().toString().toLowerCase(Locale.ROOT) : null;
    }

    private static org.slf4j.Logger root() {
        return LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    /**
     * Drops PF4J's lines that repeat the host's own WARN about a plugin: "Plugin '{}' is invalid and it will be
     * disabled" (after the host's line naming the plugin, its version and the unmet requirement), and the ERRORs with
     * stack traces for a file in the plugins directory that cannot be loaded ("Cannot load plugin '{}'", and a
     * descriptor finder's "Cannot read manifest from ...", after the host's line naming the file and why). Idempotent.
     */
    static void dropPf4jRefusalEcho() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context
                && context.getTurboFilterList().stream().noneMatch(Pf4jRefusalEcho.class::isInstance)) {
            context.addTurboFilter(new Pf4jRefusalEcho());
        }
    }

    /** Denies exactly the PF4J lines {@link #dropPf4jRefusalEcho()} names; neutral on everything else. */
    static final class Pf4jRefusalEcho extends TurboFilter {
        static final String LOGGER = "org.pf4j.AbstractPluginManager";
        static final String FORMAT = "Plugin '{}' is invalid and it will be disabled";
        static final String CANNOT_LOAD = "Cannot load plugin '{}'";
        /** Logs each failing finder's exception at ERROR, before the manager's {@link #CANNOT_LOAD}. */
        static final String FINDER_LOGGER = "org.pf4j.CompoundPluginDescriptorFinder";

        @Override
        public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
                                  Throwable t) {
            if (logger == null) {
                return FilterReply.NEUTRAL;
            }
            String name = logger.getName();
            boolean echo = LOGGER.equals(name) && (FORMAT.equals(format) || CANNOT_LOAD.equals(format))
                    || FINDER_LOGGER.equals(name) && level == Level.ERROR;
            return echo ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
    }
}
