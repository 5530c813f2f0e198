package org.anytls4j.transport.anytls.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code anytls4j generate certificate}, which the launcher hands to this tool. */
class CertificateToolTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return new CertificateTool().run(List.of(args), new PrintWriter(out), new PrintWriter(err));
    }

    @Test
    void writesACertificateAndKeyWhosePinIsTheSha256OfTheSubjectPublicKeyInfo() throws Exception {
        Path tls = dir.resolve("tls");

        assertThat(run("--out-dir", tls.toString(), "--name", "proxy.example.net")).as(err.toString()).isZero();

        X509Certificate certificate;
        try (var in = Files.newInputStream(tls.resolve("cert.pem"))) {
            certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        String pin = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                .digest(certificate.getPublicKey().getEncoded()));
        assertThat(out.toString()).contains("certificate_public_key_sha256: " + pin + System.lineSeparator())
                .contains("client:  tls { certificate_public_key_sha256 = \"" + pin + "\" }");
        assertThat(certificate.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList())
                .containsExactly("proxy.example.net", "localhost", "127.0.0.1");
        assertThat(Files.readString(tls.resolve("key.pem"))).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.getPosixFilePermissions(tls.resolve("key.pem")))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

        assertThat(run("--out-dir", tls.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("exists; not overwritten");
    }

    @Test
    void refusesAnEmptyNameAndUnknownOptions() {
        assertThat(run("--name", " ")).isEqualTo(2);
        assertThat(run("--bogus", "x")).isEqualTo(2);
        assertThat(run("--out-dir")).isEqualTo(2);
        assertThat(err.toString()).contains("--name: the certificate name must not be empty")
                .contains("usage: generate certificate");
    }
}
