package org.anytls4j.transport.anytls.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.anytls4j.core.inbound.TestNetty;
import org.anytls4j.transport.anytls.server.HostileClient.Case;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server in a child JVM with {@code -Xmx96m} and its default bounds (4 MiB per session, a quarter of the heap
 * per inbound): four clients flood HeartRequests without reading, then four flood SYNs past the stream limit
 * without reading, a few seconds each; the child's live heap after GC stays under {@value #HEAP_BOUND_MIB} MiB
 * with the flooding sessions still open, and a legitimate 4 MiB echo through it completes byte-exact beside the
 * paused SYN-flood sessions.
 */
@Timeout(60)
class ForkedServerHeapTest {
    static final int HEAP_BOUND_MIB = 48;
    private static final int CLIENTS = 4;
    private static final long FLOOD_SECONDS = 2;

    @Test
    void floodsOfClientsThatDoNotReadKeepASmallHeapServerAlive() throws Exception {
        Path stderr = Files.createTempFile("hostile-server", ".log");
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process child = new ProcessBuilder(java, "-Xmx96m", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), HostileServerMain.class.getName(),
                "session_write_stall_timeout = 60s")
                .redirectError(stderr.toFile()).start();
        try (TestNetty netty = new TestNetty();
             BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                     StandardCharsets.UTF_8));
             PrintWriter in = new PrintWriter(child.getOutputStream(), true, StandardCharsets.UTF_8)) {
            String first = out.readLine();
            assertThat(first).as("child stderr: %s", stderr).startsWith("LISTENING ");
            InetSocketAddress server = new InetSocketAddress("127.0.0.1", Integer.parseInt(first.substring(10)));
            Channel echo = TestServers.echo(netty.workerGroup());
            try {
                long started = System.nanoTime();
                long[] before = heap(in, out);
                long[] worst = before;
                List<HostileClient> open = new ArrayList<>();
                for (Case c : new Case[] {Case.HEART_FLOOD, Case.SYN_FLOOD}) {
                    open.forEach(HostileClient::close); // one wave at a time: two cores
                    open.clear();
                    for (int i = 0; i < CLIENTS; i++) {
                        open.add(HostileClient.connect(netty.workerGroup(), server)
                                .run(c, ServerHarness.PASSWORD, Long.MAX_VALUE, 0));
                    }
                    CompletableFuture.allOf(open.stream().map(h -> h.sent).toArray(CompletableFuture[]::new))
                            .completeOnTimeout(null, FLOOD_SECONDS, TimeUnit.SECONDS).get();
                    long[] during = heap(in, out); // with the flooding sessions open (paused or coalescing)
                    long sent = open.stream().mapToLong(HostileClient::bytesSent).sum();
                    System.out.printf("%s x%d for %d s: %d bytes sent (%.1f MB/s); child -Xmx96m: live heap %d MiB"
                            + " (before: %d), direct %d MiB (before: %d), sessions hold %d bytes, %d sessions%n", c,
                            CLIENTS, FLOOD_SECONDS, sent, sent / 1e6 / FLOOD_SECONDS, during[0] >> 20,
                            before[0] >> 20, during[1] >> 20, before[1] >> 20, during[2], during[3]);
                    worst = during[0] > worst[0] ? during : worst;
                }
                long legit = EchoTransfer.run(netty, server, TestServers.port(echo), 4 << 20, 30)
                        .get(30, TimeUnit.SECONDS); // beside the paused SYN-flood sessions
                System.out.printf("legit 4 MiB echo in %d ms; whole test %d ms%n", legit / 1_000_000,
                        (System.nanoTime() - started) / 1_000_000);
                long[] during = worst;
                assertThat(during[0]).as("live heap after GC").isLessThan((long) HEAP_BOUND_MIB << 20);
                assertThat(child.isAlive()).isTrue();
                open.forEach(HostileClient::close);
            } finally {
                echo.close().sync();
                in.println("quit");
            }
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
            Files.deleteIfExists(stderr);
        }
    }

    /** Asks the child for its live heap after GC, direct memory, held bytes and open sessions. */
    private static long[] heap(PrintWriter in, BufferedReader out) throws Exception {
        in.println("heap");
        String line = out.readLine();
        assertThat(line).startsWith("HEAP ");
        String[] parts = line.substring(5).split(" ");
        long[] values = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = Long.parseLong(parts[i]);
        }
        return values;
    }
}
