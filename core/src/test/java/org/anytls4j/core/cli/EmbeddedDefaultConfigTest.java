package org.anytls4j.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.anytls4j.api.outbound.QuickStart;
import org.junit.jupiter.api.Test;

/**
 * The embedded default of {@code anytls4j run}: the host's ends (a mixed inbound, a direct outbound, a fresh
 * password) around the middle a transport's {@link QuickStart} makes, and the transport's usage text.
 */
class EmbeddedDefaultConfigTest {
    /** Records what it was asked for and answers with blocks naming it. */
    private static final class Recording implements QuickStart {
        String password;

        @Override
        public Demo demo(String loopback, int serverPort, String serverTag, String serverRoute, String clientTag,
                String password) {
            this.password = password;
            return new Demo() {
                @Override
                public Map<String, Object> serverInbound() {
                    return Map.of("type", "fake", "tag", serverTag, "listen", loopback, "listen_port", serverPort,
                            "outbound", serverRoute);
                }

                @Override
                public Map<String, Object> clientOutbound() {
                    return Map.of("type", "fake", "tag", clientTag, "password", password);
                }

                @Override
                public String usage(InetSocketAddress proxy, InetSocketAddress server) {
                    return "proxy " + proxy.getPort() + " server " + server.getPort() + "\n";
                }
            };
        }
    }

    @Test
    void theHostsEndsSurroundTheTransportsServerAndClient() {
        Recording quickStart = new Recording();
        EmbeddedDefault embedded = EmbeddedDefault.generate(quickStart);
        Config config = embedded.config();

        assertThat(quickStart.password).hasSize(43); // 32 random bytes, base64url without padding
        assertThat(EmbeddedDefault.generate(new Recording()).config()).isNotEqualTo(config); // a new password each time
        List<? extends Config> inbounds = config.getConfigList("inbounds");
        assertThat(inbounds.get(0).root().unwrapped()).isEqualTo(Map.of("type", "mixed", "tag", "local",
                "listen", "127.0.0.1", "listen_port", 1080, "outbound", "proxy"));
        assertThat(inbounds.get(1).root().unwrapped()).isEqualTo(Map.of("type", "fake", "tag", "anytls-in",
                "listen", "127.0.0.1", "listen_port", 8443, "outbound", "direct"));
        List<? extends Config> outbounds = config.getConfigList("outbounds");
        assertThat(outbounds.get(0).root().unwrapped()).isEqualTo(Map.of("type", "fake", "tag", "proxy",
                "password", quickStart.password));
        assertThat(outbounds.get(1).root().unwrapped()).isEqualTo(Map.of("type", "direct", "tag", "direct"));
        assertThat(config.origin().description()).contains(EmbeddedDefault.SOURCE);

        StringWriter out = new StringWriter();
        embedded.printUsage(Map.of("local", new InetSocketAddress("127.0.0.1", 1080),
                "anytls-in", new InetSocketAddress("127.0.0.1", 8443)), new PrintWriter(out));
        assertThat(out).hasToString("proxy 1080 server 8443\n");
    }
}
