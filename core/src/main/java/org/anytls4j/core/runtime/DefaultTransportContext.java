package org.anytls4j.core.runtime;

import static java.util.Objects.requireNonNull;

import org.anytls4j.api.NettyResources;
import org.anytls4j.api.PluginContext;
import org.anytls4j.api.outbound.TransportContext;

/** The context a transport gets for one outbound. Immutable and thread-safe. */
final class DefaultTransportContext extends ForwardingPluginContext implements TransportContext {
    private final String outboundTag;
    private final NettyResources netty;

    DefaultTransportContext(PluginContext plugin, String outboundTag, NettyResources netty) {
        super(plugin);
        this.outboundTag = requireNonNull(outboundTag, "outboundTag");
        this.netty = requireNonNull(netty, "netty");
    }

    @Override
    public String outboundTag() {
        return outboundTag;
    }

    @Override
    public NettyResources netty() {
        return netty;
    }
}
