package org.anytls4j.core.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pf4j.RuntimeMode;

class PluginLocationTest {
    @TempDir
    Path dir;

    private Path sourceTree() throws IOException {
        Files.createDirectories(dir.resolve("api/src/main/java/org/anytls4j/api"));
        Files.writeString(dir.resolve("api/src/main/java/org/anytls4j/api/AnytlsPlugin.java"), "");
        Files.writeString(dir.resolve("pom.xml"), "");
        return dir;
    }

    @Test
    void anExplicitPluginsDirectoryWinsOverEverything() throws IOException {
        Path tree = sourceTree();
        PluginLocation location = PluginLocation.resolve(Optional.of(Path.of("/opt/plugins")),
                Map.of("pf4j.pluginsDir", "/elsewhere", "anytls4j.home", "/opt/anytls4j"), Map.of(), tree);

        assertThat(location).isEqualTo(PluginLocation.deployment(Path.of("/opt/plugins")));
    }

    @Test
    void thePf4jPropertyComesNextThenTheInstallationDirectory() {
        assertThat(PluginLocation.resolve(Optional.empty(), Map.of("pf4j.pluginsDir", "/p"), Map.of(), dir))
                .isEqualTo(PluginLocation.deployment(Path.of("/p")));
        assertThat(PluginLocation.resolve(Optional.empty(), Map.of(), Map.of("ANYTLS4J_HOME", "/opt/a"), dir))
                .isEqualTo(PluginLocation.deployment(Path.of("/opt/a/plugins")));
    }

    @Test
    void runningFromTheSourceTreeUsesDevelopmentModeOverItsModules() throws IOException {
        Path tree = sourceTree();
        Path module = Files.createDirectories(tree.resolve("core"));

        PluginLocation location = PluginLocation.resolve(Optional.empty(), Map.of(), Map.of(), module);

        assertThat(location.mode()).isEqualTo(RuntimeMode.DEVELOPMENT);
        assertThat(location.roots()).containsExactly(tree);
    }

    @Test
    void elsewhereThePluginsDirectoryOfTheWorkingDirectoryIsUsed() {
        assertThat(PluginLocation.resolve(Optional.empty(), Map.of(), Map.of(), dir))
                .isEqualTo(PluginLocation.deployment(dir.resolve("plugins")));
        assertThat(PluginLocation.resolve(Optional.empty(), Map.of("pf4j.mode", "development"), Map.of(), dir))
                .isEqualTo(PluginLocation.development(dir));
    }
}
