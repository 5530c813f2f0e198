package org.anytls4j.core.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jar builder the plugin tests share: a suite builds thousands of jars, and none may leave its scratch behind. */
class TestPluginJarsTest {

    @Test
    void writesAJarWithItsDescriptorAndLeavesNoScratchDirectory(@TempDir Path dir) throws IOException {
        String id = "scratch-" + UUID.randomUUID();

        Path jar = TestPluginJars.policyPlugin(id, "scratch").writeTo(dir);

        try (JarFile file = new JarFile(jar.toFile())) {
            assertThat(file.getManifest().getMainAttributes().getValue("Plugin-Id")).isEqualTo(id);
            assertThat(file.getEntry("META-INF/extensions.idx")).isNotNull();
        }
        try (Stream<Path> temp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(temp.map(p -> p.getFileName().toString()))
                    .noneMatch(name -> name.startsWith("plugin-classes-" + id));
        }
    }
}
