package org.anytls4j.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.ConsoleAppender;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LogbackDefaultsTest {
    @Test
    void setsTheStderrAppenderAndTheQuietLoggers() {
        LoggerContext context = new LoggerContext();
        LogbackDefaults defaults = new LogbackDefaults();
        defaults.setContext(context);

        assertThat(defaults.configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.INFO);
        assertThat(root.getAppender(LogbackDefaults.APPENDER)).isInstanceOfSatisfying(ConsoleAppender.class, a -> {
            assertThat(a.getTarget()).isEqualTo("System.err");
            assertThat(a.isStarted()).isTrue();
        });
        assertThat(context.getLogger("org.pf4j").getLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("io.netty").getLevel()).isEqualTo(Level.INFO);
        context.stop();
    }

    @Test
    void isWhatLogbackFindsWithoutAConfigurationFile() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

        assertThat(context.getLogger("org.pf4j").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(LogbackDefaults.APPENDER)).isNotNull();
    }

    @Test
    void printsAddressesAsOperatorsPasteThem() throws Exception {
        LoggerContext context = new LoggerContext();
        LogbackDefaults defaults = new LogbackDefaults();
        defaults.setContext(context);
        defaults.configure(context);
        PatternLayout layout = new PatternLayout();
        layout.setContext(context);
        layout.setPattern("%msg");
        layout.start();
        Logger logger = context.getLogger("test");
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.INFO,
                "inbound={} listening on {} and {}; last error: {}", null, new Object[] {"in",
                    new InetSocketAddress("127.0.0.1", 8443),
                    new InetSocketAddress(InetAddress.getByName("::1"), 8443),
                    "Connection refused: localhost/127.0.0.1:9"});
        assertThat(layout.doLayout(event)).isEqualTo(
                "inbound=in listening on 127.0.0.1:8443 and [::1]:8443; last error: Connection refused: localhost:9");
        context.stop();
    }
}
