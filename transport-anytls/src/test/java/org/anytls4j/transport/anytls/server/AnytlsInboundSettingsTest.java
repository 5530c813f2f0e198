package org.anytls4j.transport.anytls.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import org.anytls4j.api.Destination;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.anytls4j.transport.anytls.tls.SelfSignedCertificate;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The inbound block: defaults, sing-box shapes, and an error naming the key for every bad value. */
class AnytlsInboundSettingsTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        AnytlsInboundSettings s = ServerHarness.settings("");
        assertThat(s.paddingScheme()).isEqualTo(PaddingScheme.DEFAULT);
        assertThat(s.authTimeoutNanos()).isEqualTo(Duration.ofSeconds(10).toNanos());
        assertThat(s.maxStreamsPerSession()).isEqualTo(1024);
        assertThat(s.sessionIdleTimeoutNanos()).isZero();
        assertThat(s.streamPendingBytes()).isEqualTo(1 << 20);
        assertThat(s.sessionPendingBytes()).isEqualTo(4 << 20);
        assertThat(s.sessionWriteStallTimeoutNanos()).isEqualTo(Duration.ofSeconds(60).toNanos());
        assertThat(s.frameReadTimeoutNanos()).isEqualTo(Duration.ofSeconds(60).toNanos());
        assertThat(s.inboundPendingBytes()).isEqualTo(Runtime.getRuntime().maxMemory() / 4);
        assertThat(s.fallback()).isEmpty();
        assertThat(s.tls().enabled()).isTrue();
        assertThat(s.tls().certificatePem()).isNull();
        assertThat(s.users()).singleElement().extracting(AnytlsInboundSettings.User::name).isEqualTo("capture");
    }

    @Test
    void anEmptyPaddingSchemeMeansTheDefaultAsInSingBox() {
        assertThat(ServerHarness.settings("padding_scheme = []").paddingScheme()).isEqualTo(PaddingScheme.DEFAULT);
    }

    @Test
    void singBoxJsonBlockLoadsUnchanged() {
        String json = """
                {
                  "type": "anytls", "tag": "anytls-in", "listen": "::", "listen_port": 8443,
                  "users": [ { "name": "sekai", "password": "8JCsPssfgS8tiRwiMlhARg==" }, { "password": "p2" } ],
                  "padding_scheme": [ "stop=2", "0=30-30", "1=100-400" ],
                  "tls": { "enabled": true, "alpn": [ "h2", "http/1.1" ], "min_version": "1.3" },
                  "fallback": { "server": "127.0.0.1", "server_port": 8080 }
                }""";
        AnytlsInboundSettings s = AnytlsInboundSettings.parse(
                ConfigFactory.parseString(json).withFallback(ServerHarness.defaults()));
        assertThat(s.listen()).isEqualTo("::");
        assertThat(s.listenPort()).isEqualTo(8443);
        assertThat(s.users()).extracting(AnytlsInboundSettings.User::name).containsExactly("sekai", "#1");
        assertThat(s.users().get(0).passwordHash()).isEqualTo(RawTlsClient.sha256("8JCsPssfgS8tiRwiMlhARg=="));
        assertThat(s.paddingScheme().text()).isEqualTo("stop=2\n0=30-30\n1=100-400");
        assertThat(s.tls().alpn()).containsExactly("h2", "http/1.1");
        assertThat(s.tls().protocols()).containsExactly("TLSv1.3");
        assertThat(s.fallback()).contains(new Destination("127.0.0.1", 8080));
    }

    @Test
    void badValuesNameTheirKey() {
        assertBad("listen = null", "listen", "required");
        assertBad("listen_port = 70000", "listen_port", "0..65535");
        assertBad("users = []", "users", "at least one");
        assertBad("users = [ { name = a } ]", "users[0].password", "required");
        assertBad("users = [ { password = x }, { password = x } ]", "users[1].password", "distinct");
        assertBad("padding_scheme = [ \"stop=-1\", \"0=30-30\" ]", "padding_scheme", ">= 0");
        assertBad("padding_scheme = [ \"stop=8\\r\", \"0=30-30\" ]", "padding_scheme", "decimal integer");
        assertBad("padding_scheme = [ \"0=30-30\" ]", "padding_scheme", "stop");
        assertBad("padding_scheme = [ \"stop=1\", \"" + "x".repeat(70_000) + "\" ]", "padding_scheme", "65535");
        assertBad("auth_timeout = 0s", "auth_timeout", "(0s, 1h]");
        assertBad("max_streams_per_session = 0", "max_streams_per_session", ">= 1");
        assertBad("session_idle_timeout = -1s", "session_idle_timeout", ">= 0s");
        assertBad("stream_pending_bytes = 1000", "stream_pending_bytes", "65536..");
        assertBad("session_pending_bytes = 64KiB", "session_pending_bytes", "131072..");
        assertBad("session_write_stall_timeout = 0s", "session_write_stall_timeout", "(0s, 1h]");
        assertBad("frame_read_timeout = 2h", "frame_read_timeout", "[0s, 1h]");
        assertBad("inbound_pending_bytes = 1000", "inbound_pending_bytes", "at least 131072");
        assertBad("fallback { server = \"127.0.0.1\" }", "fallback.server_port", "both");
        assertBad("fallback { server = \"x\", server_port = 0 }", "fallback.server_port", "1..65535");
        assertBad("tls { certificate_path = /nonexistent.pem, key_path = /nonexistent.key }",
                "tls.certificate_path", "cannot read");
        assertBad("tls { key = \"-----BEGIN PRIVATE KEY-----\" }", "tls.certificate_path", "together");
        assertBad("tls { min_version = \"1.4\" }", "tls.min_version", "one of");
        assertBad("tls { min_version = \"1.3\", max_version = \"1.2\" }", "tls.max_version", "below");
    }

    private static void assertBad(String hocon, String key, String problem) {
        assertThatThrownBy(() -> ServerHarness.settings(hocon))
                .as(hocon.length() > 100 ? hocon.substring(0, 100) : hocon)
                .isInstanceOfSatisfying(InvalidSettingException.class, e -> {
                    assertThat(e.key()).isEqualTo(key);
                    assertThat(e.problem()).contains(problem);
                });
    }

    @Test
    void selfSignedPinIsTheSha256OfTheSubjectPublicKeyInfo() throws Exception {
        SelfSignedCertificate self = SelfSignedCertificate.generate("anytls4j");
        SubjectPublicKeyInfo spki = new X509CertificateHolder(self.certificate().getEncoded()).getSubjectPublicKeyInfo();
        String expected = Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(spki.getEncoded()));
        assertThat(self.publicKeyPin()).isEqualTo(expected);
        self.certificate().checkValidity();
        self.certificate().verify(self.certificate().getPublicKey());
    }

    @Test
    @Timeout(60)
    void configuredCertificateFilesAreServed(@TempDir Path dir) throws Exception {
        SelfSignedCertificate self = SelfSignedCertificate.generate("configured.example");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Files.writeString(cert, pem(self.certificate()), StandardCharsets.US_ASCII);
        Files.writeString(key, pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(
                self.keyPair().getPrivate(), null)), StandardCharsets.US_ASCII);
        try (ServerHarness server = ServerHarness.start("tls { certificate_path = \"" + cert + "\", key_path = \""
                + key + "\" }");
                RawTlsClient client = server.client()) {
            var session = client.channel().pipeline().get(io.netty.handler.ssl.SslHandler.class).engine().getSession();
            assertThat(session.getPeerCertificates()[0]).isEqualTo(self.certificate());
            client.sendRecord(RawTlsClient.concat(RawTlsClient.preamble(ServerHarness.PASSWORD, 0),
                    RawTlsClient.settings("v=2")));
            client.expect(Command.UPDATE_PADDING_SCHEME, 0);
            client.expect(Command.SERVER_SETTINGS, 0);
        }
    }

    @Test
    @Timeout(60)
    void plaintextWhenTlsIsDisabled() throws Exception {
        try (ServerHarness server = ServerHarness.start("tls { enabled = false }");
                java.net.Socket socket = new java.net.Socket("127.0.0.1", server.address.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(RawTlsClient.concat(RawTlsClient.preamble(ServerHarness.PASSWORD, 30),
                    RawTlsClient.settings("v=2\npadding-md5=" + PaddingScheme.DEFAULT.md5Hex())));
            byte[] answer = socket.getInputStream().readNBytes(10);
            assertThat(answer).isEqualTo(RawTlsClient.frame(Command.SERVER_SETTINGS, 0,
                    "v=2".getBytes(StandardCharsets.US_ASCII)));
        }
    }

    private static String pem(Object o) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        }
        return w.toString();
    }
}
