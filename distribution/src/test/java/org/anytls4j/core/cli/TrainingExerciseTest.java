package org.anytls4j.core.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.Guice;
import com.google.inject.Stage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.anytls4j.core.config.InvalidConfigException;
import org.anytls4j.core.inject.HostModule;
import org.anytls4j.core.inject.PluginContributionsModule;
import org.anytls4j.core.plugin.PluginHost;
import org.anytls4j.core.plugin.PluginLocation;
import org.anytls4j.core.runtime.BuiltinContributions;
import org.anytls4j.core.runtime.Host;
import org.anytls4j.distribution.Distribution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connections the archive-writing check makes ({@link TrainingExercise}), with the distribution's plugins: every
 * kind of request goes through and back, and nothing is left running or on disk; without the anytls transport it
 * fails, also leaving nothing; and a check asked for it prints exactly what a check prints.
 */
@Timeout(120)
class TrainingExerciseTest {

    private static Host host(PluginHost plugins) {
        return Guice.createInjector(Stage.PRODUCTION, new PluginContributionsModule(plugins.contributions()),
                new HostModule()).getInstance(Host.class);
    }

    @Test
    void carriesEveryKindOfRequestThroughAnAnytlsPairAndLeavesNothingBehind() throws Exception {
        List<Path> before = trainingDirectories();
        PluginHost plugins = PluginHost.start(PluginLocation.deployment(Distribution.plugins()),
                new BuiltinContributions());
        try (Host host = host(plugins)) {
            int requests = TrainingExercise.run(host);

            assertThat(requests).isEqualTo(TrainingExercise.ROUNDS * 6 + TrainingExercise.CONCURRENT);
            assertThat(trainingDirectories()).as("its certificate's directory is deleted").isEqualTo(before);
            // stopped: the host takes another configuration, and the exercise runs again
            assertThat(TrainingExercise.run(host)).isEqualTo(requests);
        } finally {
            plugins.close();
        }
    }

    @Test
    void withoutTheAnytlsTransportItFailsAndLeavesNothingBehind(@TempDir Path noPlugins) throws Exception {
        List<Path> before = trainingDirectories();
        PluginHost plugins = PluginHost.start(PluginLocation.deployment(noPlugins),
                new BuiltinContributions());
        try (Host host = host(plugins)) {
            assertThatThrownBy(() -> TrainingExercise.run(host)).isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("anytls");
            assertThat(trainingDirectories()).isEqualTo(before);
        } finally {
            plugins.close();
        }
    }

    @Test
    void aCheckAskedForItPrintsWhatACheckPrints(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("check.conf"), """
                inbounds = [ { type = mixed, tag = local, listen = "127.0.0.1", listen_port = 0, outbound = direct } ]
                outbounds = [ { type = direct, tag = direct } ]
                """);
        Distribution.Result plain = Distribution.launch(Distribution.plugins(), "check", "-c", config.toString());
        Distribution.Result trained;
        System.setProperty(TrainingExercise.PROPERTY, "true");
        try {
            trained = Distribution.launch(Distribution.plugins(), "check", "-c", config.toString());
        } finally {
            System.clearProperty(TrainingExercise.PROPERTY);
        }

        assertThat(plain.exitCode()).isZero();
        assertThat(trained).isEqualTo(plain);
    }

    @Test
    void aCheckAskedForItLeavesThePluginsLoadedForTheArchiveTheJvmWritesAsItExits(@TempDir Path dir)
            throws Exception {
        Path config = Files.writeString(dir.resolve("check.conf"), """
                inbounds = [ { type = mixed, tag = local, listen = "127.0.0.1", listen_port = 0, outbound = direct } ]
                outbounds = [ { type = direct, tag = direct } ]
                """);
        int before = Launcher.loadedUntilExit().size();
        assertThat(Distribution.launch(Distribution.plugins(), "check", "-c", config.toString()).exitCode()).isZero();
        assertThat(Launcher.loadedUntilExit()).as("a plain check unloads its plugins").hasSize(before);

        System.setProperty(TrainingExercise.PROPERTY, "true");
        try {
            assertThat(Distribution.launch(Distribution.plugins(), "check", "-c", config.toString()).exitCode())
                    .isZero();
        } finally {
            System.clearProperty(TrainingExercise.PROPERTY);
        }

        assertThat(Launcher.loadedUntilExit()).hasSize(before + 1);
        PluginHost kept = Launcher.loadedUntilExit().get(before);
        try {
            ClassLoader transport = kept.contributions().plugin("transport-anytls").orElseThrow().classLoader();
            assertThat(java.util.Collections.list(transport.getResources("META-INF/MANIFEST.MF")))
                    .as("the transport's jar is still open").anyMatch(url -> url.toString().contains("transport-anytls"));
        } finally {
            kept.close();
        }
    }

    private static List<Path> trainingDirectories() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(p -> p.getFileName().toString().startsWith("anytls4j-training")).sorted().toList();
        }
    }
}
