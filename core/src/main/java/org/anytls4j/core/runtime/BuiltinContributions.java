package org.anytls4j.core.runtime;

import java.util.List;
import org.anytls4j.api.AnytlsPlugin;
import org.anytls4j.api.Tool;
import org.anytls4j.api.inbound.InboundFactory;
import org.anytls4j.api.monitor.SessionMonitorFactory;
import org.anytls4j.api.outbound.TransportFactory;
import org.anytls4j.api.pool.PoolPolicyFactory;
import org.anytls4j.core.inbound.ProxyInboundFactory;

/**
 * What the host itself contributes, registered by the launcher as plugin {@code core} (it is not a PF4J extension:
 * it is on the host's class path). Its names share the namespaces of plugin contributions, so a plugin that
 * contributes a name the host already has fails start-up naming {@code core}. Unlike a plugin, {@code core} may
 * contribute nothing. The built-in {@code direct} outbound is not listed here: it is not a pooled transport.
 *
 * <h2>Threading and lifecycle</h2>
 * Stateless; the lists are read once at start-up.
 */
public final class BuiltinContributions implements AnytlsPlugin {
    @Override
    public List<TransportFactory> transports() {
        return List.of();
    }

    @Override
    public List<InboundFactory> inbounds() {
        return ProxyInboundFactory.all();
    }

    @Override
    public List<PoolPolicyFactory> poolPolicies() {
        return List.of();
    }

    @Override
    public List<SessionMonitorFactory> sessionMonitors() {
        return List.of();
    }

    @Override
    public List<Tool> tools() {
        return List.of();
    }
}
