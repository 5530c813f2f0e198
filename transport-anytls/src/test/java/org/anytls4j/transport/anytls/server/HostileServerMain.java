package org.anytls4j.transport.anytls.server;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * The server of {@link ForkedServerHeapTest}, run in a child JVM with a small heap: {@code java -Xmx96m -cp ...
 * HostileServerMain [hocon]}. Prints {@code LISTENING <port>}, then answers each {@code heap} line on stdin with
 * {@code HEAP <live heap after GC> <direct bytes in use> <bytes the sessions hold> <sessions open>}; {@code quit}
 * (or the end of stdin) stops it.
 */
public final class HostileServerMain {
    private HostileServerMain() {
    }

    public static void main(String[] args) throws Exception {
        ServerHarness server = ServerHarness.start(args.length > 0 ? args[0] : "");
        System.out.println("LISTENING " + server.address.getPort());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.equals("quit")) {
            if (line.equals("heap")) {
                System.gc();
                System.gc();
                long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                long direct = ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider p
                        ? p.metric().usedDirectMemory() : -1;
                System.out.println("HEAP " + heap + " " + direct + " " + server.inbound.pendingBytes() + " "
                        + server.inbound.sessionsOpen());
            }
        }
        server.close();
        System.exit(0);
    }
}
