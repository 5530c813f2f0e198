package org.anytls4j.core.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.pf4j.PropertiesPluginDescriptorFinder;

/**
 * The plugin.properties finder is asked only about jars that have that file (issue 12: PF4J's own opened every
 * plugin jar as a zip file system to find out, ~25 classes and a central directory read per jar at each start, and
 * every plugin of the distribution is described by its manifest). What it answers for directories and zip files,
 * and how it reads a jar that has the file, stay PF4J's.
 */
@Timeout(60)
class PropertiesFileFinderTest {
    @TempDir
    Path dir;

    private final AnytlsPluginManager.PropertiesFileFinder finder = new AnytlsPluginManager.PropertiesFileFinder();

    @Test
    void aJarDescribedByItsManifestIsNotForThePropertiesFinder() {
        Path jar = TestPluginJars.policyPlugin("pool-sample", "sample").writeTo(dir);

        assertThat(new PropertiesPluginDescriptorFinder().isApplicable(jar)).as("PF4J's finder").isTrue();
        assertThat(finder.isApplicable(jar)).isFalse();
    }

    @Test
    void aJarWithPluginPropertiesIsReadAsPf4jReadsIt() {
        Path jar = TestPluginJars.policyPlugin("pool-sample", "sample").resource("plugin.properties", """
                plugin.id=from-properties
                plugin.version=1.2.3
                """).writeTo(dir);

        assertThat(finder.isApplicable(jar)).isTrue();
        assertThat(finder.find(jar).getPluginId()).isEqualTo("from-properties");
        assertThat(finder.find(jar).getVersion()).isEqualTo("1.2.3");
    }

    @Test
    void directoriesAndOtherPathsGetPf4jsAnswer() throws Exception {
        Path directory = Files.createDirectories(dir.resolve("unpacked-plugin"));
        Path missing = dir.resolve("missing.jar");
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a plugin");

        for (Path path : new Path[] {directory, missing, text}) {
            assertThat(finder.isApplicable(path)).as(path.toString())
                    .isEqualTo(new PropertiesPluginDescriptorFinder().isApplicable(path));
        }
    }
}
