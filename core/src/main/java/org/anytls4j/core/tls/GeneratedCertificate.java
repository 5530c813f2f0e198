package org.anytls4j.core.tls;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A self-signed ECDSA P-256 server certificate made by the host for {@code anytls4j run} (the embedded default
 * hands it to its anytls server inline) and {@code anytls4j generate certificate} (which writes it to files).
 * Its subject alternative names are the given name, {@code localhost} and {@code 127.0.0.1}; it is valid from one
 * hour before creation for ten years. Clients pin it by {@link #publicKeyPin()}: the base64 SHA-256 of the
 * SubjectPublicKeyInfo, the value of an anytls outbound's {@code tls.certificate_public_key_sha256}, computed as the
 * anytls server computes the pin it logs for a certificate it generates itself.
 *
 * <h2>Threading and lifecycle</h2>
 * Immutable. Generation takes a few milliseconds of CPU; call it at start-up, never on an event loop.
 */
public record GeneratedCertificate(X509Certificate certificate, KeyPair keyPair) {
    private static final Duration BACKDATE = Duration.ofHours(1);
    private static final Duration VALIDITY = Duration.ofDays(3650);

    public GeneratedCertificate {
        requireNonNull(certificate, "certificate");
        requireNonNull(keyPair, "keyPair");
    }

    /**
     * Generates a key pair and a certificate for {@code name}, a DNS name or an IP literal.
     *
     * @throws IllegalArgumentException when {@code name} is empty
     */
    public static GeneratedCertificate forName(String name) {
        requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("the certificate name must not be empty");
        }
        Set<String> names = new LinkedHashSet<>(List.of(name, "localhost", "127.0.0.1"));
        List<GeneralName> alternatives = new ArrayList<>();
        for (String each : names) {
            alternatives.add(new GeneralName(isIpLiteral(each) ? GeneralName.iPAddress : GeneralName.dNSName, each));
        }
        SecureRandom random = new SecureRandom();
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            KeyPair keyPair = generator.generateKeyPair();
            Instant now = Instant.now();
            var subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, name).build();
            var builder = new JcaX509v3CertificateBuilder(subject, new BigInteger(64, random).setBit(63),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(VALIDITY)), subject, keyPair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(alternatives.toArray(GeneralName[]::new)));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate())));
            return new GeneratedCertificate(certificate, keyPair);
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("cannot generate a certificate: " + e.getMessage(), e);
        }
    }

    private static boolean isIpLiteral(String name) {
        return name.indexOf(':') >= 0 || name.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }

    /** Base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo. */
    public String publicKeyPin() {
        try {
            byte[] spki = certificate.getPublicKey().getEncoded();
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** The certificate in PEM ({@code BEGIN CERTIFICATE}). */
    public String certificatePem() {
        return pem(certificate);
    }

    /** The private key in unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
    public String privateKeyPem() {
        try {
            PemObject pkcs8 = new JcaPKCS8Generator(keyPair.getPrivate(), null).generate();
            return pem(pkcs8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String pem(Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }
}
