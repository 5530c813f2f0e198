package org.anytls4j.transport.anytls.tls;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLException;
import org.anytls4j.api.InvalidSettingException;
import org.slf4j.Logger;

/**
 * The {@code tls { ... }} block of an {@code anytls} inbound, read once at start-up, and the Netty
 * {@link SslContext} it describes (keys and defaults: {@code anytls-server.conf}).
 *
 * <p>The certificate comes from {@code certificate_path}/{@code key_path} (PEM files) or inline
 * {@code certificate}/{@code key} PEM text (a string or a list of lines, as sing-box writes it); without one a
 * {@link SelfSignedCertificate} is generated once, kept under {@code data_directory} and its public-key pin logged. The TLS engine is OpenSSL
 * (BoringSSL through netty-tcnative) when it loads, the JDK's otherwise.
 *
 * <h2>Threading</h2>
 * Immutable. {@link #newContext} reads files and may generate a key: call it at start-up, never on an event
 * loop.
 *
 * @param enabled         false when TLS is terminated in front of this inbound (plaintext AnyTLS)
 * @param certificatePem  PEM certificate chain, or null for a self-signed certificate
 * @param keyPem          PEM private key (PKCS#8 read with the JDK; PKCS#1 or SEC1 with BouncyCastle), or null
 * @param alpn            protocols to accept in ALPN, empty for no ALPN
 * @param protocols       TLS protocol names ({@code TLSv1.2}, {@code TLSv1.3}) allowed, empty for the engine's
 * @param dataDirectory   where a generated certificate is kept ({@code data_directory}, or its default)
 */
