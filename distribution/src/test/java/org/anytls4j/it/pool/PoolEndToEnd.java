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
import org.anytls4j.distribution.Distribution;

/**
 * A real AnyTLS server and client in this JVM, loaded from the packaged distribution's {@code plugins/} as the
 * launcher loads them, with a {@link LoopbackRelay} between them and a TCP echo server behind the server:
 * <pre>
 *   test --SOCKS5--> client (mixed inbound, anytls outbound + pool) --> relay --> server (anytls inbound) --> echo
 * </pre>
 * Everything listens on 127.0.0.1, port 0.
 *
 * <h2>Lifecycle</h2>
 * {@link #start(String)} starts echo, server, relay and client; {@link #close()} stops them in reverse order.
 */
final class PoolEndToEnd implements AutoCloseable {
    static final String PASSWORD = "pool-e2e-password";

    private final PluginHost plugins;
    private final ServerSocket echo;
    private final ExecutorService echoThreads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "e2e-echo");
        t.setDaemon(true);
        return t;
    });
    private final Host server;
    final LoopbackRelay relay;
    private final Host client;
    private final InetSocketAddress socks;

    private PoolEndToEnd(String poolKeys) throws IOException {
        plugins = PluginHost.start(PluginLocation.deployment(Distribution.plugins()), new BuiltinContributions());
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        echoThreads.execute(this::echoLoop);
        server = host();
        Map<String, InetSocketAddress> serverPorts = server.start(ConfigFactory.parseString("""
                inbounds = [ { type = anytls, tag = anytls-in, listen = "127.0.0.1", listen_port = 0,
                               users = [ { name = e2e, password = "%s" } ] } ]
                """.formatted(PASSWORD)), "pool-e2e-server");
        relay = new LoopbackRelay(serverPorts.get("anytls-in"));
        client = host();
        Map<String, InetSocketAddress> clientPorts = client.start(ConfigFactory.parseString("""
                inbounds = [ { type = mixed, tag = local, listen = "127.0.0.1", listen_port = 0 } ]
                outbounds = [ {
                  type = anytls, tag = proxy
                  server = "127.0.0.1", server_port = %d, password = "%s"
                  tls { insecure = true }
                  %s
                } ]
                """.formatted(relay.address().getPort(), PASSWORD, poolKeys)), "pool-e2e-client");
        socks = clientPorts.get("local");
    }

    /** Starts everything; {@code poolKeys} go into the client's outbound block. */
    static PoolEndToEnd start(String poolKeys) throws IOException {
        return new PoolEndToEnd(poolKeys);
    }

    private Host host() {
        return Guice.createInjector(Stage.PRODUCTION, new PluginContributionsModule(plugins.contributions()),
                new HostModule()).getInstance(Host.class);
    }

    /** Sends {@code text} through the proxy to the echo server and returns what came back. */
    String roundTrip(String text) throws IOException {
        try (Socket socket = new Socket(new Proxy(Proxy.Type.SOCKS, socks))) {
            socket.setSoTimeout(10_000);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), echo.getLocalPort()), 10_000);
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            byte[] back = socket.getInputStream().readNBytes(bytes.length);
            return new String(back, StandardCharsets.UTF_8);
        }
    }

    private void echoLoop() {
        while (!echo.isClosed()) {
            try {
                Socket socket = echo.accept();
                echoThreads.execute(() -> {
                    try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                        in.transferTo(out);
                    } catch (IOException ignored) {
                        // the stream ended
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        client.close();
        relay.close();
        server.close();
        echo.close();
        echoThreads.shutdownNow();
        plugins.close();
    }
}
