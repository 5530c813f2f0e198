package org.anytls4j.transport.anytls.tls;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
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
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The project's one self-signed certificate generator (BouncyCastle builds the certificate): for an {@code anytls}
 * inbound without a certificate of its own (the reference sample server does the same, PROTOCOL.md section 1; kept
 * across restarts by {@link GeneratedCertificateStore}), for {@code anytls4j generate certificate} and for the
 * embedded default of {@code anytls4j run}. The key is ECDSA P-256; the subject alternative names are the given name,
 * {@code localhost} and {@code 127.0.0.1}; the certificate is valid from one hour before creation for ten years.
 * Clients cannot verify it by a CA, so they pin its public key: {@link #publicKeyPin()} is the value sing-box's
 * {@code certificate_public_key_sha256} takes.
 *
 * <p>Only {@link #generate} needs BouncyCastle; keep other uses (reading, pinning) out of this class so that a
 * server with its own certificate never loads it.
 *
 * <h2>Threading and lifecycle</h2>
 * Immutable. Generation uses the JDK's {@link SecureRandom} and takes a few milliseconds of CPU (plus BouncyCastle's
 * class loading the first time); call it at start-up, not on an event loop. Nothing is written to disk here.
 */
public record SelfSignedCertificate(X509Certificate certificate, KeyPair keyPair) {
    private static final Duration BACKDATE = Duration.ofHours(1);
    private static final Duration VALIDITY = Duration.ofDays(3650);

    public SelfSignedCertificate {
        requireNonNull(certificate, "certificate");
        requireNonNull(keyPair, "keyPair");
    }

    /**
     * Generates a new key pair and a certificate for {@code name}, a DNS name or an IP literal (its common name and
     * first subject alternative name).
     *
     * @throws IllegalArgumentException when {@code name} is empty
     */
    public static SelfSignedCertificate generate(String name) {
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
            return new SelfSignedCertificate(certificate, keyPair);
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("cannot generate a self-signed certificate: " + e.getMessage(), e);
        }
    }

    private static boolean isIpLiteral(String name) {
        return name.indexOf(':') >= 0 || name.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }

    /** Base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo, the form clients pin. */
    public String publicKeyPin() {
        return ClientTlsContext.publicKeySha256(certificate);
    }

    /** The certificate in PEM ({@code BEGIN CERTIFICATE}). */
    public String certificatePem() {
        try {
            return Pem.encode("CERTIFICATE", certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("a certificate just made cannot be encoded: " + e.getMessage(), e);
        }
    }

    /**
     * Creates {@code file} (it must not exist) readable and writable by the owner only, where the file system has
     * POSIX modes, and writes {@code text} to it.
     */
    public static void writePrivate(Path file, String text) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
        Files.writeString(file, text, StandardCharsets.US_ASCII);
    }

    /** The private key in unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
    public String privateKeyPem() {
        return Pem.encode("PRIVATE KEY", keyPair.getPrivate().getEncoded());
    }
}
