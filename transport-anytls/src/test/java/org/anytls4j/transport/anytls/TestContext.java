package org.anytls4j.transport.anytls;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.anytls4j.api.NettyResources;
import org.anytls4j.api.Ticker;
import org.anytls4j.api.inbound.InboundContext;
import org.anytls4j.api.outbound.Outbound;
import org.anytls4j.api.outbound.TransportContext;
import org.anytls4j.core.runtime.DefaultPluginContext;
import org.anytls4j.core.runtime.ForwardingPluginContext;

/**
 * The plugin context of the transport's tests, as the host would give it: the inbound context of a test server
 * (inbound tag {@code in}) and the transport context of a test client, over the given event loops, with the
 * system ticker and one simple meter registry.
 *
 * <h2>Lifecycle</h2>
 * {@link #scheduler()} starts a daemon thread with its first task; {@link #close()} stops it. The event loops
 * belong to the caller.
 */
public final class TestContext extends ForwardingPluginContext implements InboundContext, TransportContext,
        AutoCloseable {
    private static final String PLUGIN_ID = "transport-anytls";

    private final String outboundTag;
    private final NettyResources netty;
    private final Outbound route;
    private final SimpleMeterRegistry registry;
    private final ScheduledExecutorService scheduler;

    private TestContext(String outboundTag, NettyResources netty, Outbound route) {
        this(outboundTag, netty, route, new SimpleMeterRegistry(), testScheduler());
    }

    private TestContext(String outboundTag, NettyResources netty, Outbound route, SimpleMeterRegistry registry,
                        ScheduledExecutorService scheduler) {
        super(new DefaultPluginContext(PLUGIN_ID, ConfigFactory.empty(), Ticker.SYSTEM, scheduler, registry));
        this.outboundTag = outboundTag;
        this.netty = netty;
        this.route = route;
        this.registry = registry;
        this.scheduler = scheduler;
    }

    /** A single-thread scheduler whose daemon thread starts with the first task scheduled. */
    private static ScheduledExecutorService testScheduler() {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "test-scheduler");
            t.setDaemon(true);
            return t;
        });
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

    public SimpleMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
