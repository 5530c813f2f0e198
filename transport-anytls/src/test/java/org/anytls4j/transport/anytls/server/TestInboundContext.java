package org.anytls4j.transport.anytls.server;

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
 * An inbound context for tests: the given event loops and route, a simple meter registry. It also serves as the
 * transport context of a test client (outbound tag {@code e2e}).
 */
public final class TestInboundContext implements InboundContext, TransportContext, AutoCloseable {
    private final NettyResources netty;
    private final Outbound route;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "test-scheduler");
        t.setDaemon(true);
        return t;
    });

    public TestInboundContext(NettyResources netty, Outbound route) {
        this.netty = netty;
        this.route = route;
    }

    @Override
    public String inboundTag() {
        return "in";
    }

    @Override
    public String outboundTag() {
        return "e2e";
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
    public ScheduledExecutorService scheduler() {
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
    public void close() {
        scheduler.shutdownNow();
    }
}
