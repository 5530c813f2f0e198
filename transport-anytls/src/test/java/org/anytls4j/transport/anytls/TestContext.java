package org.anytls4j.transport.anytls;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.anytls4j.api.NettyResources;
import org.anytls4j.api.Ticker;
import org.anytls4j.api.inbound.InboundContext;
import org.anytls4j.api.outbound.Outbound;
import org.anytls4j.api.outbound.TransportContext;

/**
 * The plugin context of the transport's tests, as the host would give it: the inbound context of a test server
 * (inbound tag {@code in}) and the transport context of a test client, over the given event loops, with the
 * system ticker and one simple meter registry.
 *
 * <h2>Lifecycle</h2>
 * {@link #scheduler()} starts a daemon thread on first use; {@link #close()} stops it. The event loops belong to
 * the caller.
 */
public final class TestContext implements InboundContext, TransportContext, AutoCloseable {
    private final String outboundTag;
    private final NettyResources netty;
    private final Outbound route;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private ScheduledExecutorService scheduler;

    private TestContext(String outboundTag, NettyResources netty, Outbound route) {
        this.outboundTag = outboundTag;
        this.netty = netty;
        this.route = route;
    }

    /** The context of a test client serving outbound {@code outboundTag}. */
    public static TestContext client(String outboundTag, NettyResources netty) {
        return new TestContext(outboundTag, netty, null);
    }

    /** The context of a test server (inbound {@code in}) whose streams go to {@code route}. */
    public static TestContext server(NettyResources netty, Outbound route) {
        return new TestContext("e2e", netty, route);
    }

    /** An outbound block with the client's reference defaults applied, as the host would hand it over. */
    public static Config outboundBlock(String hocon) {
        Config defaults = ConfigFactory.parseResources(TestContext.class.getClassLoader(), "anytls-client.conf")
                .resolve().getConfig("anytls4j.transport.anytls");
        return ConfigFactory.parseString(hocon).withFallback(defaults).resolve();
    }

    @Override
    public String inboundTag() {
        return "in";
    }

    @Override
    public String outboundTag() {
        return outboundTag;
    }

    @Override
    public NettyResources netty() {
        return netty;
    }

    @Override
    public Outbound route() {
        return route;
    }

    @Override
    public Optional<Outbound> outbound(String tag) {
        return Optional.empty();
    }

    @Override
    public String pluginId() {
        return "transport-anytls";
    }

    @Override
    public Config config() {
        return ConfigFactory.empty();
    }

    @Override
    public Ticker ticker() {
        return Ticker.SYSTEM;
    }

    @Override
    public synchronized ScheduledExecutorService scheduler() {
        if (scheduler == null) {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "test-scheduler");
                t.setDaemon(true);
                return t;
            });
        }
        return scheduler;
    }

    @Override
    public String loggerName() {
        return "org.anytls4j.plugin.transport-anytls";
    }

    @Override
    public MeterRegistry meterRegistry() {
        return registry;
    }

    public SimpleMeterRegistry registry() {
        return registry;
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
