package org.anytls4j.api.outbound;

import io.micrometer.core.instrument.MeterRegistry;
import org.anytls4j.api.NettyResources;
import org.anytls4j.api.PluginContext;
import org.anytls4j.api.Stable;

/** What a transport needs beyond the plugin context: which outbound it serves and the host's event loops. */
@Stable
public interface TransportContext extends PluginContext {
    /** The tag of the outbound this connector serves; put it on every log line as {@code outbound=<tag>}. */
    String outboundTag();

    NettyResources netty();

    /**
     * The host's Micrometer registry, for a transport's or inbound's meters (prefixed with {@code anytls4j.}); it was
     * {@code PluginContext.meterRegistry()} in API 1.2. {@link #metrics()} works too.
     *
     * @since 2.0.0
     */
    MeterRegistry meterRegistry();
}
