package org.anytls4j.transport.anytls.tls;

import java.io.IOException;
import java.io.StringReader;
import java.security.PrivateKey;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * The private-key PEM forms the JDK cannot read, PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) and SEC1
 * ({@code BEGIN EC PRIVATE KEY}), read with BouncyCastle. Only {@link Pem} calls it, and only for those forms, so
 * that BouncyCastle's classes load only when such a key is configured (its signature returns JDK types only, so
 * loading its callers does not load BouncyCastle either).
 *
 * <h2>Threading</h2>
 * Stateless.
 */
final class LegacyPemKeys {
    private LegacyPemKeys() {
    }

    static PrivateKey privateKey(String text) throws Pem.PemException {
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof PEMKeyPair pair) {
                    return new JcaPEMKeyConverter().getPrivateKey(pair.getPrivateKeyInfo()); // SEC1 may omit the public key
                }
                if (o instanceof PrivateKeyInfo info) {
                    return new JcaPEMKeyConverter().getPrivateKey(info);
                }
            }
            throw new Pem.PemException("no PEM object found (expected -----BEGIN PRIVATE KEY-----)");
        } catch (IOException e) {
            throw new Pem.PemException("it is not valid PEM");
        }
    }
}
