package org.anytls4j.it.product;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.anytls4j.distribution.Distribution;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code anytls4j uri import} of the example links of PROTOCOL.md section 16, through the launcher with the
 * distribution's plugins: the printed block says what the link says, passes {@code check} as an outbound, and
 * {@code uri export} of that file gives the link back in its canonical form: the outbound's tag as the fragment
 * ({@code anytls} when the link had none), the default port 443 and {@code insecure=0} left out, the path {@code /}.
 */
@Timeout(120)
class UriToolTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "anytls://s3cret@proxy.example.net/?sni=cdn.example.net | s3cret | proxy.example.net | 443 | cdn.example.net"
                + " | false | anytls://s3cret@proxy.example.net/?sni=cdn.example.net#anytls",
        "anytls://p%40ss%3Aword@203.0.113.7:8443/?sni=203.0.113.7&insecure=1 | p@ss:word | 203.0.113.7 | 8443"
                + " | 203.0.113.7 | true | anytls://p%40ss%3Aword@203.0.113.7:8443/?sni=203.0.113.7&insecure=1#anytls",
        "anytls://6d1f0c1e-93d4-4a53-9a38-1e0c5d7e2b11@[2001:db8::15]:9443/?insecure=0"
                + " | 6d1f0c1e-93d4-4a53-9a38-1e0c5d7e2b11 | 2001:db8::15 | 9443 | | false"
                + " | anytls://6d1f0c1e-93d4-4a53-9a38-1e0c5d7e2b11@[2001:db8::15]:9443/#anytls",
        "anytls://pw@hk.example.net:443#hk%20one | pw | hk.example.net | 443 | | false"
                + " | anytls://pw@hk.example.net/#hk%20one",
    })
    void importsTheSpecsExampleLinksAndExportsThemBack(String link, String password, String host, int port,
                                                       String sni, boolean insecure, String exported)
            throws IOException {
        Distribution.Result imported = Distribution.launch(Distribution.plugins(), "uri", "import", link);
        assertThat(imported.exitCode()).as(imported.err()).isZero();

        Config block = ConfigFactory.parseString(imported.out());
        assertThat(block.getString("type")).isEqualTo("anytls");
        assertThat(block.getString("password")).isEqualTo(password);
        assertThat(block.getString("server")).isEqualTo(host);
        assertThat(block.getInt("server_port")).isEqualTo(port);
        assertThat(block.hasPath("tls.server_name") ? block.getString("tls.server_name") : null).isEqualTo(sni);
        assertThat(block.hasPath("tls.insecure") && block.getBoolean("tls.insecure")).isEqualTo(insecure);

        Path config = Files.writeString(dir.resolve("imported.conf"), "outbounds = [ " + imported.out() + " ]\n");
        Distribution.Result check = Distribution.launch(Distribution.plugins(), "check", "-c", config.toString());
        boolean unverifiable = !insecure && sni == null && host.contains(":");
        if (unverifiable) {
            // a link cannot carry a pin: the block says what to add, and check refuses it until then
            assertThat(imported.out()).contains("is an IP address: add the server's pin");
            assertThat(check.exitCode()).isEqualTo(2);
            assertThat(check.err()).contains("outbounds[0].server: cannot verify the server's certificate");
            String pinned = imported.out().replace("enabled = true", "enabled = true\n"
                    + "    certificate_public_key_sha256 = \"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"");
            config = Files.writeString(config, "outbounds = [ " + pinned + " ]\n");
            check = Distribution.launch(Distribution.plugins(), "check", "-c", config.toString());
        }
        assertThat(check.exitCode()).as(check.err()).isZero();

        Distribution.Result export = Distribution.launch(Distribution.plugins(), "uri", "export", "-c",
                config.toString());
        assertThat(export.exitCode()).as(export.err()).isZero();
        assertThat(export.out().strip()).isEqualTo(exported);
    }
}
