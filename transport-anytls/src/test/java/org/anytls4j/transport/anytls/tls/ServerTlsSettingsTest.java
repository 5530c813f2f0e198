package org.anytls4j.transport.anytls.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.util.Base64;
import org.anytls4j.api.InvalidSettingException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerTlsSettingsTest {
    private static final SelfSignedCertificate A = SelfSignedCertificate.generate("a.example");
    private static final SelfSignedCertificate B = SelfSignedCertificate.generate("b.example");

    @TempDir
    Path dir;

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static String certificate(SelfSignedCertificate self) throws CertificateEncodingException {
        return pem("CERTIFICATE", self.certificate().getEncoded());
    }

    private static String key(SelfSignedCertificate self) {
        return pem("PRIVATE KEY", self.keyPair().getPrivate().getEncoded());
    }

    private Config tls(String certificate, String key) throws IOException {
        Path cert = Files.writeString(dir.resolve("cert.pem"), certificate);
        Path keyFile = Files.writeString(dir.resolve("key.pem"), key);
        return ConfigFactory.parseString("""
                enabled = true
                certificate_path = "%s"
                key_path = "%s"
                """.formatted(cert, keyFile), com.typesafe.config.ConfigParseOptions.defaults()
                .setOriginDescription("server.conf"))
                .withFallback(ConfigFactory.parseString("certificate = null, key = null, alpn = [],"
                        + " min_version = null, max_version = null"));
    }

    @Test
    void acceptsAMatchingPair() throws IOException, CertificateEncodingException {
        ServerTlsSettings settings = ServerTlsSettings.parse(tls(certificate(A), key(A)), "tls.");

        assertThat(settings.certificatePem()).contains("BEGIN CERTIFICATE");
    }

    @Test
    void refusesAKeyThatDoesNotBelongToTheCertificateNamingTheKey() throws IOException,
            CertificateEncodingException {
        assertThatThrownBy(() -> ServerTlsSettings.parse(tls(certificate(A), key(B)), "tls."))
                .isInstanceOfSatisfying(InvalidSettingException.class, e -> {
                    assertThat(e.key()).isEqualTo("tls.key_path");
                    assertThat(e.problem()).startsWith("the private key does not belong to the certificate (CN=a.example)");
                    assertThat(e.origin().description()).contains("server.conf");
                });
    }

    @Test
    void saysInWordsWhatTheKeyFileHoldsWhenItIsTheCertificate() throws IOException, CertificateEncodingException {
        assertThatThrownBy(() -> ServerTlsSettings.parse(tls(certificate(A), certificate(A)), "tls."))
                .isInstanceOfSatisfying(InvalidSettingException.class, e -> assertThat(e.problem()).isEqualTo(
                        "cannot read the private key: expected an unencrypted private key, found a certificate"
                                + " (is key_path pointing at the certificate file?)"))
                .hasMessageNotContaining("X509CertificateHolder");
    }

    @Test
    void namesAMissingFileWithoutAJavaExceptionName() {
        Config tls = ConfigFactory.parseString("""
                enabled = true, certificate_path = "/nonexistent/cert.pem", key_path = "/nonexistent/key.pem"
                certificate = null, key = null, alpn = [], min_version = null, max_version = null
                """);

        assertThatThrownBy(() -> ServerTlsSettings.parse(tls, "tls."))
                .isInstanceOfSatisfying(InvalidSettingException.class, e -> assertThat(e.problem())
                        .isEqualTo("cannot read /nonexistent/cert.pem: no such file"))
                .hasMessageNotContaining("NoSuchFileException");
    }
}
