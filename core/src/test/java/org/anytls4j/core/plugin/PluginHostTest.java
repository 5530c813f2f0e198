package org.anytls4j.core.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.util.List;
import org.anytls4j.api.AnytlsPlugin;
import org.anytls4j.api.ApiVersion;
import org.anytls4j.api.pool.PoolPolicyFactory;
import org.anytls4j.core.runtime.BuiltinContributions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

@Timeout(60)
class PluginHostTest {
    @TempDir
    Path plugins;

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void captureLogs() {
        logs.start();
        root().addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        root().detachAppender(logs);
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    private List<String> messages() {
        return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void loadsAPluginJarFromThePluginsDirectoryWithItsOwnClassLoader() {
        TestPluginJars.policyPlugin("pool-sample", "sample").version("2.3.4").writeTo(plugins);

        try (PluginHost host = PluginHost.start(PluginLocation.deployment(plugins), new BuiltinContributions())) {
            PoolPolicyFactory factory = host.contributions().poolPolicies().get("sample");
            assertThat(factory).isNotNull();
            assertThat(factory.getClass().getClassLoader()).isInstanceOf(HostFirstPluginClassLoader.class);
            assertThat(host.contributions().pluginIdOf(factory)).contains("pool-sample");
            InstalledPlugin plugin = host.contributions().plugin("pool-sample").orElseThrow();
            assertThat(plugin.status()).isEqualTo(PluginStatus.STARTED);
            assertThat(plugin.label()).isEqualTo("pool-sample@2.3.4");
            assertThat(host.contributions().plugins().get(0).id()).isEqualTo(PluginContributions.CORE_PLUGIN_ID);
        }
        assertThat(messages()).contains("plugin 'pool-sample@2.3.4' started: pool-policy [sample]");
    }

    /**
     * A file in the plugins directory that is not a plugin, or a second copy of one: PF4J logged an ERROR with a stack
     * trace for each (three per file), and the reason for an empty or broken jar only in one of them. The host says
     * it once per file, at WARN, with the reason, and starts with the plugins that load.
     */
    @Test
    void namesEachFileThatIsNotALoadablePluginOnceWithItsReasonAndStartsWithTheRest() throws Exception {
        Path jar = TestPluginJars.policyPlugin("pool-sample", "sample").writeTo(plugins);
        java.nio.file.Files.write(plugins.resolve("empty.jar"), new byte[0]);
        java.nio.file.Files.writeString(plugins.resolve("notes.jar"), "not a zip file");
        java.nio.file.Files.copy(jar, plugins.resolve("pool-sample-copy.jar"));

        try (PluginHost host = PluginHost.start(PluginLocation.deployment(plugins), new BuiltinContributions())) {
            assertThat(host.contributions().poolPolicies()).containsKey("sample");
        }

        List<ILoggingEvent> warnings = logs.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
        assertThat(warnings).extracting(ILoggingEvent::getFormattedMessage).containsExactlyInAnyOrder(
                plugins.resolve("empty.jar") + ": not loaded, not a plugin: not a jar (zip file is empty)",
                plugins.resolve("notes.jar") + ": not loaded, not a plugin: not a jar (zip END header not found)",
                plugins.resolve("pool-sample-copy.jar") + ": not loaded: plugin 'pool-sample' is already loaded from "
                        + jar);
        assertThat(warnings).allSatisfy(e -> assertThat(e.getThrowableProxy()).isNull());
    }

    @Test
    void stopLeavesThePluginsLoadedAndCloseUnloadsThem() throws Exception {
        Path jar = TestPluginJars.policyPlugin("pool-sample", "sample").writeTo(plugins);
        PluginHost host = PluginHost.start(PluginLocation.deployment(plugins), new BuiltinContributions());
        ClassLoader loader = host.contributions().plugin("pool-sample").orElseThrow().classLoader();
        String jarName = jar.getFileName().toString();

        host.stop();
        assertThat(manifests(loader)).as("still open after stop()").anyMatch(url -> url.contains(jarName));
        assertThat(host.requires("pool-sample")).isPresent();

        host.close();
        assertThat(manifests(loader)).as("closed by close()").noneMatch(url -> url.contains(jarName));
        assertThat(host.requires("pool-sample")).isEmpty();
    }

    private static List<String> manifests(ClassLoader loader) throws java.io.IOException {
        return java.util.Collections.list(loader.getResources("META-INF/MANIFEST.MF")).stream()
                .map(java.net.URL::toString).toList();
    }

    @Test
    void sharesTheHostsApiClassesWithPlugins() throws Exception {
        TestPluginJars.policyPlugin("pool-sample", "sample").writeTo(plugins);

        try (PluginHost host = PluginHost.start(PluginLocation.deployment(plugins), new BuiltinContributions())) {
            ClassLoader loader = host.contributions().plugin("pool-sample").orElseThrow().classLoader();
            assertThat(loader.loadClass(AnytlsPlugin.class.getName())).isSameAs(AnytlsPlugin.class);
            assertThat(loader.loadClass(com.typesafe.config.Config.class.getName()))
                    .isSameAs(com.typesafe.config.Config.class);
        }
    }

    @Test
    void refusesAPluginThatRequiresANewerApiMajorAndStartsWithoutIt() {
        TestPluginJars.policyPlugin("too-new", "future").requires(">=3.0.0 & <4.0.0").writeTo(plugins);
        TestPluginJars.policyPlugin("pool-sample", "sample").writeTo(plugins);

        try (PluginHost host = PluginHost.start(PluginLocation.deployment(plugins), new BuiltinContributions())) {
            InstalledPlugin refused = host.contributions().plugin("too-new").orElseThrow();
            assertThat(refused.status()).isEqualTo(PluginStatus.REFUSED);
            assertThat(refused.problem()).isEqualTo(
                    "requires api >=3.0.0 & <4.0.0, host api is " + ApiVersion.API);
            assertThat(host.contributions().poolPolicies()).containsOnlyKeys("sample");
        }
        assertThat(messages()).contains("plugin 'too-new@1.0.0' requires api >=3.0.0 & <4.0.0, host api is "
                + ApiVersion.API + "; not started");
    }

    @Test
    void refusesAPluginWrittenForAnOlderApiMajorEvenWhenItsRangeHasNoUpperBound() {
        // API 1.x plugins declared ">=1.2.0": the range admits 2.0, but the plugin was built against 1.x, whose
        // removed members (PluginContext.meterRegistry, ...) would fail at the call, half-way through a run.
        TestPluginJars.policyPlugin("old-major", "old").requires(">=1.2.0").writeTo(plugins);
        TestPluginJars.policyPlugin("pool-sample", "sample").writeTo(plugins);

        try (PluginHost host = PluginHost.start(PluginLocation.deployment(plugins), new BuiltinContributions())) {
            InstalledPlugin refused = host.contributions().plugin("old-major").orElseThrow();
            assertThat(refused.status()).isEqualTo(PluginStatus.REFUSED);
            assertThat(refused.problem()).startsWith("requires api >=1.2.0, which admits API 1.x: built for an older"
                    + " major version; host api is " + ApiVersion.API);
            assertThat(host.contributions().poolPolicies()).containsOnlyKeys("sample");
        }
    }

    @Test
    void failsStartUpWhenTwoPluginsContributeTheSameNameNamingBoth() {
        TestPluginJars.policyPlugin("first-plugin", "same_name").writeTo(plugins);
        TestPluginJars.policyPlugin("second-plugin", "same_name").writeTo(plugins);

        assertThatThrownBy(() -> PluginHost.start(PluginLocation.deployment(plugins), new BuiltinContributions()))
                .isInstanceOf(PluginSetupException.class)
                .hasMessageContaining("pool-policy 'same_name' is contributed by both plugin 'first-plugin' and "
                        + "plugin 'second-plugin'");
    }

    @Test
    void failsStartUpWhenAPluginContributesNothing() {
        TestPluginJars.plugin("empty-plugin").source("test.empty.Helper", """
                package test.empty;
                public class Helper {
                }
                """).writeTo(plugins);

        assertThatThrownBy(() -> PluginHost.start(PluginLocation.deployment(plugins), new BuiltinContributions()))
                .isInstanceOf(PluginSetupException.class)
                .hasMessageContaining("plugin 'empty-plugin@1.0.0' contributes nothing: it has no @Extension");
    }

    @Test
    void readsAPluginsOwnReferenceConfAndItsIncludesThroughItsClassLoader() {
        TestPluginJars.policyPlugin("pool-sample", "sample")
                .resource("reference.conf", "include \"sample-policy.conf\"")
                .resource("sample-policy.conf", "anytls4j.pool-policy.sample { sample_size = 3 }")
                .writeTo(plugins);

        try (PluginHost host = PluginHost.start(PluginLocation.deployment(plugins), new BuiltinContributions())) {
            InstalledPlugin plugin = host.contributions().plugin("pool-sample").orElseThrow();
            assertThat(plugin.reference().getInt("anytls4j.pool-policy.sample.sample_size")).isEqualTo(3);
            assertThat(plugin.reference().hasPath("log")).as("the host's reference.conf is not the plugin's").isFalse();
            assertThat(host.contributions().reference().getInt("anytls4j.pool-policy.sample.sample_size"))
                    .isEqualTo(3);
        }
    }

    @Test
    void loadsPluginModulesOfASourceTreeInDevelopmentMode(@TempDir Path tree) {
        TestPluginJars.policyPlugin("pool-dev", "dev_policy").writeModuleTo(tree.resolve("plugins/pool-dev"));
        TestPluginJars.policyPlugin("transport-dev", "dev_other").writeModuleTo(tree.resolve("transport-dev"));

        try (PluginHost host = PluginHost.start(PluginLocation.development(tree), new BuiltinContributions())) {
            assertThat(host.contributions().poolPolicies()).containsOnlyKeys("dev_other", "dev_policy");
        }
    }

    @Test
    void startsWithOnlyTheCoreWhenThePluginsDirectoryIsMissing() {
        try (PluginHost host = PluginHost.start(PluginLocation.deployment(plugins.resolve("absent")),
                new BuiltinContributions())) {
            assertThat(host.contributions().plugins()).extracting(InstalledPlugin::id).containsExactly("core");
        }
    }
}
