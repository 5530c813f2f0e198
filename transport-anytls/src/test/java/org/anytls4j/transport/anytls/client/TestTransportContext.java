package org.anytls4j.transport.anytls.client;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.ScheduledExecutorService;
import org.anytls4j.api.NettyResources;
import org.anytls4j.api.Ticker;
import org.anytls4j.api.outbound.TransportContext;

/** A transport context over test event loops, with the system ticker. */
record TestTransportContext(String outboundTag, NettyResources netty) implements TransportContext {
    /** An outbound block with the client's reference defaults applied, as the host would hand it over. */
    static Config outboundBlock(String hocon) {
        Config defaults = ConfigFactory.parseResources(TestTransportContext.class.getClassLoader(),
                "anytls-client.conf").resolve().getConfig("anytls4j.transport.anytls");
        return ConfigFactory.parseString(hocon).withFallback(defaults).resolve();
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
        return netty.workerGroup();
    }

    @Override
    public String loggerName() {
        return "org.anytls4j.plugin.transport-anytls";
    }

    @Override
    public MeterRegistry meterRegistry() {
        return new SimpleMeterRegistry();
    }
}
