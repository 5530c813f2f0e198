package org.anytls4j.core.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.monitor.SessionMonitor;
import org.anytls4j.api.outbound.Session;
import org.anytls4j.testkit.FakeSession;
import org.anytls4j.testkit.FakeTicker;
import org.anytls4j.testkit.ManualScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session monitor compiled against API 1.x, whose {@code attach} took the transport's {@code Session}, still runs on
 * a 1.3 host: the class is compiled here against the 1.2 shape of {@code SessionMonitor} and loaded against 1.3's.
 */
class LegacyMonitorsTest {
    @TempDir
    Path dir;

    @Test
    void aMonitorBuiltAgainstApi12IsAttachedThroughItsAttachSession() throws Exception {
        SessionMonitor legacy = compileLegacyMonitor();
        ManualScheduler scheduler = new ManualScheduler(new FakeTicker());
        FakeSession session = new FakeSession(7, 0, scheduler);

        assertThatThrownBy(() -> legacy.attach(session)).isInstanceOf(AbstractMethodError.class);

        SessionMonitor compatible = LegacyMonitors.compatible(legacy);
        compatible.attach(session);
        assertThat(session.closeFuture().toCompletableFuture().getNow(null)).isEqualTo(CloseReason.of("legacy-7"));
        compatible.close();
        assertThat(legacy.toString()).isEqualTo("closed");
    }

    @Test
    void aCurrentMonitorIsItself() {
        SessionMonitor current = session -> { };
        assertThat(LegacyMonitors.compatible(current)).isSameAs(current);
        assertThat(LegacyMonitors.compatible(null)).isNull();
    }

    private SessionMonitor compileLegacyMonitor() throws Exception {
        Path sources = Files.createDirectories(dir.resolve("src"));
        Path classes = Files.createDirectories(dir.resolve("classes"));
        Path stub = write(sources, "org/anytls4j/api/monitor/SessionMonitor.java", """
                package org.anytls4j.api.monitor;
                public interface SessionMonitor {
                    void attach(org.anytls4j.api.outbound.Session session);
                    default void close() {
                    }
                }
                """);
        Path monitor = write(sources, "legacy/OldMonitor.java", """
                package legacy;
                import org.anytls4j.api.CloseReason;
                import org.anytls4j.api.monitor.SessionMonitor;
                import org.anytls4j.api.outbound.Session;
                class OldMonitor implements SessionMonitor {
                    private boolean closed;
                    @Override
                    public void attach(Session session) {
                        session.close(CloseReason.of("legacy-" + session.seq()));
                    }
                    @Override
                    public void close() {
                        closed = true;
                    }
                    @Override
                    public String toString() {
                        return closed ? "closed" : "open";
                    }
                }
                """);
        String classPath = String.join(File.pathSeparator, location(Session.class),
                location(io.netty.channel.Channel.class));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int exit = javac.run(null, null, null, "-proc:none", "-d", classes.toString(), "-cp", classPath,
                stub.toString(), monitor.toString());
        assertThat(exit).isZero();
        Files.delete(classes.resolve("org/anytls4j/api/monitor/SessionMonitor.class"));
        URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader());
        var constructor = loader.loadClass("legacy.OldMonitor").getDeclaredConstructor();
        constructor.setAccessible(true);
        return (SessionMonitor) constructor.newInstance();
    }

    private static Path write(Path root, String name, String text) throws Exception {
        Path file = root.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    private static String location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
