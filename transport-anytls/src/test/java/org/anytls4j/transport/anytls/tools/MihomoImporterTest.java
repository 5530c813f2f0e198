package org.anytls4j.transport.anytls.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.StringReader;
import java.util.List;
import org.anytls4j.api.ConfigImporter;
import org.anytls4j.transport.anytls.AnytlsTransportPlugin;
import org.junit.jupiter.api.Test;

/**
 * The {@code mihomo} importer the plugin contributes ({@code anytls4j import mihomo}); the distribution's
 * MihomoImportTest runs the command end to end on a realistic file and loads the result with {@code check}.
 */
class MihomoImporterTest {
    private final ConfigImporter importer = new MihomoImporter();

    @Test
    void thePluginContributesItUnderTheFormatName() {
        assertThat(new AnytlsTransportPlugin().importers()).singleElement()
                .isInstanceOf(MihomoImporter.class)
                .satisfies(i -> assertThat(i.format()).isEqualTo("mihomo"));
    }

    @Test
    void anEntryBecomesAnOutboundBlockWithDurationsAndTlsAndWarningsNamingTheLine() throws Exception {
        ConfigImporter.Result result = importer.convert("in.yaml", "in.yaml", new StringReader("""
                proxies:
                  - name: hk
                    type: anytls
                    server: hk.example.com
                    port: 443
                    password: "p w"
                    sni: hk.example.com
                    idle-session-timeout: 30
                    tfo: true
                  - { name: jp, type: vmess, server: x, port: 1 }
                """));

        Config outbound = ConfigFactory.parseString(result.config()).getConfigList("outbounds").get(0);
        assertThat(outbound.getString("type")).isEqualTo("anytls");
        assertThat(outbound.getString("tag")).isEqualTo("hk");
        assertThat(outbound.getInt("server_port")).isEqualTo(443);
        assertThat(outbound.getString("password")).isEqualTo("p w");
        assertThat(outbound.getString("idle_session_timeout")).isEqualTo("30s");
        assertThat(outbound.getString("tls.server_name")).isEqualTo("hk.example.com");
        assertThat(result.config()).startsWith("# anytls4j outbounds converted from in.yaml");
        assertThat(result.warnings()).containsExactly(
                "in.yaml:9: proxy 'hk': 'tfo' not converted: TCP Fast Open is not used");
        assertThat(result.skipped()).isEqualTo(List.of("'jp' (vmess)"));
    }

    @Test
    void nothingToConvertOrNotYamlIsRefusedNamingTheSource() {
        assertThatThrownBy(() -> importer.convert("the --proxy entry", "x", new StringReader("{name: a, type: ss}")))
                .isInstanceOf(ConfigImporter.ImportException.class)
                .hasMessage("the --proxy entry: no proxy of type anytls (skipped: 'a' (ss))");
        assertThatThrownBy(() -> importer.convert("b.yaml", "b.yaml", new StringReader("proxies:\n  - [a\n")))
                .isInstanceOf(ConfigImporter.ImportException.class)
                .hasMessageStartingWith("b.yaml:3: not valid YAML: ");
    }
}