public record ServerTlsSettings(boolean enabled, String certificatePem, String keyPem, List<String> alpn,
        List<String> protocols, Path dataDirectory) {
    public ServerTlsSettings {
        alpn = List.copyOf(alpn);
        protocols = List.copyOf(protocols);
    }

    /**
     * Reads the {@code tls} block.
     *
     * @param tls the block, defaults applied
     * @param prefix the key prefix for errors, e.g. {@code tls.}
     * @throws InvalidSettingException naming the key for a bad value
     */
    public static ServerTlsSettings parse(Config tls, String prefix) {
        boolean enabled = tls.getBoolean("enabled");
        String certificate = pem(tls, "certificate", "certificate_path", prefix);
        String key = pem(tls, "key", "key_path", prefix);
        if ((certificate == null) != (key == null)) {
            String missing = certificate == null ? "certificate_path" : "key_path";
            throw new InvalidSettingException(null, prefix + missing,
                    "a certificate and its key must be given together (certificate_path with key_path, or"
                            + " certificate with key)");
        }
        List<String> alpn = tls.getIsNull("alpn") ? List.of() : tls.getStringList("alpn");
        List<String> protocols = TlsVersions.protocols(tls, prefix);
        Path dataDirectory = !tls.hasPath("data_directory")
                ? GeneratedCertificateStore.defaultDirectory(properties(), System.getenv())
                : Path.of(tls.getString("data_directory"));
        ServerTlsSettings settings = new ServerTlsSettings(enabled, certificate, key, alpn, protocols, dataDirectory);
        if (certificate != null) {
            settings.checkPair(tls, prefix);
        }
        return settings;
    }

    private static java.util.Map<String, String> properties() {
        java.util.Map<String, String> properties = new java.util.HashMap<>();
        System.getProperties().forEach((k, v) -> properties.put(String.valueOf(k), String.valueOf(v)));
        return properties;
    }

    /**
     * Reads the certificate chain and the key and checks that the key belongs to the chain's first certificate, so
     * that a mismatch fails {@code check} and start-up, naming the keys, instead of every handshake later.
     */
    private void checkPair(Config tls, String prefix) {
        String certificateKey = tls.getIsNull("certificate") ? "certificate_path" : "certificate";
        String keyKey = tls.getIsNull("key") ? "key_path" : "key";
        X509Certificate leaf = certificates(prefix + certificateKey, tls.getValue(certificateKey).origin())[0];
        PrivateKey key = privateKey(prefix + keyKey, tls.getValue(keyKey).origin());
        if (!KeyPairs.matches(key, leaf.getPublicKey())) {
            throw new InvalidSettingException(tls.getValue(keyKey).origin(), prefix + keyKey,
                    "the private key does not belong to the certificate (" + leaf.getSubjectX500Principal().getName()
                            + "): every handshake would fail; give the key the certificate was issued for");
        }
    }

    /** The inline PEM under {@code inlineKey} or the content of the file under {@code pathKey}; null if neither. */
    private static String pem(Config tls, String inlineKey, String pathKey, String prefix) {
        boolean inline = !tls.getIsNull(inlineKey);
        boolean file = !tls.getIsNull(pathKey);
        if (inline && file) {
            throw new InvalidSettingException(tls.getValue(pathKey).origin(), prefix + pathKey,
                    "give either " + inlineKey + " or " + pathKey + ", not both");
        }
        if (inline) {
            ConfigValue value = tls.getValue(inlineKey);
            return value.valueType() == ConfigValueType.LIST
                    ? String.join("\n", tls.getStringList(inlineKey))
                    : tls.getString(inlineKey);
        }
        if (file) {
            Path path = Path.of(tls.getString(pathKey));
            try {
                return Files.readString(path, StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new InvalidSettingException(tls.getValue(pathKey).origin(), prefix + pathKey,
                        "cannot read " + path.toAbsolutePath() + ": " + ClientTlsSettings.readFailure(e));
            }
        }
        return null;
    }

    private X509Certificate[] certificates(String key, ConfigOrigin origin) {
        try {
            Collection<? extends Certificate> all = CertificateFactory.getInstance("X.509").generateCertificates(
                    new ByteArrayInputStream(certificatePem.getBytes(StandardCharsets.US_ASCII)));
            if (all.isEmpty()) {
                throw new CertificateException("no certificate in the PEM text");
            }
            return all.toArray(new X509Certificate[0]);
        } catch (CertificateException e) {
            throw new InvalidSettingException(origin, key, "cannot read the certificate: it is not a PEM X.509"
                    + " certificate (expected -----BEGIN CERTIFICATE-----)");
        }
    }

    /** PKCS#8 PEM through the JDK; PKCS#1 (RSA) or SEC1 (EC) PEM through BouncyCastle, loaded only for those. */
    private PrivateKey privateKey(String key, ConfigOrigin origin) {
        try {
            return Pem.privateKey(keyPem);
        } catch (Pem.PemException e) {
            throw new InvalidSettingException(origin, key, "cannot read the private key: " + e.getMessage());
        }
    }

    /**
     * What is wrong at {@code now} with the dates of a configured certificate for the clients that verify it: expired,
     * not valid yet, or expiring soon (within {@link #EXPIRY_WARNING}, or the last third of a shorter-lived one's
     * validity, where renewing clients renew it: a 6-day certificate warns when under 2 days are left); empty when
     * none. The server serves it all the same (clients that pin its key or skip verification still connect, and the
     * operator may be replacing it): the inbound logs this at WARN as it builds its TLS context, at start and in
     * {@code anytls4j check}.
     */
    static Optional<String> validityWarning(X509Certificate certificate, Instant now) {
        Instant notBefore = certificate.getNotBefore().toInstant();
        Instant notAfter = certificate.getNotAfter().toInstant();
        String name = "the certificate for " + certificate.getSubjectX500Principal().getName();
        if (now.isAfter(notAfter)) {
            return Optional.of(name + " expired on " + notAfter + ", " + span(notAfter, now) + " ago: clients that "
                    + "verify it refuse every handshake (clients that pin its key or skip verification still "
                    + "connect); renew it");
        }
        if (now.isBefore(notBefore)) {
            return Optional.of(name + " is not valid before " + notBefore + ", in " + span(now, notBefore)
                    + ": until then clients that verify it refuse every handshake; check the certificate and this "
                    + "host's clock");
        }
        Duration lastThird = Duration.between(notBefore, notAfter).dividedBy(3);
        Duration warnWithin = lastThird.compareTo(EXPIRY_WARNING) < 0 ? lastThird : EXPIRY_WARNING;
        if (Duration.between(now, notAfter).compareTo(warnWithin) < 0) {
            return Optional.of(name + " expires on " + notAfter + ", in " + span(now, notAfter) + ": from then "
                    + "clients that verify it refuse every handshake; renew it");
        }
        return Optional.empty();
    }

    /** {@code 8 days}, or hours below a day. */
    private static String span(Instant from, Instant to) {
        Duration span = Duration.between(from, to);
        return span.toDays() >= 1 ? span.toDays() + (span.toDays() == 1 ? " day" : " days")
                : span.toHours() + (span.toHours() == 1 ? " hour" : " hours");
    }

    /**
     * The type of the key store Netty puts the key and certificate in on their way to the engine. It lives only in
     * memory, so the PKCS#12 default buys nothing, and it costs start-up: PKCS#12 protects the key with PBKDF2
     * (10,000 rounds of HMAC-SHA256 to store it and as many to read it back, run by the interpreter at start-up),
     * 0.1-0.2 s of every server launch; JKS's key protection is a single pass.
     */
    private static final String IN_MEMORY_KEY_STORE = "JKS";

    /**
     * The server asks no client for a certificate, so it trusts none: without this Netty would build the JDK's
     * default trust manager, loading and parsing the ~150 certificates of {@code cacerts} at every start for a
     * check that never runs.
     */
    private static final X509Certificate[] NO_CLIENT_CERTIFICATES = new X509Certificate[0];
    /** How close to the end of its validity a long-lived certificate draws a warning ({@link #validityWarning}). */
    static final Duration EXPIRY_WARNING = Duration.ofDays(14);

    /** The provider this process uses: OpenSSL when netty-tcnative loads, else the JDK. */
    public static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /**
     * Builds the server context. Without a configured certificate the one saved under {@link #dataDirectory} for
     * this inbound is used, generated and saved first if there is none ({@link GeneratedCertificateStore}), and its
     * pin is logged on {@code log}.
     *
     * @param inboundTag the inbound's tag, for the log lines and the saved certificate's directory
     * @throws InvalidSettingException when the certificate or key cannot be used
     */
    public SslContext newContext(Logger log, String inboundTag, String prefix) {
        String logPrefix = "inbound=" + inboundTag;
        SslProvider provider = provider();
        SslContextBuilder builder;
        if (certificatePem == null) {
            GeneratedCertificateStore.Pair pair = GeneratedCertificateStore.load(dataDirectory, inboundTag, log,
                    prefix + "data_directory");
            builder = SslContextBuilder.forServer(pair.key(), pair.certificate());
        } else {
            X509Certificate[] chain = certificates(prefix + "certificate_path", null);
            validityWarning(chain[0], Instant.now())
                    .ifPresent(warning -> log.warn("{} {}certificate_path: {}", logPrefix, prefix, warning));
            builder = SslContextBuilder.forServer(privateKey(prefix + "key_path", null), chain);
        }
        builder.sslProvider(provider)
                .keyStoreType(IN_MEMORY_KEY_STORE)
                .trustManager(NO_CLIENT_CERTIFICATES);
        if (!protocols.isEmpty()) {
            builder.protocols(protocols);
        }
        if (!alpn.isEmpty()) {
            builder.applicationProtocolConfig(new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    alpn));
        }
        try {
            SslContext context = builder.build();
            log.info("{} tls: engine={} protocols={} alpn={}", logPrefix,
                    provider == SslProvider.OPENSSL ? "openssl(" + OpenSsl.versionString() + ")" : "jdk",
                    protocols.isEmpty() ? "default" : protocols, alpn);
            return context;
        } catch (SSLException | IllegalArgumentException e) {
            throw new InvalidSettingException(null, prefix + "certificate_path",
                    "cannot use the certificate and key: " + e.getMessage());
        }
    }
}
