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
    /** A layout of {@code pattern} in {@code context}, which {@link LogbackDefaults} configured. */
    private static PatternLayout configuredLayout(LoggerContext context, String pattern) {
        LogbackDefaults defaults = new LogbackDefaults();
        defaults.setContext(context);
        defaults.configure(context);
        PatternLayout layout = new PatternLayout();
        layout.setContext(context);
        layout.setPattern(pattern);
        layout.start();
        return layout;
    }

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

    /**
     * A client chooses the host names, user names and addresses that log lines carry: a SOCKS5 domain holding a line
     * feed printed a second, forged line ("... ERROR Fake - ..."). Control characters are escaped instead, so that
     * one event is one line.
     */
    @Test
    void escapesControlCharactersSoThatAClientCannotForgeLogLines() {
        LoggerContext context = new LoggerContext();
        PatternLayout layout = configuredLayout(context, "%msg|%m");
        Logger logger = context.getLogger("test");
        String host = "x.invalid\n2026-12-02T00:00:00.000 ERROR Fake - injected\r\u0000\u001b[31m\u007f\u2028\u0085";
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.INFO,
                "dest={}:80 open failed\tcause={}", null, new Object[] {host, "lookup " + host + ": no such host"});

        String line = layout.doLayout(event);

        String escaped = "x.invalid\\n2026-12-02T00:00:00.000 ERROR Fake - injected\\r\\x00\\x1b[31m\\x7f\\u2028"
                + "\\u0085";
        String message = "dest=" + escaped + ":80 open failed\tcause=lookup " + escaped + ": no such host";
        assertThat(line).isEqualTo(message + "|" + message).doesNotContain("\n").doesNotContain("\r");
        context.stop();
    }

    @Test
    void escapesControlCharactersInTheMessagesOfAStackTraceButKeepsItsLines() {
        LoggerContext context = new LoggerContext();
        PatternLayout layout = configuredLayout(context, LogbackDefaults.PATTERN);
        Logger logger = context.getLogger("test");
        IllegalStateException thrown = new IllegalStateException("bad frame\n2026-12-02T00:00:00.000 ERROR Fake - x",
                new java.io.IOException("cause\r\nERROR Fake - y"));
        thrown.addSuppressed(new RuntimeException("suppressed\nERROR Fake - z"));

        String text = layout.doLayout(new LoggingEvent(Logger.class.getName(), logger, Level.WARN, "failed", thrown,
                null));

        assertThat(text.lines()).noneMatch(line -> line.contains("ERROR Fake") && !line.contains("\\n"))
                .anyMatch(line -> line.equals("java.lang.IllegalStateException: bad frame\\n2026-12-02T00:00:00.000 "
                        + "ERROR Fake - x"))
                .anyMatch(line -> line.equals("Caused by: java.io.IOException: cause\\r\\nERROR Fake - y"))
                .anyMatch(line -> line.contains("Suppressed: java.lang.RuntimeException: suppressed\\nERROR Fake - z"))
                .anyMatch(line -> line.startsWith("\tat org.anytls4j.core.runtime.LogbackDefaultsTest."));
        context.stop();
    }

    @Test
    void printsAddressesAsOperatorsPasteThem() throws Exception {
        LoggerContext context = new LoggerContext();
        PatternLayout layout = configuredLayout(context, "%msg");
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
