package org.anytls4j.transport.anytls.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.handler.ssl.SslHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.Certificate;
import java.util.List;
import java.util.Map;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.transport.anytls.server.RawTlsClient;
import org.anytls4j.transport.anytls.server.ServerHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** A server without a certificate of its own keeps the one it generates, so that its pin survives restarts. */
class GeneratedCertificateStoreTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(60)
    void twoStartsWithTheSameDataDirectoryServeTheSameCertificate() throws Exception {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger logger = (Logger) LoggerFactory.getLogger("org.anytls4j.transport.anytls.server");
        logger.addAppender(logs);
        try {
            Certificate first = servedCertificate();
            Certificate second = servedCertificate();

            assertThat(second).isEqualTo(first);
            Path saved = dir.resolve("certificates").resolve("in");
            assertThat(messages(logs)).anySatisfy(line -> assertThat(line)
                    .startsWith("inbound=in generated a self-signed certificate")
                    .contains("saved to " + saved + ";")
                    .endsWith("pin: tls.certificate_public_key_sha256 = "
                            + ClientTlsContext.publicKeySha256((java.security.cert.X509Certificate) first)));
            assertThat(messages(logs)).anySatisfy(line -> assertThat(line).isEqualTo(
                    "inbound=in loaded the generated certificate from " + saved + "; pin: tls.certificate_public_key_sha256 = "
                            + ClientTlsContext.publicKeySha256((java.security.cert.X509Certificate) first)));
            assertThat(messages(logs)).filteredOn(line -> line.contains("generated a self-signed")).hasSize(1);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(saved.resolve("key.pem"))))
                    .isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(saved.resolve("cert.pem"))))
                    .isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(saved))).isEqualTo("rwx------");
        } finally {
            logger.detachAppender(logs);
        }
    }

    private Certificate servedCertificate() throws Exception {
        try (ServerHarness server = ServerHarness.start("tls { data_directory = \"" + dir + "\" }");
                RawTlsClient client = server.client()) {
            return client.channel().pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates()[0];
        }
    }

    private static List<String> messages(ListAppender<ILoggingEvent> logs) {
        return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void aCorruptSavedCertificateIsAnErrorNamingTheFileNotANewCertificate() throws Exception {
        org.slf4j.Logger log = LoggerFactory.getLogger(GeneratedCertificateStoreTest.class);
        GeneratedCertificateStore.load(dir, "in", log, "tls.data_directory");
        Path certificate = GeneratedCertificateStore.directory(dir, "in").resolve("cert.pem");
        Files.writeString(certificate, "garbage");

        assertThatThrownBy(() -> GeneratedCertificateStore.load(dir, "in", log, "tls.data_directory"))
                .isInstanceOfSatisfying(InvalidSettingException.class, e -> {
                    assertThat(e.key()).isEqualTo("tls.data_directory");
                    assertThat(e.problem()).startsWith("cannot use the generated certificate saved in "
                            + certificate + ": not a PEM X.509 certificate");
                });
        assertThat(Files.readString(certificate)).isEqualTo("garbage");
    }

    @Test
    void aKeyOfAnotherCertificateIsAnErrorNamingTheKeyFile() throws Exception {
        org.slf4j.Logger log = LoggerFactory.getLogger(GeneratedCertificateStoreTest.class);
        GeneratedCertificateStore.load(dir, "a", log, "tls.data_directory");
        GeneratedCertificateStore.load(dir, "b", log, "tls.data_directory");
        Path keyA = GeneratedCertificateStore.directory(dir, "a").resolve("key.pem");
        Files.copy(GeneratedCertificateStore.directory(dir, "b").resolve("key.pem"), keyA,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        assertThatThrownBy(() -> GeneratedCertificateStore.load(dir, "a", log, "tls.data_directory"))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining(keyA + ": the key does not belong to");
    }

    @Test
    void theDefaultDirectoryIsTheInstallationsThenXdgThenHome() {
        assertThat(GeneratedCertificateStore.defaultDirectory(
                Map.of("anytls4j.home", "/opt/anytls4j", "user.home", "/home/u"), Map.of("XDG_STATE_HOME", "/x")))
                .isEqualTo(Path.of("/opt/anytls4j/state"));
        assertThat(GeneratedCertificateStore.defaultDirectory(Map.of("user.home", "/home/u"),
                Map.of("XDG_STATE_HOME", "/x"))).isEqualTo(Path.of("/x/anytls4j"));
        assertThat(GeneratedCertificateStore.defaultDirectory(Map.of("user.home", "/home/u"), Map.of()))
                .isEqualTo(Path.of("/home/u/.local/state/anytls4j"));
    }
}
