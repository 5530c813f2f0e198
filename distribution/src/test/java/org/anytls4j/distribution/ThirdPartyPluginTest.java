package org.anytls4j.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.anytls4j.core.plugin.TestPluginJars;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The out-of-tree example (examples/pool-policy-example) is packaged as its own build would package it (its sources,
 * its resources, its manifest), dropped next to the built-in plugins in a fresh plugins/ directory, and the host
 * lists it and runs its policy when an outbound names it.
 */
@Timeout(120)
class ThirdPartyPluginTest {
    @TempDir
    Path dir;

    private Path plugins;

    @BeforeEach
    void installExampleNextToTheBuiltInPlugins() throws IOException {
        plugins = Files.createDirectories(dir.resolve("plugins"));
        try (Stream<Path> jars = Files.list(Distribution.plugins())) {
            for (Path jar : jars.toList()) {
                Files.copy(jar, plugins.resolve(jar.getFileName()));
            }
        }
        Path example = Distribution.sourceRoot().resolve("examples/pool-policy-example");
        TestPluginJars.plugin("pool-idle-cap")
                .manifestFrom(example.resolve("src/main/plugin/MANIFEST.MF"))
                .sourceTree(example.resolve("src/main/java"))
                .resourceTree(example.resolve("src/main/resources"))
                .writeTo(plugins);
    }

    private Path config(String policyKeys) throws IOException {
        return Files.writeString(dir.resolve("client.conf"), """
                outbounds = [ {
                  type = anytls, tag = proxy
                  server = "127.0.0.1", server_port = 443, password = "s3cret-pw-for-tests"
                  tls { server_name = "proxy.example.net" }
                  pool_policies = [ idle_cap ]
                %s
                } ]
                """.formatted(policyKeys));
    }

    @Test
    void listsTheDroppedInPluginWithItsPolicy() {
        Distribution.Result result = Distribution.launch(plugins, "plugins");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).containsPattern("pool-idle-cap@1\\.0\\.0 +started +pool-policy \\[idle_cap\\]");
    }

    @Test
    void runsThePolicyAnOutboundNamesWithItsOwnKeys() throws IOException {
        Path config = config("  idle_session_cap = 2");

        Distribution.Result result = Distribution.launch(plugins, "check", "-c", config.toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).containsPattern("outbound 'proxy' type=anytls pooled policies=\\[.*idle_cap.*\\]");
    }

    @Test
    void reportsTheExamplesOwnValidationWithFileLineAndFullKey() throws IOException {
        Path config = config("  idle_session_cap = -1");

        Distribution.Result result = Distribution.launch(plugins, "check", "-c", config.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains(config + ":6: outbounds[0].idle_session_cap: must be >= 0, was -1");
    }

    @Test
    void withoutTheExampleThePolicyNameIsUnknown() throws IOException {
        Path config = config("");

        Distribution.Result result = Distribution.launch(Distribution.plugins(), "check", "-c", config.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("outbounds[0].pool_policies: unknown policy 'idle_cap'; installed: [");
    }
}
