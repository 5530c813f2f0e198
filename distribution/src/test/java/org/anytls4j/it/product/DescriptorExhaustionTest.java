package org.anytls4j.it.product;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launched server under a low descriptor limit ({@code prlimit --nofile}) and 400 connections: accepting fails
 * with EMFILE, which is logged as one WARN without a stack trace (not Netty's "exceptionCaught() ... reached at the
 * tail of the pipeline" once a second) and then at most one per 10 s with the count, accepting pauses (doubling)
 * and resumes, and once the descriptors are free again the server serves a new connection. Takes about 30 s: the
 * back-off is real time. The connections send nothing, so {@code request_timeout} (10 s by default, which would
 * close them and free their descriptors halfway through) is set beyond the test.
 */
@Timeout(120)
class DescriptorExhaustionTest {
    /** Enough for the JVM, its jars and the event loops (about 150 here), not for 400 more connections. */
    static final int DESCRIPTOR_LIMIT = 320;
    static final int CONNECTIONS = 400;

    @TempDir
    Path dir;

    @Test
    void acceptPausesLogsOncePerPeriodWithoutAStackTraceAndResumesWhenDescriptorsAreFree() throws Exception {
        Path config = Files.writeString(dir.resolve("local.conf"), """
                inbounds = [ { type = mixed, tag = local, listen = "127.0.0.1", listen_port = 0,
                               request_timeout = 5m } ]
                """);
        try (Launched server = Launched.start(null,
                List.of("prlimit", "--nofile=" + DESCRIPTOR_LIMIT + ":" + DESCRIPTOR_LIMIT),
                "run", "-c", config.toString())) {
            int port = server.port("inbound=local type=mixed listening on 127\\.0\\.0\\.1:(\\d+)");

            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    Socket socket = new Socket();
                    clients.add(socket);
                    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                }
                server.await("inbound=local accept failed: .*Too many open files; accepting paused for 1000 ms");
                // accepting is retried after 1, 2, 4 and 8 s of pause (at 1, 3, 7 and 15 s), failing each time; the
                // retry 15 s in is the first one outside the 10 s log period, and it reports the count
                Matcher periodic = server.await("inbound=local accept failed (\\d+) times in the last (\\d+) s: "
                        + ".*Too many open files; accepting paused for 16000 ms");
                assertThat(Long.parseLong(periodic.group(1))).as("failures since the first WARN").isEqualTo(4);
            } finally {
                for (Socket socket : clients) {
                    socket.close();
                }
            }

            Matcher resumed = server.await("inbound=local accepting again after (\\d+) failed accepts");
            assertThat(Long.parseLong(resumed.group(1))).as("failed accepts counted, not logged one by one")
                    .isGreaterThanOrEqualTo(5);
            assertThat(socks5Greeting(port)).as("a new connection is served").containsExactly(5, 0);

            String log = server.log();
            assertThat(log.lines().filter(l -> l.contains("accept failed"))).as("one WARN per 10 s").hasSize(2);
            assertThat(log).doesNotContain("reached at the tail of the pipeline").doesNotContain("\tat ")
                    .doesNotContainPattern("(?m)^\\s+at [a-z]");
        }
    }

    /** Sends a SOCKS5 greeting (no authentication) and returns the two-byte answer. */
    private static int[] socks5Greeting(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(new byte[] {5, 1, 0});
            InputStream in = socket.getInputStream();
            return new int[] {in.read(), in.read()};
        }
    }
}
