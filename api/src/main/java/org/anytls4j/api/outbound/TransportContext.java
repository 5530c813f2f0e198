package org.anytls4j.api.outbound;

import org.anytls4j.api.NettyResources;
import org.anytls4j.api.PluginContext;
import org.anytls4j.api.Stable;

/** What a transport needs beyond the plugin context: which outbound it serves and the host's event loops. */
@Stable
public interface TransportContext extends PluginContext {
    /** The tag of the outbound this connector serves; put it on every log line as {@code outbound=<tag>}. */
    String outboundTag();

    NettyResources netty();
}
