package org.anytls4j.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.anytls4j.api.ApiVersion;
import org.anytls4j.core.plugin.TestPluginJars;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The host against the code of the two out-of-tree examples (examples/pool-policy-example, idle_cap, and
 * examples/session-monitor-example, slow_rtt): their sources and resources are compiled here, in-process, into
 * jars whose manifest carries what the plugin parent writes from the example's pom (Plugin-Id, Plugin-Version,
 * Plugin-Requires ...), dropped next to the built-in plugins, and the host lists them, accepts outbounds that name
 * them and reports their own validation with file, line and key.
 *
 * <p>What this test does not do is run the examples' own Maven builds: during {@code mvn verify} the project is
 * not installed in any repository, so an example's {@code <parent>} cannot resolve yet, and a nested Maven build
 * per example would double the suite's time on two cores. That path (install, {@code mvn -f examples/X verify}
 * with the examples' own tests, the jar in a copy of the distribution, a real stream through it) is
 * {@code .ci/examples}, run by {@code .ci/run}. This test also keeps the plugin parent's two copied version
 * numbers honest: they must be this release's.
 */
@Timeout(120)
class ThirdPartyPluginTest {
    @TempDir
    Path dir;

    private Path plugins;

    @BeforeEach
    void installTheExamplesNextToTheBuiltInPlugins() throws IOException {
        plugins = Files.createDirectories(dir.resolve("plugins"));
        try (Stream<Path> jars = Files.list(Distribution.plugins())) {
            for (Path jar : jars.toList()) {
                Files.copy(jar, plugins.resolve(jar.getFileName()));
            }
        }
        packageAsItsPomWould("pool-policy-example");
        packageAsItsPomWould("session-monitor-example");
    }

    /** Compiles the example and writes the manifest entries the plugin parent derives from its pom. */
    private void packageAsItsPomWould(String name) {
        Path example = Distribution.sourceRoot().resolve("examples").resolve(name);
        Map<String, String> pom = properties(example.resolve("pom.xml"));
        TestPluginJars.plugin(pom.get("plugin.id"))
                .version(pom.get("version"))
                .requires(pluginParentRequires())
                .sourceTree(example.resolve("src/main/java"))
                .resourceTree(example.resolve("src/main/resources"))
                .writeTo(plugins);
    }

    /** {@code anytls4j.plugin.requires} of plugin-parent/pom.xml, its {@code ${...}} resolved. */
    private static String pluginParentRequires() {
        Map<String, String> parent = properties(Distribution.sourceRoot().resolve("plugin-parent/pom.xml"));
        Matcher ref = Pattern.compile("\\$\\{([^}]+)}").matcher(parent.get("anytls4j.plugin.requires"));
        return ref.replaceAll(m -> Matcher.quoteReplacement(parent.get(m.group(1))));
    }

    /** A pom's {@code <properties>}, plus its own {@code version} under the key {@code version}. */
    private static Map<String, String> properties(Path pom) {
        try {
            Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile())
                    .getDocumentElement();
            Map<String, String> values = new LinkedHashMap<>();
            for (Node node = project.getFirstChild(); node != null; node = node.getNextSibling()) {
                if (node instanceof Element element && element.getTagName().equals("version")) {
                    values.put("version", element.getTextContent().trim());
                }
                if (node instanceof Element element && element.getTagName().equals("properties")) {
                    for (Node p = element.getFirstChild(); p != null; p = p.getNextSibling()) {
                        if (p instanceof Element property) {
                            values.put(property.getTagName(), property.getTextContent().trim());
                        }
                    }
                }
            }
            return values;
        } catch (Exception e) {
            throw new AssertionError("cannot read " + pom, e);
        }
    }

    private Path config(String policies, String keys) throws IOException {
        return Files.writeString(dir.resolve("client.conf"), """
                outbounds = [ {
                  type = anytls, tag = proxy
                  server = "127.0.0.1", server_port = 443, password = "s3cret-pw-for-tests"
                  tls { server_name = "proxy.example.net" }
                  pool_policies = [ %s ]
                %s
                } ]
                """.formatted(policies, keys));
    }

    @Test
    void thePluginParentWritesThisReleasesVersionsWhereItCopiesThem() {
        Map<String, String> parent = properties(Distribution.sourceRoot().resolve("plugin-parent/pom.xml"));

        assertThat(parent.get("version")).isEqualTo(ApiVersion.PRODUCT);
        assertThat(parent.get("anytls4j.version")).isEqualTo(ApiVersion.PRODUCT);
        assertThat(parent.get("anytls4j.api.version")).isEqualTo(ApiVersion.API);
        assertThat(pluginParentRequires()).startsWith(">=" + ApiVersion.API + " & <");
    }

    @Test
    void listsTheDroppedInPluginsWithWhatTheyContribute() {
        Distribution.Result result = Distribution.launch(plugins, "plugins");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out())
                .containsPattern("pool-idle-cap@1\\.0\\.0 +started +pool-policy \\[idle_cap\\]")
                .containsPattern("monitor-slow-rtt@1\\.0\\.0 +started +session-monitor \\[slow_rtt\\]");
    }

    @Test
    void acceptsAnOutboundNamingBothWithTheirOwnKeys() throws IOException {
        Path config = config("idle_cap, slow_rtt", "  idle_session_cap = 2, slow_rtt_threshold = 300ms");

        Distribution.Result result = Distribution.launch(plugins, "check", "-c", config.toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).containsPattern("outbound 'proxy' type=anytls pooled policies=\\[.*idle_cap.*\\]");
    }

    @Test
    void reportsThePolicysOwnValidationWithFileLineAndFullKey() throws IOException {
        Path config = config("idle_cap", "  idle_session_cap = -1");

        Distribution.Result result = Distribution.launch(plugins, "check", "-c", config.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains(config + ":6: outbounds[0].idle_session_cap: must be >= 0, was -1");
    }

    @Test
    void reportsTheMonitorsOwnValidationWithFileLineAndFullKey() throws IOException {
        Path config = config("slow_rtt", "  slow_rtt_interval = 1s, slow_rtt_threshold = 2s");

        Distribution.Result result = Distribution.launch(plugins, "check", "-c", config.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains(config + ":6: outbounds[0].slow_rtt_threshold: must be below "
                + "slow_rtt_interval (1s), was 2s");
    }

    @Test
    void withoutTheExampleThePolicyNameIsUnknown() throws IOException {
        Path config = config("idle_cap", "");

        Distribution.Result result = Distribution.launch(Distribution.plugins(), "check", "-c", config.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("outbounds[0].pool_policies: unknown policy 'idle_cap'; installed: [");
    }
}
