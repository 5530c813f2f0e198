package org.anytls4j.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code anytls4j import mihomo FILE} on a realistic mihomo file (anytls, vmess and ss proxies, proxy-groups,
 * rules, dns): the anytls proxies become outbound blocks that {@code check} loads unchanged with the real plugins,
 * everything not converted is named on stderr with its line, and a YAML file given to {@code check} points at the
 * command.
 */
@Timeout(120)
class MihomoImportTest {
    static final String EXPECTED = """
            # anytls4j outbounds converted from config.yaml by `anytls4j import mihomo`.
            # mihomo's proxy-groups and rules are not converted: each inbound sends its traffic to one outbound.
            outbounds = [
              {
                type = anytls
                tag = "hk-anytls"
                server = "hk.example.com"
                server_port = 443
                password = "Jq7dM2vXw9PzL4kR-hk"
                idle_session_check_interval = 30s
                idle_session_timeout = 60s
                min_idle_session = 2
                tls {
                  server_name = "hk.example.com"
                  alpn = ["h2", "http/1.1"]
                  insecure = false
                }
              }
              {
                type = anytls
                tag = "sg anytls \\"lab\\""
                server = "203.0.113.7"
                server_port = 8443
                password = "Lab-Password-0123456789"
                tls {
                  insecure = true
                }
              }
            ]
            """;

    @TempDir
    Path dir;

    private Path mihomoFile() throws IOException {
        Path file = dir.resolve("config.yaml");
        try (InputStream in = MihomoImportTest.class.getResourceAsStream("/mihomo/config.yaml")) {
            Files.copy(in, file);
        }
        return file;
    }

    @Test
    void convertsTheAnytlsProxiesIntoBlocksCheckLoadsUnchanged() throws IOException {
        Path yaml = mihomoFile();

        Distribution.Result imported = Distribution.launch(Distribution.plugins(), "import", "mihomo", yaml.toString());

        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(imported.out()).isEqualTo(EXPECTED);
        assertThat(imported.err().lines()).containsExactly(
                "warning: " + yaml + ":19: proxy 'hk-anytls': 'client-fingerprint' not converted: anytls4j's TLS"
                        + " ClientHello is its TLS engine's own (no uTLS browser fingerprint)",
                "warning: " + yaml + ":44: proxy 'sg anytls \"lab\"': 'udp: false' has no equivalent: anytls4j"
                        + " always offers UDP over TCP",
                "warning: " + yaml + ":45: proxy 'sg anytls \"lab\"': 'tfo' not converted: TCP Fast Open is not used",
                "skipped 2 proxies that are not anytls: 'jp-vmess' (vmess), 'us-ss' (ss)");

        Path conf = Files.writeString(dir.resolve("imported.conf"), imported.out());
        Distribution.Result check = Distribution.launch(Distribution.plugins(), "check", "-c", conf.toString());
        assertThat(check.exitCode()).as(check.out() + check.err()).isZero();
        assertThat(check.out()).contains(conf + ": valid");
    }

    @Test
    void writesToAFileWithoutOverwritingOne() throws IOException {
        Path yaml = mihomoFile();
        Path out = dir.resolve("out.conf");

        Distribution.Result first = Distribution.launch(Distribution.plugins(), "import", "mihomo", yaml.toString(),
                "-o", out.toString());
        Distribution.Result second = Distribution.launch(Distribution.plugins(), "import", "mihomo",
                yaml.toString(), "-o", out.toString());

        assertThat(first.exitCode()).isZero();
        assertThat(first.out()).isEmpty();
        assertThat(first.err()).contains("wrote " + out + "; check it with: anytls4j check -c " + out);
        assertThat(Files.readString(out)).isEqualTo(EXPECTED);
        assertThat(second.exitCode()).isEqualTo(1);
        assertThat(second.err()).contains("error: " + out + ": exists; not overwritten");
    }

    @Test
    void aYamlFileGivenToCheckPointsAtTheImportCommand() throws IOException {
        Path yaml = mihomoFile();

        Distribution.Result check = Distribution.launch(Distribution.plugins(), "check", "-c", yaml.toString());

        assertThat(check.exitCode()).isEqualTo(2);
        assertThat(check.err()).contains(yaml + ": a YAML file (mihomo/Clash) is not a configuration anytls4j reads")
                .contains("`anytls4j import mihomo " + yaml + "`");
    }

    @Test
    void aFileWithoutAnytlsProxiesOrNotYamlIsAnErrorWithItsLine() throws IOException {
        Path none = Files.writeString(dir.resolve("none.yaml"), """
                proxies:
                  - { name: a, type: ss, server: x, port: 1 }
                """);
        Path broken = Files.writeString(dir.resolve("broken.yaml"), """
                proxies:
                  - name: a
                    type: [anytls
                """);

        Distribution.Result noAnytls = Distribution.launch(Distribution.plugins(), "import", "mihomo",
                none.toString());
        Distribution.Result notYaml = Distribution.launch(Distribution.plugins(), "import", "mihomo",
                broken.toString());

        assertThat(noAnytls.exitCode()).isEqualTo(2);
        assertThat(noAnytls.err()).isEqualTo("error: " + none + ": no proxy of type anytls (skipped: 'a' (ss))\n");
        assertThat(notYaml.exitCode()).isEqualTo(2);
        assertThat(notYaml.err()).startsWith("error: " + broken + ":4: not valid YAML: ");
    }

    @Test
    void oneProxyEntryPastedFromMihomoConvertsWithoutAFile() throws IOException {
        String entry = "{ name: hk, type: anytls, server: hk.example.com, port: 8443, password: \"s3cret-pass\","
                + " sni: hk.example.com, idle-session-timeout: 45 }";

        Distribution.Result imported = Distribution.launch(Distribution.plugins(), "import", "mihomo",
                "--proxy", entry);
        Distribution.Result both = Distribution.launch(Distribution.plugins(), "import", "mihomo",
                mihomoFile().toString(), "--proxy", entry);
        Distribution.Result notAProxy = Distribution.launch(Distribution.plugins(), "import", "mihomo",
                "--proxy", "{ name: hk, server: x }");

        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(imported.out()).startsWith("# anytls4j outbounds converted from a mihomo proxy entry")
                .contains("tag = \"hk\"").contains("server = \"hk.example.com\"").contains("server_port = 8443")
                .contains("idle_session_timeout = 45s").contains("server_name = \"hk.example.com\"");
        Path conf = Files.writeString(dir.resolve("entry.conf"), imported.out());
        Distribution.Result check = Distribution.launch(Distribution.plugins(), "check", "-c", conf.toString());
        assertThat(check.exitCode()).as(check.out() + check.err()).isZero();
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("give FILE or --proxy ENTRY, not both");
        assertThat(notAProxy.exitCode()).isEqualTo(2);
        assertThat(notAProxy.err()).startsWith("error: the --proxy entry: not a mihomo configuration or proxy entry");
    }
}
