package org.anytls4j.transport.anytls.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.outbound.Outbound;
import org.anytls4j.core.inbound.TestNetty;
import org.anytls4j.transport.anytls.TestContext;

/**
 * A running {@code anytls} inbound on 127.0.0.1 (port 0) with its own event loops and a direct test route.
 * Default users: {@code capture} / {@code capturepass} (the password of the golden captures).
 */
public final class ServerHarness implements AutoCloseable {
    public static final String PASSWORD = "capturepass";
    private static final String BASE = "listen = \"127.0.0.1\", listen_port = 0\n"
            + "users = [ { name = capture, password = " + PASSWORD + " } ]\n";

    public final TestNetty netty;
    public final TestDirectOutbound route;
    public final TestContext context;
    public final AnytlsInbound inbound;
    public final InetSocketAddress address;

    private ServerHarness(String hocon, Outbound routeOverride) throws Exception {
        netty = new TestNetty();
        route = new TestDirectOutbound();
        context = TestContext.server(netty, routeOverride != null ? routeOverride : route);
        inbound = new AnytlsInbound(settings(hocon), context);
        address = inbound.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Starts an inbound whose block is the defaults, the base keys, then {@code hocon}. */
    public static ServerHarness start(String hocon) throws Exception {
        return new ServerHarness(hocon, null);
    }

    public static ServerHarness start(String hocon, Outbound route) throws Exception {
        return new ServerHarness(hocon, route);
    }

    /** The inbound block: {@code hocon} over the base keys over {@code anytls-server.conf}'s defaults. */
    public static Config block(String hocon) {
        return ConfigFactory.parseString(hocon)
                .withFallback(ConfigFactory.parseString(BASE))
                .withFallback(defaults())
                .resolve();
    }

    /** The plugin's documented defaults for an {@code anytls} inbound. */
    public static Config defaults() {
        return ConfigFactory.parseResources(ServerHarness.class.getClassLoader(), "anytls-server.conf")
                .resolve().getConfig("anytls4j.inbound.anytls");
    }

    public static AnytlsInboundSettings settings(String hocon) {
        return AnytlsInboundSettings.parse(block(hocon));
    }

    public RawTlsClient client() throws Exception {
        return RawTlsClient.connect(netty.workerGroup(), address);
    }

    @Override
    public void close() throws Exception {
        inbound.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
        context.close();
        netty.close();
    }
}
