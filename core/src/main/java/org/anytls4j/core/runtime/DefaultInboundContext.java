package org.anytls4j.core.runtime;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.Optional;
import org.anytls4j.api.NettyResources;
import org.anytls4j.api.PluginContext;
import org.anytls4j.api.inbound.InboundContext;
import org.anytls4j.api.outbound.Outbound;

/** The context an inbound gets: its route and the configured outbounds. Immutable and thread-safe. */
final class DefaultInboundContext extends ForwardingPluginContext implements InboundContext {
    private final String inboundTag;
    private final NettyResources netty;
    private final Outbound route;
    private final Map<String, Outbound> outbounds;

    DefaultInboundContext(PluginContext plugin, String inboundTag, NettyResources netty, Outbound route,
                          Map<String, Outbound> outbounds) {
        super(plugin);
        this.inboundTag = requireNonNull(inboundTag, "inboundTag");
        this.netty = requireNonNull(netty, "netty");
        this.route = requireNonNull(route, "route");
        this.outbounds = Map.copyOf(outbounds);
    }

    @Override
    public String inboundTag() {
        return inboundTag;
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
        return Optional.ofNullable(outbounds.get(tag));
    }
}
