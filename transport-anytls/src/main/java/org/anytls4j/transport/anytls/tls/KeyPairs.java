package org.anytls4j.transport.anytls.tls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECKey;

/** Checks about key pairs, in words an operator reads. Stateless. */
final class KeyPairs {
    private static final byte[] CHALLENGE = "anytls4j key pair check".getBytes(StandardCharsets.US_ASCII);

    private KeyPairs() {
    }

    /**
     * Whether {@code key} is the private half of {@code publicKey}: a signature made with it verifies with the
     * public key (RSA, EC and EdDSA alike, whatever the encoding of either).
     */
    static boolean matches(PrivateKey key, PublicKey publicKey) {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())
                && !(key instanceof ECKey && publicKey instanceof ECKey)) {
            return false;
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) {
            return true; // an algorithm this check does not know: let the TLS engine decide
        }
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(CHALLENGE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(CHALLENGE);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
