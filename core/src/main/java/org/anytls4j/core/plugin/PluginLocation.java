package org.anytls4j.core.plugin;

import static java.util.Objects.requireNonNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pf4j.RuntimeMode;

/**
 * Where the host looks for plugins and how.
 *
 * @param mode  {@link RuntimeMode#DEPLOYMENT}: plugin jars, zips and directories in {@code roots};
 *              {@link RuntimeMode#DEVELOPMENT}: the plugin modules of the source trees in {@code roots}
 * @param roots directories; a missing one holds no plugins
 */
public record PluginLocation(RuntimeMode mode, List<Path> roots) {
    /** The system property that selects PF4J's mode ({@code development} or {@code deployment}). */
    public static final String MODE_PROPERTY = "pf4j.mode";
    /** The system property that names the plugins directory. */
    public static final String DIR_PROPERTY = "pf4j.pluginsDir";
    /** The installation directory, set by {@code bin/anytls4j}; plugins are in its {@code plugins/}. */
    public static final String HOME_PROPERTY = "anytls4j.home";
    public static final String HOME_ENV = "ANYTLS4J_HOME";

    public PluginLocation {
        requireNonNull(mode, "mode");
        roots = List.copyOf(roots);
    }

    public static PluginLocation deployment(Path pluginsDir) {
        return new PluginLocation(RuntimeMode.DEPLOYMENT, List.of(pluginsDir));
    }

    public static PluginLocation development(Path sourceTree) {
        return new PluginLocation(RuntimeMode.DEVELOPMENT, List.of(sourceTree));
    }

    /**
     * Decides where plugins are, first match wins: an explicit {@code --plugins-dir}; {@code -Dpf4j.pluginsDir}
     * (in development mode when {@code -Dpf4j.mode=development}); {@code $ANYTLS4J_HOME/plugins} or
     * {@code -Danytls4j.home}; development mode over the source tree containing {@code workingDir} when run from
     * one (or asked for with {@code -Dpf4j.mode=development}); else {@code ./plugins}.
     */
    public static PluginLocation resolve(Optional<Path> pluginsDir, Map<String, String> systemProperties,
                                         Map<String, String> environment, Path workingDir) {
        boolean development = "development".equalsIgnoreCase(systemProperties.get(MODE_PROPERTY));
        if (pluginsDir.isPresent()) {
            return deployment(pluginsDir.get());
        }
        String dir = systemProperties.get(DIR_PROPERTY);
        if (dir != null) {
            return new PluginLocation(development ? RuntimeMode.DEVELOPMENT : RuntimeMode.DEPLOYMENT,
                    List.of(Path.of(dir)));
        }
        String home = systemProperties.getOrDefault(HOME_PROPERTY, environment.get(HOME_ENV));
        if (home != null && !development) {
            return deployment(Path.of(home, "plugins"));
        }
        Optional<Path> tree = sourceTreeAbove(workingDir.toAbsolutePath());
        if (tree.isPresent()) {
            return development(tree.get());
        }
        return development ? development(workingDir) : deployment(workingDir.resolve("plugins"));
    }

    /** The nearest directory at or above {@code dir} that is the anytls4j source tree. */
    static Optional<Path> sourceTreeAbove(Path dir) {
        for (Path candidate = dir; candidate != null; candidate = candidate.getParent()) {
            if (Files.isRegularFile(candidate.resolve("api/src/main/java/org/anytls4j/api/AnytlsPlugin.java"))
                    && Files.isRegularFile(candidate.resolve("pom.xml"))) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return mode.toString() + " " + roots;
    }
}
