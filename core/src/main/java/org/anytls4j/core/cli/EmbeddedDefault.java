package org.anytls4j.core.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Map;
import org.anytls4j.api.Digests;
import org.anytls4j.api.Tool;

/**
 * What {@code anytls4j run} runs without a configuration: the whole product on one machine, so that a new user
 * sees it work before writing a file.
 * <pre>
 *   curl --socks5/HTTP--> mixed 127.0.0.1:1080 --> anytls client (Balanced pool) --TLS--> anytls server
 *        127.0.0.1:8443 (fresh self-signed certificate, pinned by the client; fresh random password) --> direct
 * </pre>
 * The pool has the Balanced profile of the features guide: check every 30s, idle timeout 5m, min_idle_session 2,
 * ensure_idle_session 5, heartbeat 30s. A new certificate and password are made on every start; the certificate
 * comes from the transport plugin's {@code certificate} tool (the host has no certificate code), written to a
 * private temporary directory that is deleted once read.
 *
 * <h2>Threading</h2>
 * Built and used on the launcher's thread.
 */
final class EmbeddedDefault {
    /** Where the mixed inbound listens. */
    static final int PROXY_PORT = 1080;
    /** Where the anytls server listens. */
    static final int SERVER_PORT = 8443;
    /** The source name errors and log lines show for this configuration. */
    static final String SOURCE = "the embedded default";

    private static final String LOOPBACK = "127.0.0.1";
    private static final String PROXY = "local";
    private static final String SERVER = "anytls-in";

    private final String certificatePem;
    private final String keyPem;
    private final String pin;
    private final String password;

    private EmbeddedDefault(String certificatePem, String keyPem, String password) {
        this.certificatePem = certificatePem;
        this.keyPem = keyPem;
        this.pin = publicKeyPin(certificatePem);
        this.password = password;
    }

    /**
     * Makes a certificate with {@code certificateTool} (the transport's {@code generate certificate}) and a password.
     *
     * @throws IllegalStateException when the tool fails, with what it said
     */
    static EmbeddedDefault generate(Tool certificateTool) {
        Path directory = null;
        try {
            directory = Files.createTempDirectory("anytls4j-embedded-");
            StringWriter err = new StringWriter();
            int code = certificateTool.run(List.of("--out-dir", directory.toString(), "--name", "localhost"),
                    new PrintWriter(Writer.nullWriter()), new PrintWriter(err));
            if (code != 0) {
                throw new IllegalStateException("cannot make the embedded server's certificate: " + err.toString().strip());
            }
            return new EmbeddedDefault(Files.readString(directory.resolve("cert.pem"), StandardCharsets.US_ASCII),
                    Files.readString(directory.resolve("key.pem"), StandardCharsets.US_ASCII), Secrets.password());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the embedded server's certificate", e);
        } finally {
            if (directory != null) {
                for (String file : List.of("key.pem", "cert.pem", "")) {
                    directory.resolve(file).toFile().delete();
                }
            }
        }
    }

    /** Base64 of the SHA-256 of the PEM certificate's SubjectPublicKeyInfo, as the client pins it. */
    private static String publicKeyPin(String certificatePem) {
        try {
            return Digests.publicKeyPin(CertificateFactory.getInstance("X.509").generateCertificate(
                    new ByteArrayInputStream(certificatePem.getBytes(StandardCharsets.US_ASCII))).getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the generated certificate cannot be read: " + e.getMessage(), e);
        }
    }

    String publicKeyPin() {
        return pin;
    }

    /** The configuration: a mixed inbound, the anytls server inbound, the anytls client and a direct outbound. */
    Config config() {
        Map<String, Object> server = Map.of(
                "type", "anytls", "tag", SERVER, "listen", LOOPBACK, "listen_port", SERVER_PORT,
                "outbound", "direct",
                "users", List.of(Map.of("name", "default", "password", password)),
                "tls", Map.of("certificate", certificatePem, "key", keyPem));
        Map<String, Object> mixed = Map.of(
                "type", "mixed", "tag", PROXY, "listen", LOOPBACK, "listen_port", PROXY_PORT, "outbound", "proxy");
        Map<String, Object> client = Map.ofEntries(
                Map.entry("type", "anytls"), Map.entry("tag", "proxy"),
                Map.entry("server", LOOPBACK), Map.entry("server_port", SERVER_PORT),
                Map.entry("password", password),
                Map.entry("tls", Map.of("enabled", true, "server_name", "localhost",
                        "certificate_public_key_sha256", List.of(pin))),
                Map.entry("idle_session_check_interval", "30s"), Map.entry("idle_session_timeout", "5m"),
                Map.entry("min_idle_session", 2), Map.entry("ensure_idle_session", 5),
                Map.entry("heartbeat", "30s"));
        Map<String, Object> direct = Map.of("type", "direct", "tag", "direct");
        return ConfigFactory.parseMap(Map.of(
                "inbounds", List.of(mixed, server),
                "outbounds", List.of(client, direct)), SOURCE);
    }

    /** Tells the user what runs and how to use it, with the addresses actually bound. */
    void printUsage(Map<String, InetSocketAddress> bound, PrintWriter out) {
        InetSocketAddress proxy = bound.get(PROXY);
        InetSocketAddress server = bound.get(SERVER);
        String at = proxy.getHostString() + ":" + proxy.getPort();
        out.println();
        out.println("anytls4j is running " + SOURCE + ":");
        out.println("  a SOCKS5/SOCKS4/HTTP proxy on " + at + ", whose connections go through a pool of AnyTLS");
        out.println("  sessions (Balanced profile: min_idle_session 2, ensure_idle_session 5, heartbeat 30s) to");
        out.println("  an AnyTLS server on " + server.getHostString() + ":" + server.getPort()
                + " with a new self-signed certificate, pinned by the client:");
        out.println("  certificate_public_key_sha256 = \"" + pin + "\"");
        out.println();
        out.println("Try it:");
        out.println("  curl -x socks5h://" + at + " https://example.com");
        out.println("  curl -x http://" + at + " https://example.com");
        out.println();
        out.println("Stop it with Ctrl-C. To proxy through your own server: anytls4j client -s HOST:PORT -p PASSWORD,");
        out.println("or anytls4j run -c conf/client.conf (see conf/server.conf for the server side).");
        out.flush();
    }
}
