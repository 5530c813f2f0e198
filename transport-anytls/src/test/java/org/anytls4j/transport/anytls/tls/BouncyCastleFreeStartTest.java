package org.anytls4j.transport.anytls.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server with a configured PKCS#8 key builds its TLS context without loading a single BouncyCastle class (issue
 * 12, start-up): checked in a child JVM run with {@code -verbose:class}, whose class-load log must name no
 * {@code org.bouncycastle} class. The control, a SEC1 key ({@code BEGIN EC PRIVATE KEY}) that only BouncyCastle
 * reads, proves the probe sees BouncyCastle when it does load. The same probe shows that building the context derives
 * no key-store keys and loads no trust store.
 */
class BouncyCastleFreeStartTest {
    private static final SelfSignedCertificate SELF = SelfSignedCertificate.generate("probe.example");

    @TempDir
    Path dir;

    @Test
    @Timeout(60)
    void aPkcs8KeyIsReadWithoutBouncyCastle() throws Exception {
        List<String> loaded = buildInChild(pem("PRIVATE KEY", SELF.keyPair().getPrivate().getEncoded()));

        assertThat(loaded).anyMatch(line -> line.contains(ServerTlsSettings.class.getName()));
        assertThat(loaded).noneMatch(line -> line.contains("org.bouncycastle."));
    }

    /**
     * The key and certificate reach the engine through an in-memory key store whose key protection is a single pass
     * (PKCS#12's PBKDF2, twice, cost 0.1-0.2 s of every server start), and a server that asks no client for a
     * certificate loads no trust store.
     */
    @Test
    @Timeout(60)
    void aServerContextRunsNoKeyDerivationAndLoadsNoTrustStore() throws Exception {
        List<String> loaded = buildInChild(pem("PRIVATE KEY", SELF.keyPair().getPrivate().getEncoded()));

        assertThat(loaded).anyMatch(line -> line.contains(ServerTlsSettings.class.getName()));
        assertThat(loaded).noneMatch(line -> line.contains("com.sun.crypto.provider.PBKDF2KeyImpl "));
        assertThat(loaded).noneMatch(line -> line.contains("sun.security.ssl.TrustStoreManager$TrustStoreDescriptor "));
    }

    @Test
    @Timeout(60)
    void aSec1KeyStillWorksAndIsTheOnlyReasonToLoadBouncyCastle() throws Exception {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(SELF.keyPair().getPrivate().getEncoded());
        ECPrivateKey key = (ECPrivateKey) SELF.keyPair().getPrivate();
        byte[] sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, key.getS(),
                info.getPrivateKeyAlgorithm().getParameters()).getEncoded();

        List<String> loaded = buildInChild(pem("EC PRIVATE KEY", sec1));

        assertThat(loaded).anyMatch(line -> line.contains("org.bouncycastle.openssl.PEMParser"));
    }

    private List<String> buildInChild(String keyPem) throws IOException, InterruptedException {
        Path cert = Files.writeString(dir.resolve("cert.pem"), pem("CERTIFICATE", encoded()));
        Path key = Files.writeString(dir.resolve("key.pem"), keyPem);
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process child = new ProcessBuilder(java, "-verbose:class", "-cp", System.getProperty("java.class.path"),
                ServerContextMain.class.getName(), cert.toString(), key.toString())
                .redirectErrorStream(true).start();
        List<String> lines = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as(String.join("\n", lines.subList(Math.max(0, lines.size() - 40),
                lines.size()))).isZero();
        assertThat(lines).anyMatch(line -> line.startsWith("built "));
        return lines;
    }

    private static byte[] encoded() {
        try {
            return SELF.certificate().getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new AssertionError(e);
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

}
