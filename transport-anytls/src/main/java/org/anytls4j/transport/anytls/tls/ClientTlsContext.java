package org.anytls4j.transport.anytls.tls;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.X509ExtendedTrustManager;
import org.anytls4j.api.Digests;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client TLS of one {@code anytls} outbound: an immutable Netty {@link SslContext} built once from
 * {@link ClientTlsSettings}, and a fresh {@link SslHandler} per connection.
 *
 * <p>The engine is OpenSSL (BoringSSL through netty-tcnative) when {@link OpenSsl#isAvailable()}, the JDK's
 * otherwise; which one is logged once per process. Host name verification ({@code HTTPS} endpoint
 * identification) checks the certificate against {@code server_name}, unless verification is off or the server
 * is pinned by public key. SNI carries {@code server_name} when it is a DNS name (also a single label such as
 * {@code localhost}, as sing-box does) and is never sent for an IP literal (RFC 6066).
 *
 * <h2>Threading</h2>
 * Immutable and thread-safe. {@link #create} may read files: call it at start-up, never on an event loop.
 */
public final class ClientTlsContext {
    private static final Logger log = LoggerFactory.getLogger(ClientTlsContext.class);
    private static final AtomicBoolean PROVIDER_LOGGED = new AtomicBoolean();

    private final SslContext context;
    private final ClientTlsSettings settings;

    private ClientTlsContext(SslContext context, ClientTlsSettings settings) {
        this.context = context;
        this.settings = settings;
    }

    /**
     * Builds the context.
     *
     * @param outbound the outbound tag, for the one-time warning about {@code insecure}
     * @throws SSLException when the engine refuses the settings
     * @throws CertificateException when the PEM certificates cannot be read
     */
    public static ClientTlsContext create(ClientTlsSettings settings, String outbound)
            throws SSLException, CertificateException {
        return create(settings, outbound, OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK);
    }

    /** Builds the context on the given engine (tests run both). */
    static ClientTlsContext create(ClientTlsSettings settings, String outbound, SslProvider provider)
            throws SSLException, CertificateException {
        requireNonNull(settings, "settings");
        if (PROVIDER_LOGGED.compareAndSet(false, true)) {
            log.info("client TLS engine: {}", provider == SslProvider.OPENSSL
                    ? "OpenSSL (" + OpenSsl.versionString() + ")"
                    : "JDK (netty-tcnative not available: " + OpenSsl.unavailabilityCause() + ")");
        }
        SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(provider);
        if (settings.insecure()) {
            log.warn("outbound={} tls.insecure = true: the server's certificate is NOT verified", outbound);
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        } else if (!settings.pinnedKeys().isEmpty()) {
            builder.trustManager(new PinnedKeyTrustManager(settings.pinnedKeys()))
                    .endpointIdentificationAlgorithm(null);
        } else {
            if (settings.certificatePem() != null) {
                builder.trustManager(new ByteArrayInputStream(
                        settings.certificatePem().getBytes(StandardCharsets.US_ASCII)));
            }
            builder.endpointIdentificationAlgorithm("HTTPS");
        }
        if (!settings.alpn().isEmpty()) {
            builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, settings.alpn()));
        }
        if (!settings.protocols().isEmpty()) {
            builder.protocols(settings.protocols());
        }
        try {
            return new ClientTlsContext(builder.build(), settings);
        } catch (IllegalArgumentException e) {
            throw new CertificateException("bad trusted certificate: " + e.getMessage(), e);
        }
    }

    /** The settings this context was built from. */
    public ClientTlsSettings settings() {
        return settings;
    }

    /**
     * A new handler for one connection to {@code port}; the peer host given to the engine is
     * {@code server_name}, which drives SNI (DNS names only) and host name verification.
     */
    public SslHandler newHandler(ByteBufAllocator alloc, int port) {
        SslHandler handler = context.newHandler(alloc, settings.serverName(), port);
        if (settings.sendsSni()) {
            // Both engines send SNI on their own only for names with a dot; sing-box sends any DNS name
            // (e.g. "localhost"), so set it explicitly.
            SSLEngine engine = handler.engine();
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(settings.serverName())));
            engine.setSSLParameters(parameters);
        }
        return handler;
    }

    /** Base64 SHA-256 of a certificate's SubjectPublicKeyInfo, the form of {@code certificate_public_key_sha256}. */
    public static String publicKeySha256(X509Certificate certificate) {
        return publicKeySha256(certificate.getPublicKey());
    }

    /** Base64 SHA-256 of a public key's SubjectPublicKeyInfo (its X.509 encoding). */
    public static String publicKeySha256(java.security.PublicKey key) {
        return Digests.publicKeyPin(key);
    }

    /** Accepts a server whose leaf certificate's public key hashes to one of the pins; no CA is consulted. */
    private static final class PinnedKeyTrustManager extends X509ExtendedTrustManager {
        private final List<byte[]> pins;

        PinnedKeyTrustManager(List<byte[]> pins) {
            this.pins = pins;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the server sent no certificate");
            }
            byte[] actual = Digests.sha256(chain[0].getPublicKey().getEncoded());
            for (byte[] pin : pins) {
                if (MessageDigest.isEqual(pin, actual)) {
                    return; // the key is what is trusted, as in sing-box: no CA, name or validity check
                }
            }
            throw new CertificateException("server public key sha256 " + Base64.getEncoder().encodeToString(actual)
                    + " matches none of tls.certificate_public_key_sha256");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client does not verify clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
