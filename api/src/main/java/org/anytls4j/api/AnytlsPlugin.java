package org.anytls4j.api;

import java.util.List;
import org.anytls4j.api.inbound.InboundFactory;
import org.anytls4j.api.monitor.SessionMonitorFactory;
import org.anytls4j.api.outbound.TransportFactory;
import org.anytls4j.api.pool.PoolPolicyFactory;
import org.pf4j.ExtensionPoint;

/**
 * The single entry point of a plugin: a PF4J extension that lists what the plugin contributes. Annotate the
 * implementation with {@code @org.pf4j.Extension}; PF4J's annotation processor writes the index that the
 * host reads.
 *
 * <p>Every method defaults to "nothing", so a new kind of contribution never breaks an older plugin. A plugin
 * whose extensions contribute nothing at all is refused at start-up: it is almost always a packaging mistake.
 *
 * <p>Each factory has a {@code name()} that operators write in the configuration. A name must be unique
 * within its kind across all installed plugins; a duplicate fails start-up naming both plugins.
 *
 * <h2>Threading and lifecycle</h2>
 * The host calls these methods once, on one thread, after the plugin started and before any factory is used.
 */
@Stable
public interface AnytlsPlugin extends ExtensionPoint {
    /** Outbound transports: clients that connect sessions to a server (type {@code anytls}, ...). */
    default List<TransportFactory> transports() {
        return List.of();
    }

    /** Inbounds: listeners that accept connections (the AnyTLS server, ...). */
    default List<InboundFactory> inbounds() {
        return List.of();
    }

    /** Session pool policies ({@code min_idle}, {@code ensure_idle}, ...). */
    default List<PoolPolicyFactory> poolPolicies() {
        return List.of();
    }

    /** Session monitors attached to every new session ({@code heartbeat}, ...). */
    default List<SessionMonitorFactory> sessionMonitors() {
        return List.of();
    }

    /** Command-line tools added to the launcher ({@code anytls4j <name> ...}). */
    @Experimental
    default List<Tool> tools() {
        return List.of();
    }

    /**
     * Importers of other products' configurations ({@code anytls4j import <format> ...}), e.g. {@code mihomo}.
     *
     * @since 2.0.0
     */
    @Experimental
    default List<ConfigImporter> importers() {
        return List.of();
    }
}
