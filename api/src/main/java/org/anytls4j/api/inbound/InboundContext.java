package org.anytls4j.api.inbound;

import java.util.Optional;
import io.micrometer.core.instrument.MeterRegistry;
import org.anytls4j.api.NettyResources;
import org.anytls4j.api.PluginContext;
import org.anytls4j.api.Stable;
import org.anytls4j.api.outbound.Outbound;

/** What an inbound needs beyond the plugin context. */
@Stable
public interface InboundContext extends PluginContext {
    /** The inbound's tag; put it on every log line as {@code inbound=<tag>}. */
    String inboundTag();

    NettyResources netty();

    /**
     * The host's Micrometer registry, for a transport's or inbound's meters (prefixed with {@code anytls4j.}); it was
     * {@code PluginContext.meterRegistry()} in API 1.2. {@link #metrics()} works too.
     *
     * @since 2.0.0
     */
    MeterRegistry meterRegistry();

    /**
     * Where this inbound's streams go: the outbound named by its {@code outbound} key, else the first configured
     * outbound, else a direct connection.
     */
    Outbound route();

    /** The configured outbound with this tag, if any. */
    Optional<Outbound> outbound(String tag);
}
