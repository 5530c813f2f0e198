package org.anytls4j.transport.anytls.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Map;
import org.anytls4j.api.Digests;
import org.anytls4j.api.outbound.QuickStart;
import org.anytls4j.transport.anytls.AnytlsTransportFactory;
import org.junit.jupiter.api.Test;

/** The anytls part of {@code run} without a configuration: the Balanced profile's file, a pinned fresh certificate. */
class AnytlsQuickStartTest {
    @Test
    void thePoolKeysAreTheBalancedProfileOfTheShippedExample() {
        assertThat(AnytlsQuickStart.balancedPoolKeys()).containsOnly(
                Map.entry("idle_session_check_interval", "30s"), Map.entry("idle_session_timeout", "5m"),
                Map.entry("min_idle_session", 2), Map.entry("ensure_idle_session", 5), Map.entry("heartbeat", "30s"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theClientPinsTheServersFreshCertificateAndUsesThePassword() throws Exception {
        QuickStart.Demo demo = new AnytlsTransportFactory().demo("127.0.0.1", 8443, "anytls-in", "direct", "proxy",
                "pw-123");
        Map<String, Object> server = demo.serverInbound();
        Map<String, Object> client = demo.clientOutbound();
        assertThat(server).containsEntry("type", "anytls").containsEntry("tag", "anytls-in")
                .containsEntry("listen", "127.0.0.1").containsEntry("listen_port", 8443)
                .containsEntry("outbound", "direct")
                .containsEntry("users", List.of(Map.of("name", "default", "password", "pw-123")));
        assertThat(client).containsEntry("type", "anytls").containsEntry("tag", "proxy")
                .containsEntry("server", "127.0.0.1").containsEntry("server_port", 8443)
                .containsEntry("password", "pw-123").containsEntry("min_idle_session", 2)
                .containsEntry("ensure_idle_session", 5).containsEntry("heartbeat", "30s");
        String certificate = (String) ((Map<String, Object>) server.get("tls")).get("certificate");
        String pin = Digests.publicKeyPin(CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(certificate.getBytes(StandardCharsets.US_ASCII))).getPublicKey());
        Map<String, Object> tls = (Map<String, Object>) client.get("tls");
        assertThat(tls).containsEntry("server_name", "localhost")
                .containsEntry("certificate_public_key_sha256", List.of(pin));

        String usage = demo.usage(new InetSocketAddress("127.0.0.1", 1080), new InetSocketAddress("127.0.0.1", 8443));
        assertThat(usage).startsWith("\nanytls4j is running the embedded default:\n"
                        + "  a SOCKS5/SOCKS4/HTTP proxy on 127.0.0.1:1080, whose connections go through a pool of AnyTLS\n"
                        + "  sessions (Balanced profile: min_idle_session 2, ensure_idle_session 5, heartbeat 30s) to\n"
                        + "  an AnyTLS server on 127.0.0.1:8443 with a new self-signed certificate, pinned by the client:\n"
                        + "  certificate_public_key_sha256 = \"" + pin + "\"\n")
                .contains("  curl -x socks5h://127.0.0.1:1080 https://example.com\n")
                .endsWith("(see conf/server.conf for the server side).\n");
        assertThat(new AnytlsTransportFactory().demo("127.0.0.1", 8443, "s", "d", "c", "p").clientOutbound()
                .get("tls")).as("a new certificate on every call").isNotEqualTo(tls);
    }
}
