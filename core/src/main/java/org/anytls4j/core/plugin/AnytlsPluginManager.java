package org.anytls4j.core.plugin;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.ZipException;
import org.anytls4j.api.ApiVersion;
import org.pf4j.BasePluginLoader;
import org.pf4j.CompoundPluginDescriptorFinder;
import org.pf4j.CompoundPluginLoader;
import org.pf4j.CompoundPluginRepository;
import org.pf4j.DefaultPluginClasspath;
import org.pf4j.DefaultPluginManager;
import org.pf4j.DefaultPluginRepository;
import org.pf4j.DevelopmentPluginClasspath;
import org.pf4j.JarPluginRepository;
import org.pf4j.ManifestPluginDescriptorFinder;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginClasspath;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginDescriptorFinder;
import org.pf4j.PluginLoader;
import org.pf4j.PluginManager;
import org.pf4j.PluginRepository;
import org.pf4j.PluginRuntimeException;
import org.pf4j.PluginWrapper;
import org.pf4j.PropertiesPluginDescriptorFinder;
import org.pf4j.RuntimeMode;
import org.pf4j.util.FileUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PF4J's plugin manager as the host needs it: the system version is the SPI version ({@link ApiVersion#API}) so
 * that {@code Plugin-Requires} is enforced, plugin class loaders share the host's packages
 * ({@link HostFirstPluginClassLoader}), and the two modes find plugins where anytls4j keeps them:
 * <ul>
 *   <li>{@link RuntimeMode#DEPLOYMENT}: every {@code *.jar} (descriptor in its manifest), {@code *.zip} and
 *       unpacked plugin directory ({@code classes/}, {@code lib/}) in the plugins directories;</li>
 *   <li>{@link RuntimeMode#DEVELOPMENT}: every module, up to two levels below a root (the source tree), whose
 *       build wrote {@code target/classes/META-INF/MANIFEST.MF} with a {@code Plugin-Id}; classes come from
 *       {@code target/classes} and {@code target/lib}.</li>
 * </ul>
 *
 * <h2>Threading and lifecycle</h2>
 * Not thread-safe: the launcher loads, starts and stops plugins from one thread ({@link PluginHost}).
 */
final class AnytlsPluginManager extends DefaultPluginManager {
    private static final Logger log = LoggerFactory.getLogger(AnytlsPluginManager.class);
    /** Where a reactor module's build writes the plugin descriptor, relative to the module. */
    static final String DEVELOPMENT_MANIFEST = "target/classes/META-INF/MANIFEST.MF";

    private final Map<String, String> refusals = new LinkedHashMap<>();

    AnytlsPluginManager(List<Path> roots, RuntimeMode mode) {
        super(List.copyOf(roots));
        this.runtimeMode = requireNonNull(mode, "mode");
        setSystemVersion(ApiVersion.API);
    }

    /** Plugin id to the reason it was refused (not started), for plugins whose requirements the host does not meet. */
    Map<String, String> refusals() {
        return Collections.unmodifiableMap(refusals);
    }

    @Override
    protected boolean isPluginValid(PluginWrapper plugin) {
        PluginDescriptor descriptor = plugin.getDescriptor();
        String requires = descriptor.getRequires() == null ? "*" : descriptor.getRequires().trim();
        String reason;
        if (requires.isEmpty() || "*".equals(requires)) {
            return true;
        } else if (!getVersionManager().checkVersionConstraint(getSystemVersion(), requires)) {
            reason = "requires api " + requires + ", host api is " + getSystemVersion();
        } else if (admitsAnOlderMajor(requires)) {
            // An open range such as ">=1.2.0" admits this host, but the plugin was built against an older major
            // version, whose removed members would fail at their first call: refuse it now, never half-load it.
            int major = Integer.parseInt(getSystemVersion().split("\\.")[0]);
            reason = "requires api " + requires + ", which admits API " + (major - 1) + ".x: built for an older"
                    + " major version; host api is " + getSystemVersion() + " (rebuild it against "
                    + major + ".x: docs/PLUGINS.md, \"Moving a plugin from 1.x to 2.0\")";
        } else {
            return true;
        }
        refusals.put(descriptor.getPluginId(), reason);
        log.warn("plugin '{}@{}' {}; not started", descriptor.getPluginId(), descriptor.getVersion(), reason);
        return false;
    }

    /**
     * Loads one plugin, and when it cannot be loaded says so once, at WARN, naming the file and why: PF4J logs an
     * ERROR with a stack trace for it (two for a file that is no plugin at all, the reason only in the first), which
     * {@code Logging}'s filter drops in the launcher. PF4J then goes on with the next file.
     */
    @Override
    protected PluginWrapper loadPluginFromPath(Path pluginPath) {
        try {
            return super.loadPluginFromPath(pluginPath);
        } catch (PluginRuntimeException e) {
            log.warn("{}: {}", pluginPath, whyNotLoaded(pluginPath, e));
            throw e;
        }
    }

    private String whyNotLoaded(Path pluginPath, PluginRuntimeException e) {
        String name = pluginPath.getFileName() == null ? "" : pluginPath.getFileName().toString();
        if (Files.isRegularFile(pluginPath) && (name.endsWith(".jar") || name.endsWith(".zip"))) {
            try (JarFile jar = new JarFile(pluginPath.toFile())) {
                Manifest manifest = jar.getManifest();
                String id = manifest == null ? null : manifest.getMainAttributes().getValue("Plugin-Id");
                if (id == null) {
                    return "not loaded, not a plugin: no Plugin-Id in its manifest";
                }
                PluginWrapper other = getPlugin(id);
                if (other != null) {
                    return "not loaded: plugin '" + id + "' is already loaded from " + other.getPluginPath();
                }
            } catch (ZipException zip) {
                return "not loaded, not a plugin: not a jar (" + zip.getMessage() + ")";
            } catch (IOException io) {
                return "not loaded: cannot be read (" + io.getMessage() + ")";
            }
        }
        return "not loaded: " + e.getMessage();
    }

    /** Whether {@code requires} is satisfied by the last version of the major version before the host's. */
    private boolean admitsAnOlderMajor(String requires) {
        int major = Integer.parseInt(getSystemVersion().split("\\.")[0]);
        return major > 0 && getVersionManager().checkVersionConstraint((major - 1) + ".999999.999999", requires);
    }

    @Override
    protected PluginDescriptorFinder createPluginDescriptorFinder() {
        return new CompoundPluginDescriptorFinder()
                .add(new PropertiesPluginDescriptorFinder())
                .add(new ModuleManifestDescriptorFinder());
    }

    // PF4J's compound repository and loader evaluate their conditions when built, inside the super constructor,
    // before this class knows its mode; these check the mode each time they are asked instead.
    @Override
    protected PluginRepository createPluginRepository() {
        PluginRepository development = new DevelopmentModulesRepository(getPluginsRoots());
        PluginRepository deployment = new CompoundPluginRepository()
                .add(new JarPluginRepository(getPluginsRoots()))
                .add(new DefaultPluginRepository(getPluginsRoots()));
        return new PluginRepository() {
            @Override
            public List<Path> getPluginPaths() {
                return (isDevelopment() ? development : deployment).getPluginPaths();
            }

            @Override
            public boolean deletePluginPath(Path pluginPath) {
                return (isDevelopment() ? development : deployment).deletePluginPath(pluginPath);
            }
        };
    }

    @Override
    protected PluginLoader createPluginLoader() {
        return new CompoundPluginLoader()
                .add(new DirectoryLoader(this, new DevelopmentPluginClasspath(), true))
                .add(new JarLoader(this))
                .add(new DirectoryLoader(this, new DefaultPluginClasspath(), false));
    }

    /** Reads the manifest a reactor module's build wrote, else falls back to PF4J's search for one. */
    private static final class ModuleManifestDescriptorFinder extends ManifestPluginDescriptorFinder {
        @Override
        protected Manifest readManifestFromDirectory(Path pluginPath) {
            Path module = pluginPath.resolve(DEVELOPMENT_MANIFEST);
            if (!Files.isRegularFile(module)) {
                return super.readManifestFromDirectory(pluginPath);
            }
            try (var in = Files.newInputStream(module)) {
                return new Manifest(in);
            } catch (IOException e) {
                throw new PluginRuntimeException(e, "Cannot read '{}'", module);
            }
        }
    }

    /** Lists the plugin modules of a source tree: directories up to two levels below each root. */
    static final class DevelopmentModulesRepository implements PluginRepository {
        private final List<Path> roots;

        DevelopmentModulesRepository(List<Path> roots) {
            this.roots = List.copyOf(roots);
        }

        @Override
        public List<Path> getPluginPaths() {
            List<Path> modules = new ArrayList<>();
            for (Path root : roots) {
                if (!Files.isDirectory(root)) {
                    continue;
                }
                try (Stream<Path> paths = Files.walk(root, 2)) {
                    paths.filter(dir -> !dir.equals(root) && isPluginModule(dir)).sorted().forEach(modules::add);
                } catch (IOException e) {
                    throw new PluginRuntimeException(e, "Cannot list plugin modules under '{}'", root);
                }
            }
            return modules;
        }

        private static boolean isPluginModule(Path dir) {
            Path manifest = dir.resolve(DEVELOPMENT_MANIFEST);
            if (!Files.isRegularFile(manifest)) {
                return false;
            }
            try (var in = Files.newInputStream(manifest)) {
                return new Manifest(in).getMainAttributes().getValue(ManifestPluginDescriptorFinder.PLUGIN_ID) != null;
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public boolean deletePluginPath(Path pluginPath) {
            return false; // never delete a module of the source tree
        }
    }

    /** Loads an unpacked plugin directory (deployment) or a module (development) with the host-first loader. */
    private static final class DirectoryLoader extends BasePluginLoader {
        private final boolean development;

        DirectoryLoader(PluginManager manager, PluginClasspath classpath, boolean development) {
            super(manager, classpath);
            this.development = development;
        }

        @Override
        public boolean isApplicable(Path pluginPath) {
            return pluginManager.isDevelopment() == development && super.isApplicable(pluginPath);
        }

        @Override
        protected PluginClassLoader createPluginClassLoader(Path pluginPath, PluginDescriptor descriptor) {
            return new HostFirstPluginClassLoader(pluginManager, descriptor, getClass().getClassLoader());
        }
    }

    /** Loads a plugin jar with the host-first loader. */
    private static final class JarLoader implements PluginLoader {
        private final PluginManager manager;

        JarLoader(PluginManager manager) {
            this.manager = manager;
        }

        @Override
        public boolean isApplicable(Path pluginPath) {
            return manager.isNotDevelopment() && Files.exists(pluginPath) && FileUtils.isJarFile(pluginPath);
        }

        @Override
        public ClassLoader loadPlugin(Path pluginPath, PluginDescriptor descriptor) {
            var loader = new HostFirstPluginClassLoader(manager, descriptor, getClass().getClassLoader());
            loader.addFile(pluginPath.toFile());
            return loader;
        }
    }
}
