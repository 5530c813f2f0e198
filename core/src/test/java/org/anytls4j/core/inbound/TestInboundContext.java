package org.anytls4j.core.inbound;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import org.anytls4j.api.NettyResources;
import org.anytls4j.api.Ticker;
import org.anytls4j.api.inbound.InboundContext;
import org.anytls4j.api.metrics.Metrics;
import org.anytls4j.api.outbound.Outbound;
import org.anytls4j.core.runtime.MicrometerMetrics;

/** An {@link InboundContext} whose route is one given outbound. */
public record TestInboundContext(String inboundTag, NettyResources netty, Outbound route, MeterRegistry meterRegistry)
        implements InboundContext {

    /** The defaults of {@code anytls4j.inbound.<type>} under {@code overrides}, as the host would apply them. */
    public static Config settings(String type, String overrides) {
        Config defaults = ConfigFactory.parseResources("anytls4j-inbounds.conf").resolve()
                .getConfig("anytls4j.inbound." + type);
        return ConfigFactory.parseString(overrides).withFallback(defaults).resolve();
    }

    @Override
    public Optional<Outbound> outbound(String tag) {
        return route.tag().equals(tag) ? Optional.of(route) : Optional.empty();
    }

    @Override
    public String pluginId() {
        return "core";
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
    public Metrics metrics() {
        return new MicrometerMetrics(meterRegistry);
    }

    @Override
    public String loggerName() {
        return "org.anytls4j.core.inbound";
    }
}
