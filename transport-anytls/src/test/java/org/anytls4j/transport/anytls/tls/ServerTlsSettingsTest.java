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
    void saysWhenAConfiguredCertificatesDatesMakeVerifyingClientsRefuseIt() {
        java.security.cert.X509Certificate certificate = A.certificate();
        java.time.Instant notBefore = certificate.getNotBefore().toInstant();
        java.time.Instant notAfter = certificate.getNotAfter().toInstant();
        String name = certificate.getSubjectX500Principal().getName();

        assertThat(ServerTlsSettings.validityWarning(certificate, notBefore.plusSeconds(60))).isEmpty();
        assertThat(ServerTlsSettings.validityWarning(certificate, notAfter.minus(java.time.Duration.ofDays(15))))
                .isEmpty();
        assertThat(ServerTlsSettings.validityWarning(certificate, notAfter.plus(java.time.Duration.ofDays(8))))
                .contains("the certificate for " + name + " expired on " + notAfter + ", 8 days ago: clients that "
                        + "verify it refuse every handshake (clients that pin its key or skip verification still "
                        + "connect); renew it");
        assertThat(ServerTlsSettings.validityWarning(certificate, notAfter.minus(java.time.Duration.ofDays(5))))
                .contains("the certificate for " + name + " expires on " + notAfter + ", in 5 days: from then "
                        + "clients that verify it refuse every handshake; renew it");
        assertThat(ServerTlsSettings.validityWarning(certificate, notBefore.minus(java.time.Duration.ofDays(2))))
                .contains("the certificate for " + name + " is not valid before " + notBefore + ", in 2 days: until "
                        + "then clients that verify it refuse every handshake; check the certificate and this "
                        + "host's clock");
    }

    /** A certificate for {@code CN=name} with A's key, valid from {@code notBefore} to {@code notAfter}. */
    private static java.security.cert.X509Certificate certificate(String name, java.time.Instant notBefore,
            java.time.Instant notAfter) throws Exception {
        var subject = new org.bouncycastle.asn1.x500.X500Name("CN=" + name);
        return new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(
                new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(subject, java.math.BigInteger.TEN,
                        java.util.Date.from(notBefore), java.util.Date.from(notAfter), subject,
                        A.keyPair().getPublic())
                        .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA")
                                .build(A.keyPair().getPrivate())));
    }

    @Test
    void aShortLivedCertificateWarnsOnlyInTheLastThirdOfItsValidity() throws Exception {
        java.time.Instant issued = java.time.Instant.parse("2026-12-01T00:00:00Z");
        java.security.cert.X509Certificate sixDays = certificate("short.example", issued,
                issued.plus(java.time.Duration.ofDays(6)));

        assertThat(ServerTlsSettings.validityWarning(sixDays, issued.plus(java.time.Duration.ofDays(3)))).isEmpty();
        assertThat(ServerTlsSettings.validityWarning(sixDays, issued.plus(java.time.Duration.ofHours(100))))
                .hasValueSatisfying(w -> assertThat(w).contains("expires on 2026-12-07T00:00:00Z, in 1 day"));
    }

    @Test
    void aServerWithAnExpiredCertificateSaysSoWhenItBuildsItsTlsContext() throws Exception {
        java.time.Instant now = java.time.Instant.now();
        java.security.cert.X509Certificate expired = certificate("expired.example",
                now.minus(java.time.Duration.ofDays(30)), now.minus(java.time.Duration.ofDays(3)));
        ServerTlsSettings settings = ServerTlsSettings.parse(tls(pem("CERTIFICATE", expired.getEncoded()), key(A)),
                "tls.");
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                "server-tls-settings-test");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
                new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        log.addAppender(lines);
        try {
            settings.newContext(log, "in", "tls.");
        } finally {
            log.detachAppender(lines);
        }

        assertThat(lines.list).filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                .singleElement().extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).asString()
                .startsWith("inbound=in tls.certificate_path: the certificate for CN=expired.example expired on ")
                .contains(", 3 days ago: clients that verify it refuse every handshake");
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
