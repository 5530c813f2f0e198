package org.anytls4j.transport.anytls.tls;

import static java.util.Objects.requireNonNull;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away self-signed server certificate, made with BouncyCastle when an {@code anytls} inbound has no
 * certificate configured (the reference sample server does the same, PROTOCOL.md section 1). The key is
 * ECDSA P-256; the certificate names {@code localhost} and {@code 127.0.0.1} and is valid from one hour before
 * creation for ten years. Clients cannot verify it by a CA, so they pin its public key: {@link #publicKeyPin()}
 * is the value sing-box's {@code certificate_public_key_sha256} takes.
 *
 * <h2>Threading and lifecycle</h2>
 * Immutable. Generation uses the JDK's {@link SecureRandom} and takes a few milliseconds; call it at start-up,
 * not on an event loop. Nothing is written to disk.
 */
public record SelfSignedCertificate(X509Certificate certificate, KeyPair keyPair) {
    private static final Duration BACKDATE = Duration.ofHours(1);
    private static final Duration VALIDITY = Duration.ofDays(3650);

    public SelfSignedCertificate {
        requireNonNull(certificate, "certificate");
        requireNonNull(keyPair, "keyPair");
    }

    /** Generates a new key pair and certificate for {@code commonName}. */
    public static SelfSignedCertificate generate(String commonName) {
        requireNonNull(commonName, "commonName");
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair keyPair = generator.generateKeyPair();
            Instant now = Instant.now();
            X500Name name = new X500Name("CN=" + commonName.replace(",", "\\,"));
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    name,
                    new BigInteger(64, new SecureRandom()).setBit(63),
                    Date.from(now.minus(BACKDATE)),
                    Date.from(now.plus(VALIDITY)),
                    name,
                    keyPair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
            }));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate())));
            return new SelfSignedCertificate(certificate, keyPair);
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("cannot generate a self-signed certificate: " + e.getMessage(), e);
        }
    }

    /** Base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo, the form clients pin. */
    public String publicKeyPin() {
        return publicKeyPin(certificate.getPublicKey());
    }

    /** Base64 of the SHA-256 of {@code key}'s SubjectPublicKeyInfo (its X.509 encoding). */
    public static String publicKeyPin(PublicKey key) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
