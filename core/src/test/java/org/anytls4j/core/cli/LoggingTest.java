package org.anytls4j.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.anytls4j.core.config.ValidatedConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class LoggingTest {
    @TempDir
    Path dir;

    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Level rootBefore = root.getLevel();

    @AfterEach
    void restore() {
        Logging.restore();
        root.setLevel(rootBefore);
    }

    private static ValidatedConfig config(String log) {
        Config full = ConfigFactory.parseString(log).withFallback(ConfigFactory.parseResources("reference.conf"))
                .resolve();
        return new ValidatedConfig("test", full, full.getString("log.level"), List.of(), List.of(), List.of());
    }

    @Test
    void writesToTheOutputFileWithoutTimestampsAndRestoresTheConsoleAfterwards() throws IOException {
        Path file = dir.resolve("anytls4j.log");
        Logging.configure(config("log { output = \"" + file + "\", timestamp = false }"), true);

        LoggerFactory.getLogger("org.anytls4j.test").info("hello file");

        assertThat(Files.readString(file)).isEqualTo("INFO  test - hello file\n");
        assertThat(root.getAppender("STDERR")).as("the default console appender is replaced").isNull();
        Logging.restore();
        assertThat(root.getAppender("STDERR")).isNotNull();
        assertThat(root.getAppender("LOG")).isNull();
    }

    @Test
    void setsSingleLoggersAndKeepsNettyQuietAtDebugByDefault() {
        Logging.configure(config("log { level = debug, levels { \"org.anytls4j.pool\" = trace } }"), true);

        assertThat(root.getLevel()).isEqualTo(Level.DEBUG);
        assertThat(context.getLogger("org.anytls4j.pool.SessionPool").getEffectiveLevel()).isEqualTo(Level.TRACE);
        assertThat(context.getLogger("io.netty.handler.ssl.SslHandler").isDebugEnabled()).isFalse();
        Logging.restore();
        assertThat(context.getLogger("org.anytls4j.pool").getLevel()).isNull();
    }

    @Test
    void disabledSilencesEverythingAsSingBoxDoes() {
        Logging.configure(config("log { disabled = true }"), true);

        assertThat(root.getLevel()).isEqualTo(Level.OFF);
    }

    @Test
    void keepsTheCommandLinesRootLevel() {
        root.setLevel(Level.WARN);
        Logging.configure(config("log { level = debug }"), false);

        assertThat(root.getLevel()).isEqualTo(Level.WARN);
    }
}
