package org.anytls4j.transport.anytls.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.net.ServerSocket;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.outbound.Session;
import org.anytls4j.api.outbound.SessionConnector;
import org.anytls4j.core.inbound.TestNetty;
import org.anytls4j.transport.anytls.AnytlsTransportFactory;
import org.anytls4j.transport.anytls.TestContext;
import org.anytls4j.transport.anytls.tls.ClientTlsContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Certificate verification, pins, SNI and ALPN of the client against a plain TLS server on 127.0.0.1. */
@Timeout(30)
class ClientTlsTest {
    private static TestNetty netty;
    private static RecordingTlsServer server;
    private final AtomicInteger sequence = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        netty = new TestNetty();
        var certificate = RecordingTlsServer.certificate();
        server = new RecordingTlsServer(netty, SslContextBuilder
                .forServer(certificate.keyPair().getPrivate(), certificate.certificate())
                .sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2")
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2", "http/1.1"))
                .build());
    }

    @AfterAll
    static void stop() {
        server.close();
        netty.close();
    }

    private static String pemLines() {
        String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(
                encoded());
        StringBuilder sb = new StringBuilder("[\"-----BEGIN CERTIFICATE-----\"");
        for (String line : body.split("\n")) {
            sb.append(", \"").append(line).append('"');
        }
        return sb.append(", \"-----END CERTIFICATE-----\"]").toString();
    }

    private static byte[] encoded() {
        try {
            return RecordingTlsServer.certificate().certificate().getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Session connect(String tls) throws Exception {
        return connect("127.0.0.1", server.port(), tls);
    }

    private Session connect(String host, int port, String tls) throws Exception {
        SessionConnector connector = new AnytlsTransportFactory().create(
                TestContext.outboundBlock("server = \"" + host + "\", server_port = " + port
                        + ", password = s3cret-pw, connect_timeout = 5s, tls { " + tls + " }"),
                TestContext.client("tls-test", netty));
        try {
            return connector.connect(sequence::incrementAndGet).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } finally {
            connector.close();
        }
    }

    @Test
    void aMatchingPinIsAccepted() throws Exception {
        Session session = connect("certificate_public_key_sha256 = [\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\", \""
                + RecordingTlsServer.certificate().publicKeyPin() + "\"]");

        assertThat(session.seq()).isEqualTo(1);
        assertThat(ClientTlsContext.publicKeySha256(RecordingTlsServer.certificate().certificate()))
                .isEqualTo(RecordingTlsServer.certificate().publicKeyPin());
        session.close(CloseReason.SHUTDOWN);
    }

    /**
     * A connection never made is reported as such, not as a failed handshake: SslHandler fails its handshake as the
     * closed channel's pipeline is emptied, and the connector, which listens to the handshake from the channel's
     * initializer, must leave that report to the connect's own failure.
     */
    @Test
    void aRefusedConnectionIsReportedAsTheConnectsFailureNotAsAHandshakeFailure() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }

        for (int i = 0; i < 20; i++) {
            assertThatThrownBy(() -> connect("127.0.0.1", closedPort, "insecure = true"))
                    .isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOf(java.net.ConnectException.class)
                    .hasMessageNotContaining("TLS handshake");
        }
        assertThat(sequence.get()).isZero();
    }

    /**
     * A server that accepts and resets at once (a relay whose upstream is down): the connection was made, so the
     * failure is the handshake's and is reported at once, however early in the handshake it comes. Seen hanging
     * until the caller's timeout when the reset failed the handshake before the connector had seen the channel
     * active.
     */
    @Test
    void aConnectionResetRightAfterAcceptFailsAtOnceEveryTime() throws Exception {
        try (java.net.ServerSocket resetter = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getLoopbackAddress())) {
            Thread thread = new Thread(() -> {
                while (!resetter.isClosed()) {
                    try (java.net.Socket accepted = resetter.accept()) {
                        accepted.setSoLinger(true, 0);
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            }, "resetter");
            thread.setDaemon(true);
            thread.start();

            for (int i = 0; i < 30; i++) {
                long started = System.nanoTime();
                assertThatThrownBy(() -> connect("127.0.0.1", resetter.getLocalPort(), "insecure = true"))
                        .isInstanceOf(ExecutionException.class);
                assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).as("attempt " + i)
                        .isLessThan(java.time.Duration.ofSeconds(4));
            }
        }
        assertThat(sequence.get()).isZero();
    }

    @Test
    void aWrongPinFailsTheHandshakeAndConsumesNoSequenceNumber() {
        assertThatThrownBy(() -> connect("certificate_public_key_sha256 = \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\""))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SSLException.class)
                .hasMessage("TLS handshake with 127.0.0.1:" + server.port() + " failed: server public key sha256 "
                        + RecordingTlsServer.certificate().publicKeyPin()
                        + " matches none of tls.certificate_public_key_sha256");
        assertThat(sequence.get()).isZero();
    }

    @Test
    void theServerCertificateAsInlinePemIsTrustedAndAnIpServerSendsNoSni() throws Exception {
        Session session = connect("certificate = " + pemLines());

        assertThat(session.isActive()).isTrue();
        assertThat(server.requestedServerNames()).isEmpty();
        session.close(CloseReason.SHUTDOWN);
    }

    @Test
    void serverNameIsSentAsSniAndVerifiedAgainstTheCertificate() throws Exception {
        Session session = connect("server_name = localhost, certificate = " + pemLines());

        assertThat(server.requestedServerNames()).containsExactly("localhost");
        session.close(CloseReason.SHUTDOWN);
    }

    @Test
    void aServerNameTheCertificateDoesNotCoverFails() {
        assertThatThrownBy(() -> connect("server_name = other.example, certificate = " + pemLines()))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SSLException.class)
                .hasMessageContaining("failed: server certificate does not match tls.server_name other.example");
    }

    @Test
    void aSelfSignedServerIsRejectedByTheSystemTrustStore() {
        assertThatThrownBy(() -> connect("server_name = localhost"))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SSLException.class)
                .hasMessageContaining("failed: certificate for localhost not trusted: PKIX path building failed");
    }

    @Test
    void insecureSkipsVerification() throws Exception {
        Session session = connect("server_name = other.example, insecure = true");

        assertThat(session.isActive()).isTrue();
        session.close(CloseReason.SHUTDOWN);
    }

    @Test
    void alpnIsOffered() throws Exception {
        Session session = connect("insecure = true, alpn = [h2], min_version = \"1.3\"");

        assertThat(server.applicationProtocol()).isEqualTo("h2");
        assertThat(server.negotiatedProtocol()).isEqualTo("TLSv1.3");
        session.close(CloseReason.SHUTDOWN);
    }

    @Test
    void maxVersionLimitsTheProtocol() throws Exception {
        Session session = connect("insecure = true, max_version = \"1.2\"");

        assertThat(server.negotiatedProtocol()).isEqualTo("TLSv1.2");
        session.close(CloseReason.SHUTDOWN);
    }

    @Test
    void aRefusedConnectionFailsAndConsumesNoSequenceNumber() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        assertThatThrownBy(() -> connect("127.0.0.1", closedPort, "insecure = true"))
                .isInstanceOf(ExecutionException.class);
        assertThat(sequence.get()).isZero();
    }

    @Test
    void tlsMustBeEnabled() {
        assertThatThrownBy(() -> connect("enabled = false"))
                .isInstanceOf(InvalidSettingException.class)
                .satisfies(e -> assertThat(((InvalidSettingException) e).key()).isEqualTo("tls.enabled"));
    }

    @Test
    void badTlsValuesNameTheirKey() {
        for (var bad : List.of(
                List.of("min_version = \"1.4\"", "tls.min_version"),
                List.of("min_version = \"1.3\", max_version = \"1.2\"", "tls.max_version"),
                List.of("certificate_public_key_sha256 = \"not base64!\"", "tls.certificate_public_key_sha256"),
                List.of("certificate = \"no pem here\"", "tls.certificate"),
                List.of("certificate_path = \"/nonexistent/ca.pem\"", "tls.certificate_path"))) {
            assertThatThrownBy(() -> connect(bad.get(0)))
                    .isInstanceOf(InvalidSettingException.class)
                    .satisfies(e -> assertThat(((InvalidSettingException) e).key()).isEqualTo(bad.get(1)));
        }
    }
}
