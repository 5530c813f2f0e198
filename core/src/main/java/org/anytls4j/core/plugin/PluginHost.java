package org.anytls4j.core.plugin;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.anytls4j.api.AnytlsPlugin;
import org.anytls4j.api.ApiVersion;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads and starts the plugins of a {@link PluginLocation} with PF4J, adds the host's own contributions as plugin
 * {@code core}, and indexes everything into {@link PluginContributions}.
 *
 * <p>A plugin whose {@code Plugin-Requires} the host's API does not meet is refused with a WARN and the host starts
 * without it; so is one that fails to start. A started plugin that contributes nothing, or a name contributed twice,
 * stops start-up ({@link PluginSetupException}). Each started plugin gets one INFO line:
 * {@code plugin 'pool-min-idle@0.1.0' started: pool-policy [min_idle]}.
 *
 * <h2>Threading and lifecycle</h2>
 * Created and closed by the launcher on one thread. {@link #close()} stops and unloads the plugins; factories must
 * not be used afterwards. {@link #stop()} only stops them.
 */
public final class PluginHost implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PluginHost.class);

    private final AnytlsPluginManager manager;
    private final PluginContributions contributions;

    /** Guarded by the class: {@link #hostReference()}. */
    private static Config hostReference;

    private PluginHost(AnytlsPluginManager manager, PluginContributions contributions) {
        this.manager = manager;
        this.contributions = contributions;
    }

    /**
     * Loads and starts the plugins.
     *
     * @param location where the plugins are
     * @param builtin  the host's own contributions, registered as plugin {@code core}
     * @throws PluginSetupException when the plugins cannot be used together (they are stopped again)
     */
    public static PluginHost start(PluginLocation location, AnytlsPlugin builtin) {
        requireNonNull(location, "location");
        requireNonNull(builtin, "builtin");
        log.debug("loading plugins: {}", location);
        AnytlsPluginManager manager = new AnytlsPluginManager(location.roots(), location.mode());
        manager.loadPlugins();
        manager.startPlugins();

        List<InstalledPlugin> installed = new ArrayList<>();
        ClassLoader hostLoader = PluginHost.class.getClassLoader();
        installed.add(new InstalledPlugin(PluginContributions.CORE_PLUGIN_ID, ApiVersion.PRODUCT,
                "the host's built-in inbounds and outbounds", PluginStatus.STARTED, "", hostLoader,
                hostReference(), List.of(builtin)));
        List<PluginWrapper> wrappers = new ArrayList<>(manager.getPlugins());
        wrappers.sort((a, b) -> a.getPluginId().compareTo(b.getPluginId()));
        for (PluginWrapper wrapper : wrappers) {
            installed.add(describe(manager, wrapper));
        }
        PluginContributions contributions;
        try {
            contributions = PluginContributions.of(installed);
        } catch (RuntimeException e) {
            manager.stopPlugins();
            manager.unloadPlugins();
            throw e;
        }
        for (InstalledPlugin plugin : installed) {
            if (plugin.status() == PluginStatus.STARTED) {
                log.info("plugin '{}' started: {}", plugin.label(), plugin.contributionsText());
            }
        }
        return new PluginHost(manager, contributions);
    }

    private static InstalledPlugin describe(AnytlsPluginManager manager, PluginWrapper wrapper) {
        String id = wrapper.getPluginId();
        String version = wrapper.getDescriptor().getVersion();
        String description = wrapper.getDescriptor().getPluginDescription();
        description = description == null ? "" : description;
        ClassLoader loader = wrapper.getPluginClassLoader();
        PluginState state = wrapper.getPluginState();
        String refusal = manager.refusals().get(id);
        if (refusal != null) {
            return new InstalledPlugin(id, version, description, PluginStatus.REFUSED, refusal, loader,
                    ConfigFactory.empty(), List.of());
        }
        if (state == PluginState.DISABLED) {
            return new InstalledPlugin(id, version, description, PluginStatus.DISABLED, "disabled by the operator",
                    loader, ConfigFactory.empty(), List.of());
        }
        if (state != PluginState.STARTED) {
            Throwable cause = wrapper.getFailedException();
            String problem = "did not start (" + state + ")" + (cause == null ? "" : ": "
                    + org.anytls4j.core.config.ConfigProblem.reason(cause));
            log.warn("plugin '{}@{}' {}; not started", id, version, problem);
            return new InstalledPlugin(id, version, description, PluginStatus.FAILED, problem, loader,
                    ConfigFactory.empty(), List.of());
        }
        List<AnytlsPlugin> extensions;
        Config reference;
        try {
            extensions = manager.getExtensions(AnytlsPlugin.class, id);
            reference = ownReference(loader);
        } catch (RuntimeException | LinkageError e) {
            log.warn("plugin '{}@{}' failed to load its extensions or defaults: {}; not started", id, version, e);
            manager.stopPlugin(id);
            return new InstalledPlugin(id, version, description, PluginStatus.FAILED, e.toString(), loader,
                    ConfigFactory.empty(), List.of());
        }
        return new InstalledPlugin(id, version, description, PluginStatus.STARTED, "", loader, reference,
                extensions);
    }

    /**
     * The host's own {@code reference.conf} files (core's, through the class loader of this class), parsed once per
     * process: they do not change while it runs, and the start-up warm-up parses them on another thread while the
     * main thread initialises logging, so that {@link #start} finds them parsed (issue 12). A caller that comes while
     * another one parses waits for that parse.
     *
     * @throws com.typesafe.config.ConfigException when they cannot be parsed (the next call tries again)
     */
    public static synchronized Config hostReference() {
        if (hostReference == null) {
            hostReference = ConfigFactory.parseResources(PluginHost.class.getClassLoader(), "reference.conf");
        }
        return hostReference;
    }

    /** The plugin's own {@code reference.conf} files (not the host's), read through its class loader. */
    static Config ownReference(ClassLoader pluginLoader) {
        Config reference = ConfigFactory.empty();
        if (!(pluginLoader instanceof URLClassLoader urls)) {
            return reference;
        }
        PluginResourceIncluder includer = new PluginResourceIncluder(urls);
        try {
            for (URL url : Collections.list(urls.findResources("reference.conf"))) {
                reference = reference.withFallback(includer.parse(url));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return reference;
    }

    public PluginContributions contributions() {
        return contributions;
    }

    /** The API range plugin {@code pluginId} declares (its {@code Plugin-Requires}); empty for core or an unknown id. */
    public Optional<String> requires(String pluginId) {
        PluginWrapper wrapper = manager.getPlugin(pluginId);
        return wrapper == null ? Optional.empty() : Optional.ofNullable(wrapper.getDescriptor().getRequires());
    }

    /**
     * Stops every plugin and leaves them loaded: their class loaders stay open and their classes in memory until
     * {@link #close()}. Idempotent.
     */
    public void stop() {
        manager.stopPlugins();
    }

    /** Stops and unloads every plugin. Idempotent. */
    @Override
    public void close() {
        manager.stopPlugins();
        manager.unloadPlugins();
    }
}
