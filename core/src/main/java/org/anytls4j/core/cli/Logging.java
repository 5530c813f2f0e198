package org.anytls4j.core.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Locale;
import org.anytls4j.core.config.ConfigValidator;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Sets the root log level of Logback, from {@code --log-level} or {@code log.level}, and keeps PF4J from repeating
 * our own line about a plugin the host refuses. Stateless apart from Logback's own configuration.
 */
final class Logging {
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

    /** The root level now, as {@link #setLevel} takes it; null when Logback is not the SLF4J binding. */
    static String level() {
        return root() instanceof Logger root ? root.getLevel().toString().toLowerCase(Locale.ROOT) : null;
    }

    private static org.slf4j.Logger root() {
        return LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    /**
     * Drops PF4J's "Plugin '{}' is invalid and it will be disabled", which follows the host's own WARN naming the
     * plugin, its version and the unmet requirement. Idempotent.
     */
    static void dropPf4jRefusalEcho() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context
                && context.getTurboFilterList().stream().noneMatch(Pf4jRefusalEcho.class::isInstance)) {
            context.addTurboFilter(new Pf4jRefusalEcho());
        }
    }

    /** Denies exactly PF4J's invalid-plugin line; neutral on everything else. */
    static final class Pf4jRefusalEcho extends TurboFilter {
        static final String LOGGER = "org.pf4j.AbstractPluginManager";
        static final String FORMAT = "Plugin '{}' is invalid and it will be disabled";

        @Override
        public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
                                  Throwable t) {
            return logger != null && LOGGER.equals(logger.getName()) && FORMAT.equals(format)
                    ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
    }
}
