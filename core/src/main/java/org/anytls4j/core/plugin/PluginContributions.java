package org.anytls4j.core.plugin;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.anytls4j.api.AnytlsPlugin;
import org.anytls4j.api.ConfigImporter;
import org.anytls4j.api.Tool;
import org.anytls4j.api.inbound.InboundFactory;
import org.anytls4j.api.monitor.SessionMonitorFactory;
import org.anytls4j.api.outbound.TransportFactory;
import org.anytls4j.api.pool.PoolPolicyFactory;

/**
 * Everything the installed plugins contribute, by kind and name, and which plugin contributed what. Built once at
 * start-up by {@link #of}, which enforces the two rules of the plugin contract: a started plugin contributes
 * something, and a name is contributed only once per kind.
 *
 * <h2>Threading and ownership</h2>
 * Immutable and thread-safe. The factories belong to their plugins; this only indexes them.
 */
public final class PluginContributions {
    /** The plugin id of the host's own contributions. */
    public static final String CORE_PLUGIN_ID = "core";

    private final List<InstalledPlugin> plugins;
    private final Map<ContributionKind<?>, Map<String, Object>> byKind;
    private final Map<Object, String> pluginOf;

    private PluginContributions(List<InstalledPlugin> plugins, Map<ContributionKind<?>, Map<String, Object>> byKind,
                                Map<Object, String> pluginOf) {
        this.plugins = List.copyOf(plugins);
        this.byKind = byKind;
        this.pluginOf = pluginOf;
    }

    /**
     * Indexes what the started plugins contribute.
     *
     * @param plugins every installed plugin, the host's {@code core} first; only started ones are indexed
     * @throws PluginSetupException naming every started plugin (except {@code core}) that contributes nothing and
     *     every name contributed twice with both plugin ids
     */
    public static PluginContributions of(List<InstalledPlugin> plugins) {
        List<String> problems = new ArrayList<>();
        Map<ContributionKind<?>, Map<String, Object>> byKind = new LinkedHashMap<>();
        Map<ContributionKind<?>, Map<String, String>> owners = new LinkedHashMap<>();
        Map<Object, String> pluginOf = new IdentityHashMap<>();
        for (ContributionKind<?> kind : ContributionKind.ALL) {
            byKind.put(kind, new TreeMap<>());
            owners.put(kind, new TreeMap<>());
        }
        for (InstalledPlugin plugin : plugins) {
            if (plugin.status() != PluginStatus.STARTED) {
                continue;
            }
            boolean contributes = false;
            for (AnytlsPlugin extension : plugin.extensions()) {
                for (ContributionKind<?> kind : ContributionKind.ALL) {
                    for (Object contribution : kind.listOf(extension)) {
                        contributes = true;
                        String name = kind.nameOf(contribution);
                        String owner = owners.get(kind).putIfAbsent(name, plugin.id());
                        if (owner != null) {
                            problems.add(kind.label() + " '" + name + "' is contributed by both plugin '" + owner
                                    + "' and plugin '" + plugin.id() + "'");
                            continue;
                        }
                        byKind.get(kind).put(name, contribution);
                        pluginOf.put(contribution, plugin.id());
                    }
                }
            }
            if (!contributes && !CORE_PLUGIN_ID.equals(plugin.id())) {
                problems.add("plugin '" + plugin.label() + "' contributes nothing: "
                        + (plugin.extensions().isEmpty()
                        ? "it has no @Extension implementing " + AnytlsPlugin.class.getName()
                        + " (was PF4J's annotation processor run?)"
                        : "its extensions return only empty lists"));
            }
        }
        if (!problems.isEmpty()) {
            throw new PluginSetupException(problems);
        }
        byKind.replaceAll((kind, names) -> Collections.unmodifiableMap(names));
        return new PluginContributions(plugins, Collections.unmodifiableMap(byKind), pluginOf);
    }

    /** Every installed plugin, started or not, {@code core} first. */
    public List<InstalledPlugin> plugins() {
        return plugins;
    }

    /** The contributions of one kind, by name, sorted. */
    @SuppressWarnings("unchecked")
    public <T> Map<String, T> byName(ContributionKind<T> kind) {
        return (Map<String, T>) byKind.get(kind);
    }

    public Map<String, TransportFactory> transports() {
        return byName(ContributionKind.TRANSPORT);
    }

    public Map<String, InboundFactory> inbounds() {
        return byName(ContributionKind.INBOUND);
    }

    public Map<String, PoolPolicyFactory> poolPolicies() {
        return byName(ContributionKind.POOL_POLICY);
    }

    public Map<String, SessionMonitorFactory> sessionMonitors() {
        return byName(ContributionKind.SESSION_MONITOR);
    }

    public Map<String, Tool> tools() {
        return byName(ContributionKind.TOOL);
    }

    /** The importers of other products' configurations, by format ({@code mihomo}). */
    public Map<String, ConfigImporter> importers() {
        return byName(ContributionKind.IMPORTER);
    }

    /** The id of the plugin that contributed {@code contribution} (by identity), if it is one of the indexed ones. */
    public Optional<String> pluginIdOf(Object contribution) {
        return Optional.ofNullable(pluginOf.get(contribution));
    }

    /** The installed plugin with this id. */
    public Optional<InstalledPlugin> plugin(String id) {
        return plugins.stream().filter(p -> p.id().equals(id)).findFirst();
    }

    /**
     * The defaults of the host and every started plugin, merged (earlier plugins win on a clash, which the
     * reference paths per contribution name make rare); unresolved.
     */
    public Config reference() {
        Config merged = ConfigFactory.empty();
        for (InstalledPlugin plugin : plugins) {
            if (plugin.status() == PluginStatus.STARTED) {
                merged = merged.withFallback(plugin.reference());
            }
        }
        return merged;
    }
}
