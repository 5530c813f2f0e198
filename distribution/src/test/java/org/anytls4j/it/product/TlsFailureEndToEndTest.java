package org.anytls4j.it.product;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.inject.Guice;
import com.google.inject.Stage;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.anytls4j.core.inject.HostModule;
import org.anytls4j.core.inject.PluginContributionsModule;
import org.anytls4j.core.plugin.PluginHost;
import org.anytls4j.core.plugin.PluginLocation;
import org.anytls4j.core.runtime.BuiltinContributions;
import org.anytls4j.core.runtime.Host;
import org.anytls4j.core.testing.LogCapture;
import org.anytls4j.distribution.Distribution;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 10, "Errors that say what happened": a client whose server fails TLS verification (a wrong pin, a certificate
 * no CA vouches for) answers an HTTP proxy request with a 502 whose body says why in one line, logs it without a
 * stack trace, and the server logs the refused handshake in one rate-limited line. The real client and server of
 * the packaged plugins, in this JVM, on 127.0.0.1.
 */
@Timeout(60)
class TlsFailureEndToEndTest {
    private static final String PASSWORD = "tls-failure-e2e-password";

    @TempDir
    Path state;

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private LogCapture capture;
    private CompletableFuture<String> serverLine;
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private PluginHost plugins;
    private Host server;
    private Host client;
    private InetSocketAddress serverAddress;

    @BeforeEach
    void startServer() {
        logs.start();
        root.addAppender(logs);
        capture = LogCapture.of("org.anytls4j");
        serverLine = capture.awaitLine(line -> line.startsWith("inbound=anytls-in 1 tls handshakes failed in the"
                + " last 10s, the last from ") && line.contains("the client ended the handshake (alert"));
        plugins = PluginHost.start(PluginLocation.deployment(Distribution.plugins()), new BuiltinContributions());
        server = host();
        serverAddress = server.start(ConfigFactory.parseString("""
                inbounds = [ { type = anytls, tag = anytls-in, listen = "127.0.0.1", listen_port = 0,
                               users = [ { name = e2e, password = "%s" } ]
                               tls { data_directory = "%s" } } ]
                """.formatted(PASSWORD, state)), "tls-e2e-server").get("anytls-in");
    }

    @AfterEach
    void stop() {
        root.detachAppender(logs);
        capture.close();
        if (client != null) {
            client.stop();
        }
        server.stop();
        plugins.close();
    }

    @Test
    void aWrongPinIsA502SayingWhichKeyTheServerHasAndNoStackTrace() throws Exception {
        String body = httpConnectThrough("certificate_public_key_sha256 = \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"");

        assertThat(body).startsWith("HTTP/1.1 50").contains("TLS handshake with 127.0.0.1:" + serverAddress.getPort()
                + " failed: server public key sha256 " + savedPin() + " matches none of"
                + " tls.certificate_public_key_sha256");
        assertOneLineEach();
    }

    @Test
    void anUntrustedCertificateIsA502SayingPkixAndNoStackTrace() throws Exception {
        String body = httpConnectThrough("server_name = localhost");

        assertThat(body).startsWith("HTTP/1.1 50").contains("failed: certificate for localhost not trusted: PKIX path"
                + " building failed");
        assertOneLineEach();
    }

    /** Starts the client with {@code tls} and asks its HTTP proxy for a tunnel; returns the whole answer. */
    private String httpConnectThrough(String tls) throws IOException {
        client = host();
        InetSocketAddress proxy = client.start(ConfigFactory.parseString("""
                inbounds = [ { type = mixed, tag = local, listen = "127.0.0.1", listen_port = 0 } ]
                outbounds = [ { type = anytls, tag = proxy, server = "127.0.0.1", server_port = %d,
                                password = "%s", tls { %s } } ]
                """.formatted(serverAddress.getPort(), PASSWORD, tls)), "tls-e2e-client").get("local");
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.getPort())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write("CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private void assertOneLineEach() throws Exception {
        serverLine.get(20, TimeUnit.SECONDS);
        List<ILoggingEvent> events = List.copyOf(logs.list);
        assertThat(events).as("no stack trace").allSatisfy(e -> assertThat(e.getThrowableProxy())
                .as(e.getFormattedMessage()).isNull());
        assertThat(events).extracting(ILoggingEvent::getFormattedMessage)
                .noneMatch(line -> line.contains("tail of the pipeline"))
                .noneMatch(line -> line.contains("General OpenSslEngine problem"))
                .anyMatch(line -> line.contains("Failed to create session: TLS handshake with"))
                .anyMatch(line -> line.contains("open failed reason=") && line.contains(": TLS handshake with"));
    }

    private String savedPin() throws Exception {
        byte[] pem = Files.readAllBytes(state.resolve("certificates/anytls-in/cert.pem"));
        byte[] spki = CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem))
                .getPublicKey().getEncoded();
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
    }

    private Host host() {
        return Guice.createInjector(Stage.PRODUCTION, new PluginContributionsModule(plugins.contributions()),
                new HostModule()).getInstance(Host.class);
    }
}
