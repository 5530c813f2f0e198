package org.anytls4j.it.pool;

import com.google.inject.Guice;
import com.google.inject.Stage;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.anytls4j.core.inject.HostModule;
import org.anytls4j.core.inject.PluginContributionsModule;
import org.anytls4j.core.plugin.PluginHost;
import org.anytls4j.core.plugin.PluginLocation;
import org.anytls4j.core.runtime.BuiltinContributions;
import org.anytls4j.core.runtime.Host;
import org.anytls4j.core.testing.FaultRelay;
import org.anytls4j.distribution.Distribution;

/**
 * A real AnyTLS server and client in this JVM, loaded from the packaged distribution's {@code plugins/} as the
 * launcher loads them, with a {@link FaultRelay} between them standing in for the network path, and an origin
 * behind the server:
 * <pre>
 *   test --SOCKS5/HTTP--> client (mixed inbound, anytls outbound + pool) --> relay --> server (anytls inbound)
 *        --> origin (echo, or a byte source of a requested length)
 * </pre>
 * Everything listens on 127.0.0.1, port 0. The origin reads one line: {@code ECHO} echoes what follows;
 * {@code SEND n} writes {@code n} bytes of {@link #patternByte(long)} and closes.
 *
 * <h2>Lifecycle</h2>
 * {@link #start} starts origin, server, relay and client; {@link #stopServer()} / {@link #restartServer()} take
 * the server down (every session dies, connects are refused) and bring it back on a new port (the relay follows);
 * {@link #close()} stops everything in reverse order.
 */
final class PoolEndToEnd implements AutoCloseable {
    static final String PASSWORD = "pool-e2e-password";

    private final PluginHost plugins;
    private final ServerSocket origin;
    private final ExecutorService originThreads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "e2e-origin");
        t.setDaemon(true);
        return t;
    });
    private final String serverKeys;
    private final Host server;
    final FaultRelay relay;
    private final Host client;
    private final InetSocketAddress proxy;

    private PoolEndToEnd(String poolKeys, String clientPassword, String serverKeys) throws IOException {
        this.serverKeys = serverKeys;
        plugins = PluginHost.start(PluginLocation.deployment(Distribution.plugins()), new BuiltinContributions());
        origin = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        originThreads.execute(this::originLoop);
        server = host();
        relay = FaultRelay.start(startServer());
        client = host();
        Map<String, InetSocketAddress> clientPorts = client.start(ConfigFactory.parseString("""
                inbounds = [ { type = mixed, tag = local, listen = "127.0.0.1", listen_port = 0 } ]
                outbounds = [ {
                  type = anytls, tag = proxy
                  server = "127.0.0.1", server_port = %d, password = "%s"
                  tls { insecure = true }
                  %s
                } ]
                """.formatted(relay.address().getPort(), clientPassword, poolKeys)), "pool-e2e-client");
        proxy = clientPorts.get("local");
    }

    /** Starts everything; {@code poolKeys} go into the client's outbound block. */
    static PoolEndToEnd start(String poolKeys) throws IOException {
        return new PoolEndToEnd(poolKeys, PASSWORD, "");
    }

    /**
     * Starts everything with the client's password {@code clientPassword} (the server's is {@link #PASSWORD}) and
     * {@code serverKeys} in the server's inbound block.
     */
    static PoolEndToEnd start(String poolKeys, String clientPassword, String serverKeys) throws IOException {
        return new PoolEndToEnd(poolKeys, clientPassword, serverKeys);
    }

    private Host host() {
        return Guice.createInjector(Stage.PRODUCTION, new PluginContributionsModule(plugins.contributions()),
                new HostModule()).getInstance(Host.class);
    }

    private InetSocketAddress startServer() {
        return server.start(ConfigFactory.parseString("""
                inbounds = [ { type = anytls, tag = anytls-in, listen = "127.0.0.1", listen_port = 0,
                               users = [ { name = e2e, password = "%s" } ]
                               %s } ]
                """.formatted(PASSWORD, serverKeys)), "pool-e2e-server").get("anytls-in");
    }

    /** The server goes away as a killed process does: every session closes, and connects fail from now on. */
    void stopServer() {
        server.stop();
    }

    /** Stops the client as SIGTERM does (its pools drain first, then its inbounds stop); {@link #close()} still ends
     * the rest. */
    void stopClient() {
        client.stop();
    }

    /** Starts the server again, on a new port; the relay sends new connections there. */
    void restartServer() {
        relay.retarget(startServer());
    }

    /** The local proxy (mixed inbound) of the client. */
    InetSocketAddress proxy() {
        return proxy;
    }

    /** The origin, as a destination to ask the proxy for. */
    InetSocketAddress origin() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), origin.getLocalPort());
    }

    /** A SOCKS5 connection through the proxy to the origin, reads timing out after {@code soTimeoutMillis}. */
    Socket socks(int soTimeoutMillis) throws IOException {
        Socket socket = new Socket(new Proxy(Proxy.Type.SOCKS, proxy));
        socket.setSoTimeout(soTimeoutMillis);
        socket.connect(origin(), soTimeoutMillis);
        return socket;
    }

    /** Sends {@code text} through the proxy to the echo and returns what came back. */
    String roundTrip(String text) throws IOException {
        try (Socket socket = socks(10_000)) {
            return echo(socket, text);
        }
    }

    /** Asks the origin on {@code socket} to echo, sends {@code text} and returns what came back. */
    static String echo(Socket socket, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream().write("ECHO\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        byte[] back = socket.getInputStream().readNBytes(bytes.length);
        return new String(back, StandardCharsets.UTF_8);
    }

    /** Asks the origin on {@code socket} for {@code length} bytes of the pattern. */
    static void requestBytes(Socket socket, long length) throws IOException {
        socket.getOutputStream().write(("SEND " + length + "\n").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    /** The byte at {@code offset} of what {@code SEND} writes: not periodic over any power of two. */
    static byte patternByte(long offset) {
        return (byte) (offset * 31 + offset / 251);
    }

    private void originLoop() {
        while (!origin.isClosed()) {
            try {
                Socket socket = origin.accept();
                originThreads.execute(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void serve(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            String command = readLine(in);
            if (command.equals("ECHO")) {
                in.transferTo(out);
            } else if (command.startsWith("SEND ")) {
                long length = Long.parseLong(command.substring(5));
                byte[] chunk = new byte[64 * 1024];
                for (long sent = 0; sent < length; ) {
                    int n = (int) Math.min(chunk.length, length - sent);
                    for (int i = 0; i < n; i++) {
                        chunk[i] = patternByte(sent + i);
                    }
                    out.write(chunk, 0, n);
                    sent += n;
                }
            }
        } catch (IOException ignored) {
            // the stream ended
        }
    }

    /** One line of ASCII without buffering past it (the rest of the stream belongs to the command). */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
            line.append((char) b);
        }
        return line.toString();
    }

    @Override
    public void close() throws IOException {
        client.close();
        relay.close();
        server.close();
        origin.close();
        originThreads.shutdownNow();
        plugins.close();
    }
}
