package org.anytls4j.core.plugin;

import java.util.List;
import java.util.function.Function;
import org.anytls4j.api.AnytlsPlugin;
import org.anytls4j.api.ConfigImporter;
import org.anytls4j.api.Tool;
import org.anytls4j.api.inbound.InboundFactory;
import org.anytls4j.api.monitor.SessionMonitorFactory;
import org.anytls4j.api.outbound.TransportFactory;
import org.anytls4j.api.pool.PoolPolicyFactory;

/**
 * One kind of thing a plugin contributes, with how to list it from an {@link AnytlsPlugin} and the name operators
 * use for it. Names are unique within a kind across all installed plugins.
 *
 * @param label the word used in log lines and in {@code anytls4j plugins}, e.g. {@code pool-policy}
 * @param <T>   the factory type
 */
public record ContributionKind<T>(String label, Class<T> type, Function<AnytlsPlugin, List<T>> lister,
                                  Function<T, String> namer) {
    public static final ContributionKind<TransportFactory> TRANSPORT = new ContributionKind<>(
            "transport", TransportFactory.class, AnytlsPlugin::transports, TransportFactory::type);
    public static final ContributionKind<InboundFactory> INBOUND = new ContributionKind<>(
            "inbound", InboundFactory.class, AnytlsPlugin::inbounds, InboundFactory::type);
    public static final ContributionKind<PoolPolicyFactory> POOL_POLICY = new ContributionKind<>(
            "pool-policy", PoolPolicyFactory.class, AnytlsPlugin::poolPolicies, PoolPolicyFactory::name);
    public static final ContributionKind<SessionMonitorFactory> SESSION_MONITOR = new ContributionKind<>(
            "session-monitor", SessionMonitorFactory.class, AnytlsPlugin::sessionMonitors, SessionMonitorFactory::name);
    public static final ContributionKind<Tool> TOOL = new ContributionKind<>(
            "tool", Tool.class, AnytlsPlugin::tools, Tool::name);
    public static final ContributionKind<ConfigImporter> IMPORTER = new ContributionKind<>(
            "importer", ConfigImporter.class, AnytlsPlugin::importers, ConfigImporter::format);

    /** Every kind, in the order they are listed to operators. */
    public static final List<ContributionKind<?>> ALL =
            List.of(TRANSPORT, INBOUND, POOL_POLICY, SESSION_MONITOR, TOOL, IMPORTER);

    /** What {@code plugin} contributes of this kind; an extension that returns null contributes nothing. */
    List<T> listOf(AnytlsPlugin plugin) {
        List<T> items = lister.apply(plugin);
        return items == null ? List.of() : items;
    }

    String nameOf(Object contribution) {
        return namer.apply(type.cast(contribution));
    }

    @Override
    public String toString() {
        return label;
    }
}
