package org.anytls4j.transport.anytls.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.anytls4j.api.outbound.ReferenceFlags;
import org.anytls4j.api.outbound.ReferenceFlags.Flag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * anytls-go's client and server flags as the launcher's {@code client} and {@code server} take them: the blocks they
 * make and the messages for what is missing or wrong (these were core's ClientCommand and ServerCommand).
 */
class AnytlsReferenceFlagsTest {
    @TempDir
    Path dir;

    /** The flags a user gave (by first name), an environment and the installed pool policies. */
    private static final class Given implements ReferenceFlags.Given {
        private final Map<String, List<String>> flags = new HashMap<>();
        private final Map<String, String> environment = new HashMap<>();
        private Set<String> policies = Set.of("min_idle");

        Given with(String flag, String... values) {
            flags.computeIfAbsent(flag, f -> new ArrayList<>()).addAll(List.of(values));
            return this;
        }

        Given env(String name, String value) {
            environment.put(name, value);
            return this;
        }

        @Override
        public Optional<String> value(String flag) {
            List<String> v = values(flag);
            return v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
        }

        @Override
        public List<String> values(String flag) {
            return flags.getOrDefault(flag, List.of());
        }

        @Override
        public boolean isSet(String flag) {
            return flags.containsKey(flag);
        }

        @Override
        public Optional<String> environment(String name) {
            return Optional.ofNullable(environment.get(name));
        }

        @Override
        public boolean hasPoolPolicy(String name) {
            return policies.contains(name);
        }
    }

    @Test
    void theClientsFlagsMakeItsOutbound() {
        Map<String, Object> outbound = AnytlsReferenceFlags.clientOutbound(new Given().with("-s", "proxy.example.net:443")
                .with("-p", "pw").with("--sni", "cdn.example.net"));
        assertThat(outbound).isEqualTo(Map.of("type", "anytls", "tag", "proxy", "server", "proxy.example.net",
                "server_port", 443, "password", "pw", "tls", Map.of("enabled", true, "server_name", "cdn.example.net"),
                "min_idle_session", 5));
        Given pinned = new Given().with("-s", "192.0.2.1:8443").with("--pin", "a", "b").with("-m", "1");
        pinned.policies = Set.of();
        assertThat(AnytlsReferenceFlags.clientOutbound(pinned.env("ANYTLS4J_PASSWORD", "env-pw")))
                .containsEntry("password", "env-pw").containsEntry("min_idle_session", 1)
                .containsEntry("tls", Map.of("enabled", true, "certificate_public_key_sha256", List.of("a", "b")));
        assertThat(AnytlsReferenceFlags.clientOutbound(new Given().with("-s", "proxy.example.net:443").with("-p", "pw")
                .with("-m", "0")).get("min_idle_session")).isEqualTo(0);
    }

    @Test
    void aLinkIsReadByAnytlsUriAndTheFlagsOverrideIt() {
        Map<String, Object> outbound = AnytlsReferenceFlags.clientOutbound(new Given()
                .with("-s", "ANYTLS://link-pw@192.0.2.1:8443/?sni=localhost#mine").with("--pin", "p"));
        assertThat(outbound).containsEntry("tag", "mine").containsEntry("password", "link-pw")
                .containsEntry("server", "192.0.2.1").containsEntry("server_port", 8443);
        assertThat(AnytlsReferenceFlags.clientOutbound(new Given().with("-s", "anytls://link-pw@h.example")
                .with("-p", "flag-pw"))).containsEntry("password", "flag-pw").containsEntry("server_port", 443);
        assertThatThrownBy(() -> AnytlsReferenceFlags.clientOutbound(new Given().with("-s", "anytls://pw@h:99999")))
                .hasMessage("-s: port must be 1..65535, was '99999'");
    }

    @Test
    void theClientRefusesWhatItCannotVerifyOrDoAndSaysWhy() {
        assertThatThrownBy(() -> AnytlsReferenceFlags.clientOutbound(new Given().with("-s", "192.0.2.1:8443")
                .with("-p", "pw"))).hasMessageContaining("cannot verify the server's certificate: '192.0.2.1' is an "
                        + "IP address").hasMessageContaining("--pin").hasMessageContaining("--insecure");
        assertThatThrownBy(() -> AnytlsReferenceFlags.clientOutbound(new Given().with("-s", "192.0.2.1:8443")
                .with("-p", "pw").with("--insecure").with("--pin", "abc"))).hasMessageContaining("--pin and --insecure");
        assertThatThrownBy(() -> AnytlsReferenceFlags.clientOutbound(new Given().with("-s", "proxy.example.net")))
                .hasMessage("-s must be HOST:PORT, was 'proxy.example.net'");
        assertThatThrownBy(() -> AnytlsReferenceFlags.clientOutbound(new Given()))
                .hasMessage("-s HOST:PORT (or an anytls:// link, or -c FILE) is required");
        assertThatThrownBy(() -> AnytlsReferenceFlags.clientOutbound(new Given().with("-s", "192.0.2.1:8443")))
                .hasMessage("a password is required: set the environment variable ANYTLS4J_PASSWORD (or give -p "
                        + "PASSWORD, which 'ps' shows, or a link with one)");
        assertThatThrownBy(() -> AnytlsReferenceFlags.clientOutbound(new Given().with("-s", "h.example:1")
                .with("-p", "pw").with("-m", "x"))).hasMessage("Invalid value for option '-m': 'x' is not an int");
        assertThatThrownBy(() -> AnytlsReferenceFlags.clientOutbound(new Given().with("-s", "h.example:1")
                .with("-p", "pw").with("-m", "-1"))).hasMessage("-m must be >= 0, was -1");
        assertThatThrownBy(() -> AnytlsReferenceFlags.clientOutbound(new Given().with("-s", "h.example:0")
                .with("-p", "pw"))).hasMessage("-s must name a host and a port 1..65535, was 'h.example:0'");
    }

    @Test
    void theServersFlagsMakeItsInbound() throws Exception {
        Path scheme = Files.writeString(dir.resolve("scheme.txt"), "stop=8\n0=30-30\n\n");
        assertThat(AnytlsReferenceFlags.serverInbound(new Given().with("-l", ":9443").with("-p", "pw")
                .with("--padding-scheme", scheme.toString()))).isEqualTo(Map.of("type", "anytls", "tag", "anytls-in",
                        "listen", "0.0.0.0", "listen_port", 9443,
                        "users", List.of(Map.of("name", "default", "password", "pw")),
                        "padding_scheme", List.of("stop=8", "0=30-30")));
        assertThat(AnytlsReferenceFlags.serverInbound(new Given().env("ANYTLS4J_PASSWORD", "env-pw")))
                .containsEntry("listen", "0.0.0.0").containsEntry("listen_port", 8443)
                .containsEntry("users", List.of(Map.of("name", "default", "password", "env-pw")));
    }

    @Test
    void theServerNeedsAPasswordAndNamesWhatIsWrongWithoutAJavaClass() {
        assertThatThrownBy(() -> AnytlsReferenceFlags.serverInbound(new Given().with("-l", "127.0.0.1:0")))
                .hasMessage("a password is required: set the environment variable ANYTLS4J_PASSWORD (or give -p "
                        + "PASSWORD, which 'ps' shows, or -c FILE)");
        assertThatThrownBy(() -> AnytlsReferenceFlags.serverInbound(new Given().env("ANYTLS4J_PASSWORD", "pw")
                .with("-l", "127.0.0.1:99999"))).hasMessage("-l: the port must be 0..65535, was '99999'");
        Path missing = dir.resolve("no-scheme.txt");
        assertThatThrownBy(() -> AnytlsReferenceFlags.serverInbound(new Given().with("-p", "pw")
                .with("--padding-scheme", missing.toString())))
                .hasMessage("--padding-scheme: cannot read " + missing + ": no such file or directory: " + missing);
    }

    @Test
    void theHelpOfThePasswordFlagsNamesTheEnvironmentVariable() {
        for (List<Flag> flags : List.of(AnytlsReferenceFlags.CLIENT, AnytlsReferenceFlags.SERVER)) {
            assertThat(flags).filteredOn(f -> f.names().contains("-p")).singleElement()
                    .satisfies(f -> assertThat(f.description())
                            .contains("environment variable ANYTLS4J_PASSWORD, which, unlike -p, 'ps' does not show"));
        }
    }
}
