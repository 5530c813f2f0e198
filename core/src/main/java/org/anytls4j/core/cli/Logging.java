package org.anytls4j.core.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.Locale;
import org.anytls4j.core.config.ConfigValidator;
import org.slf4j.LoggerFactory;

/** Sets the root log level of Logback, from {@code --log-level} or {@code log.level}. Stateless. */
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
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
            root.setLevel(Level.toLevel(normalized, Level.INFO));
        }
    }
}
