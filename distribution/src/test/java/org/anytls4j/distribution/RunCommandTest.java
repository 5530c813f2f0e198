package org.anytls4j.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/anytls4j run} binds the configured inbounds, serves until SIGTERM, then stops them cleanly. */
@Timeout(90)
class RunCommandTest {
    private static final Pattern LISTENING = Pattern.compile("inbound=local type=mixed listening on \\S*:(\\d+) ");

    @Test
    void runsUntilTerminatedAndStopsCleanly(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("run.conf"), """
                log.level = info
                inbounds = [ { type = mixed, tag = local, listen = "127.0.0.1", listen_port = 0 } ]
                outbounds = [ { type = direct, tag = out } ]
                """);
        ProcessBuilder builder = new ProcessBuilder("sh", Distribution.home().resolve("bin/anytls4j").toString(),
                "run", "-c", config.toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().remove("JAVA_OPTS");
        builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process process = builder.start();
        List<String> log = new ArrayList<>();
        try (BufferedReader err = new BufferedReader(
                new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            int port = -1;
            for (String line = err.readLine(); line != null && port < 0; line = err.readLine()) {
                log.add(line);
                Matcher listening = LISTENING.matcher(line);
                if (listening.find()) {
                    port = Integer.parseInt(listening.group(1));
                }
            }
            assertThat(port).as(String.join("\n", log)).isPositive();
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            }

            // SIGTERM, as a service manager sends it (Process.destroy would also close our end of stderr);
            // bin/anytls4j execs java, so the pid is the JVM's.
            assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor()).isZero();
            for (String line = err.readLine(); line != null; line = err.readLine()) {
                log.add(line);
            }
        } catch (IOException e) {
            process.destroyForcibly();
            throw e;
        }
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(String.join("\n", log)).contains("inbound=local type=mixed stopped").contains("Host - stopped");
    }
}
