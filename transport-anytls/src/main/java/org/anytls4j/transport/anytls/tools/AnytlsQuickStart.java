package org.anytls4j.transport.anytls.tools;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.anytls4j.api.outbound.QuickStart;
import org.anytls4j.transport.anytls.AnytlsTransportFactory;
import org.anytls4j.transport.anytls.tls.SelfSignedCertificate;

/**
 * The anytls part of {@code anytls4j run} without a configuration ({@link QuickStart}):
 * <pre>
 *   curl --socks5/HTTP--> mixed 127.0.0.1:1080 --> anytls client (Balanced pool) --TLS--> anytls server
 *        127.0.0.1:8443 (fresh self-signed certificate, pinned by the client; fresh random password) --> direct
 * </pre>
 * The pool keys are the Balanced profile of the features guide, read from {@value #BALANCED}: the build copies
 * {@code distribution/src/conf/examples/balanced.conf} there (transport pom), the file the distribution ships as
 * {@code conf/examples/balanced.conf}, so both come from one source. The certificate is made in
 * memory for {@code localhost} on every call; nothing is written to disk.
 *
 * <h2>Threading</h2>
 * Stateless; called on the launcher's thread.
 */
public final class AnytlsQuickStart {
    /** The Balanced profile: a whole client configuration, copied from conf/examples/balanced.conf at build time. */
    public static final String BALANCED = "/org/anytls4j/transport/anytls/profiles/balanced.conf";

    /** The outbound keys of the profile that say where and how to connect, not how to pool. */
    private static final Set<String> CONNECTION_KEYS = Set.of("type", "tag", "server", "server_port", "password",
            "tls");
    private static final String SERVER_NAME = "localhost";

    private AnytlsQuickStart() {
    }

    /** The pool keys of the Balanced profile's outbound (everything but where and how to connect). */
    public static Map<String, Object> balancedPoolKeys() {
        Config profile;
        try (InputStream in = AnytlsQuickStart.class.getResourceAsStream(BALANCED)) {
            if (in == null) {
                throw new IllegalStateException(BALANCED + " is missing from the anytls transport plugin");
            }
            try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                profile = ConfigFactory.parseReader(reader).resolve();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + BALANCED, e);
        }
        Map<String, Object> keys = new LinkedHashMap<>();
        profile.getConfigList("outbounds").get(0).root().forEach((key, value) -> {
            if (!CONNECTION_KEYS.contains(key)) {
                keys.put(key, value.unwrapped());
            }
        });
        return keys;
    }

    /** See {@link QuickStart#demo}. */
    public static QuickStart.Demo demo(String loopback, int serverPort, String serverTag, String serverRoute,
            String clientTag, String password) {
        SelfSignedCertificate certificate = SelfSignedCertificate.generate(SERVER_NAME);
        String pin = certificate.publicKeyPin();
        Map<String, Object> pool = balancedPoolKeys();
        Map<String, Object> server = new LinkedHashMap<>();
        server.put("type", AnytlsTransportFactory.TYPE);
        server.put("tag", serverTag);
        server.put("listen", loopback);
        server.put("listen_port", serverPort);
        server.put("outbound", serverRoute);
        server.put("users", List.of(Map.of("name", "default", "password", password)));
        server.put("tls", Map.of("certificate", certificate.certificatePem(), "key", certificate.privateKeyPem()));
        Map<String, Object> client = new LinkedHashMap<>();
        client.put("type", AnytlsTransportFactory.TYPE);
        client.put("tag", clientTag);
        client.put("server", loopback);
        client.put("server_port", serverPort);
        client.put("password", password);
        client.put("tls", Map.of("enabled", true, "server_name", SERVER_NAME,
                "certificate_public_key_sha256", List.of(pin)));
        client.putAll(pool);
        return new QuickStart.Demo() {
            @Override
            public Map<String, Object> serverInbound() {
                return server;
            }

            @Override
            public Map<String, Object> clientOutbound() {
                return client;
            }

            @Override
            public String usage(InetSocketAddress proxy, InetSocketAddress bound) {
                String at = proxy.getHostString() + ":" + proxy.getPort();
                return String.join("\n",
                        "",
                        "anytls4j is running the embedded default:",
                        "  a SOCKS5/SOCKS4/HTTP proxy on " + at + ", whose connections go through a pool of AnyTLS",
                        "  sessions (Balanced profile: min_idle_session " + pool.get("min_idle_session")
                                + ", ensure_idle_session " + pool.get("ensure_idle_session") + ", heartbeat "
                                + pool.get("heartbeat") + ") to",
                        "  an AnyTLS server on " + bound.getHostString() + ":" + bound.getPort()
                                + " with a new self-signed certificate, pinned by the client:",
                        "  certificate_public_key_sha256 = \"" + pin + "\"",
                        "",
                        "Try it:",
                        "  curl -x socks5h://" + at + " https://example.com",
                        "  curl -x http://" + at + " https://example.com",
                        "",
                        "Stop it with Ctrl-C. To proxy through your own server: anytls4j client -s HOST:PORT -p "
                                + "PASSWORD,",
                        "or anytls4j run -c conf/client.conf (see conf/server.conf for the server side).",
                        "");
            }
        };
    }
}
