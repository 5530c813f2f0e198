package org.anytls4j.transport.anytls.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.transport.anytls.TestContext;
import org.anytls4j.transport.anytls.client.ClientSettings;
import org.junit.jupiter.api.Test;

class ClientTlsSettingsTest {
    private static ClientSettings parse(String hocon) {
        return ClientSettings.parse(TestContext.outboundBlock(hocon));
    }

    @Test
    void refusesAnIpServerThatNothingCouldVerifyAsTheClientFlagsDo() {
        assertThatThrownBy(() -> parse("server = \"203.0.113.7\", password = x"))
                .isInstanceOfSatisfying(InvalidSettingException.class, e -> {
                    assertThat(e.key()).isEqualTo("server");
                    assertThat(e.problem()).startsWith("cannot verify the server's certificate: '203.0.113.7' is an"
                            + " IP address").contains("tls.certificate_public_key_sha256", "tls.insecure = true");
                });
        assertThatThrownBy(() -> parse("server = h, password = x, tls.server_name = \"::1\""))
                .isInstanceOfSatisfying(InvalidSettingException.class,
                        e -> assertThat(e.key()).isEqualTo("tls.server_name"));
    }

    @Test
    void acceptsAnIpServerWithAPinACertificateOrInsecure() {
        String pin = "tls.certificate_public_key_sha256 = \"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"";
        String ca = "tls.certificate = \"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\"";

        assertThat(parse("server = \"203.0.113.7\", password = x, " + pin).tls().pinnedKeys()).hasSize(1);
        assertThat(parse("server = \"203.0.113.7\", password = x, " + ca).tls().certificatePem()).isNotNull();
        assertThat(parse("server = \"203.0.113.7\", password = x, tls.insecure = true").tls().insecure()).isTrue();
        assertThat(parse("server = \"203.0.113.7\", password = x, tls.server_name = proxy.example.net").tls()
                .serverName()).isEqualTo("proxy.example.net");
    }

    @Test
    void namesAnUnreadableCertificateFileInWords() {
        assertThatThrownBy(() -> parse("server = h, password = x9-not-a-placeholder,"
                + " tls.certificate_path = \"/nonexistent/ca.pem\""))
                .isInstanceOfSatisfying(InvalidSettingException.class, e -> assertThat(e.problem())
                        .isEqualTo("cannot read '/nonexistent/ca.pem': no such file"))
                .hasMessageNotContaining("Exception");
    }
}
