package org.anytls4j.transport.anytls.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code anytls://} links (PROTOCOL.md section 16) and the {@code uri} tool. */
class UriToolTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return new UriTool().run(List.of(args), new PrintWriter(out), new PrintWriter(err));
    }

    @Test
    void parsesTheSpecExamples() {
        assertThat(AnytlsUri.parse("anytls://s3cret@proxy.example.net/?sni=cdn.example.net"))
                .isEqualTo(new AnytlsUri("s3cret", "proxy.example.net", 443, "cdn.example.net", false, null));
        assertThat(AnytlsUri.parse("anytls://p%40ss%3Aword@203.0.113.7:8443/?sni=203.0.113.7&insecure=1"))
                .isEqualTo(new AnytlsUri("p@ss:word", "203.0.113.7", 8443, "203.0.113.7", true, null));
        assertThat(AnytlsUri.parse(
                "anytls://6d1f0c1e-93d4-4a53-9a38-1e0c5d7e2b11@[2001:db8::15]:9443/?insecure=0"))
                .isEqualTo(new AnytlsUri("6d1f0c1e-93d4-4a53-9a38-1e0c5d7e2b11", "2001:db8::15", 9443, null, false,
                        null));
    }

    @Test
    void theTypedBlockIsTheBlockTheToolPrints() {
        for (String link : List.of("anytls://s3cret@proxy.example.net/?sni=cdn.example.net",
                "anytls://p%40ss%3Aword@203.0.113.7:8443/?sni=203.0.113.7&insecure=1",
                "anytls://pw@[2001:db8::15]:9443#My%20Server")) {
            AnytlsUri uri = AnytlsUri.parse(link);
            assertThat(uri.toOutbound()).as(link)
                    .isEqualTo(ConfigFactory.parseString(UriTool.toHocon(uri)).root().unwrapped());
        }
    }

    @Test
    void acceptsALinkWithoutPathAndIgnoresUnknownParameters() {
        assertThat(AnytlsUri.parse("anytls://pw@host.example?fp=chrome&sni=a.example#My%20Server"))
                .isEqualTo(new AnytlsUri("pw", "host.example", 443, "a.example", false, "My Server"));
        assertThat(AnytlsUri.parse("anytls://a+b@[::1]").password()).isEqualTo("a+b");
    }

    /** Found by WireFuzzTargets.anytlsUri: "#" with nothing after it gave tag "", which format() drops. */
    @Test
    void anEmptyFragmentIsNoTagSoTheLinkRoundTrips() {
        AnytlsUri parsed = AnytlsUri.parse("anytls://pw@host.example/#");

        assertThat(parsed.tag()).isNull();
        assertThat(AnytlsUri.parse(parsed.format())).isEqualTo(parsed);
    }

    /** Found by WireFuzzTargets.anytlsUri: host ":]" was accepted and formatted as "[:]]", which cannot parse. */
    @Test
    void aBracketOutsideAnIpv6HostInBracketsIsRefused() {
        assertThatThrownBy(() -> AnytlsUri.parse("anytls://@:]:1/?")).hasMessageContaining("bracket");
        assertThatThrownBy(() -> AnytlsUri.parse("anytls://pw@a[b:443")).hasMessageContaining("bracket");
        assertThatThrownBy(() -> AnytlsUri.parse("anytls://[%%%[]?@:/?")).hasMessageContaining("bracket");
        assertThat(AnytlsUri.parse("anytls://pw@[2001:db8::1]:443").host()).isEqualTo("2001:db8::1");
        AnytlsUri loose = AnytlsUri.parse("anytls://pw@2001:db8::1:443"); // as Go's url.Parse reads it
        assertThat(loose.host()).isEqualTo("2001:db8::1");
        assertThat(AnytlsUri.parse(loose.format())).isEqualTo(loose);
    }

    @Test
    void rejectsBadLinksWithoutEchoingThePassword() {
        assertThatThrownBy(() -> AnytlsUri.parse("vless://x@y")).hasMessageContaining("not an anytls");
        assertThatThrownBy(() -> AnytlsUri.parse("anytls://pw@h:0")).hasMessageContaining("port");
        assertThatThrownBy(() -> AnytlsUri.parse("anytls://pw@h:70000")).hasMessageContaining("port");
        assertThatThrownBy(() -> AnytlsUri.parse("anytls://sec%zzret@h")).hasMessage("bad percent escape in the password");
        assertThatThrownBy(() -> AnytlsUri.parse("anytls://pw@h/?insecure=yes")).hasMessageContaining("insecure");
        assertThatThrownBy(() -> AnytlsUri.parse("anytls://pw@[::1")).hasMessageContaining("]");
    }

    @Test
    void formatsWhatItParses() {
        for (String link : List.of("anytls://p%40ss%3Aword@203.0.113.7:8443/?sni=203.0.113.7&insecure=1",
                "anytls://s3cret@proxy.example.net/?sni=cdn.example.net#hk",
                "anytls://x@[2001:db8::15]:9443/")) {
            assertThat(AnytlsUri.parse(link).format()).isEqualTo(link);
        }
    }

    @Test
    void importPrintsAnOutboundBlockThatLoads() {
        assertThat(run("import", "anytls://p%40ss@[2001:db8::15]:9443/?sni=cdn.example.net&insecure=1#hk")).isZero();

        Config block = ConfigFactory.parseString(out.toString());
        assertThat(block.getString("type")).isEqualTo("anytls");
        assertThat(block.getString("tag")).isEqualTo("hk");
        assertThat(block.getString("server")).isEqualTo("2001:db8::15");
        assertThat(block.getInt("server_port")).isEqualTo(9443);
        assertThat(block.getString("password")).isEqualTo("p@ss");
        assertThat(block.getString("tls.server_name")).isEqualTo("cdn.example.net");
        assertThat(block.getBoolean("tls.insecure")).isTrue();
        assertThat(block.getBoolean("tls.enabled")).isTrue();
    }

    @Test
    void importWithoutSniLeavesTheServerNameToTheServer() {
        assertThat(run("import", "anytls://pw@203.0.113.7")).isZero();

        Config block = ConfigFactory.parseString(out.toString());
        assertThat(block.hasPath("tls.server_name")).isFalse();
        assertThat(block.hasPath("tls.insecure")).isFalse();
        assertThat(block.getInt("server_port")).isEqualTo(443);
    }

    @Test
    void exportPrintsTheLinkOfTheTaggedOutbound(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.conf");
        Files.writeString(file, """
                outbounds = [
                  { type = direct, tag = direct }
                  { type = anytls, tag = hk, server = "hk.example.net", password = "p@ss:w rd",
                    tls { enabled = true, server_name = "cdn.example.net" } }
                  { type = anytls, tag = jp, server = "[2001:db8::1]", server_port = 8443, password = x,
                    tls { insecure = true } }
                ]
                """);

        assertThat(run("export", "-c", file.toString(), "--tag", "hk")).isZero();
        assertThat(out.toString().trim()).isEqualTo("anytls://p%40ss%3Aw%20rd@hk.example.net/?sni=cdn.example.net#hk");
        AnytlsUri back = AnytlsUri.parse(out.toString().trim());
        assertThat(back.password()).isEqualTo("p@ss:w rd");

        out.getBuffer().setLength(0);
        assertThat(run("export", "-c", file.toString(), "--tag", "jp")).isZero();
        assertThat(out.toString().trim()).isEqualTo("anytls://x@[2001:db8::1]:8443/?insecure=1#jp");
    }

    @Test
    void exportNeedsATagWhenSeveralAnytlsOutboundsExist(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.conf");
        Files.writeString(file, "outbounds = [ { type = anytls, tag = a, server = h, password = x },"
                + " { type = anytls, tag = b, server = h, password = x } ]");

        assertThat(run("export", "-c", file.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("several anytls outbounds").contains("[a, b]");
    }

    @Test
    void usageErrorsExitWith2() {
        assertThat(run()).isEqualTo(2);
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(run("export")).isEqualTo(2);
        assertThat(err.toString()).contains("usage: uri import LINK");
    }
}
