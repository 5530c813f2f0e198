package org.anytls4j.core.inject;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import java.util.Map;
import org.anytls4j.api.ConfigImporter;
import org.anytls4j.api.Tool;
import org.anytls4j.api.inbound.InboundFactory;
import org.anytls4j.api.monitor.SessionMonitorFactory;
import org.anytls4j.api.outbound.TransportFactory;
import org.anytls4j.api.pool.PoolPolicyFactory;
import org.anytls4j.core.plugin.PluginContributions;

/**
 * Binds what the plugins contribute in maps keyed by name: {@code Map<String, TransportFactory>} ({@code anytls}),
 * {@code Map<String, InboundFactory>}, {@code Map<String, PoolPolicyFactory>} ({@code min_idle}, ...),
 * {@code Map<String, SessionMonitorFactory>} ({@code heartbeat}), {@code Map<String, Tool>} and
 * {@code Map<String, ConfigImporter>} ({@code mihomo}). PF4J runs first;
 * {@link PluginContributions} has already refused a name contributed twice (naming both plugins), and
 * {@link MapBinder} would refuse it again at injector creation.
 *
 * <h2>Lifecycle</h2>
 * Only binds; creates nothing.
 */
public final class PluginContributionsModule extends AbstractModule {
    private final PluginContributions contributions;

    public PluginContributionsModule(PluginContributions contributions) {
        this.contributions = requireNonNull(contributions, "contributions");
    }

    @Override
    protected void configure() {
        bind(PluginContributions.class).toInstance(contributions);
        bindAll(TransportFactory.class, contributions.transports());
        bindAll(InboundFactory.class, contributions.inbounds());
        bindAll(PoolPolicyFactory.class, contributions.poolPolicies());
        bindAll(SessionMonitorFactory.class, contributions.sessionMonitors());
        bindAll(Tool.class, contributions.tools());
        bindAll(ConfigImporter.class, contributions.importers());
    }

    private <T> void bindAll(Class<T> type, Map<String, T> byName) {
        MapBinder<String, T> binder = MapBinder.newMapBinder(binder(), String.class, type);
        byName.forEach((name, contribution) -> binder.addBinding(name).toInstance(contribution));
    }
}
