package org.anytls4j.transport.anytls.tls;

import static org.anytls4j.transport.anytls.tls.BouncyCastleFreeStartTest.pem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PemTest {
    @ParameterizedTest
    @ValueSource(strings = {"RSA", "EC", "Ed25519"})
    void readsAPkcs8KeyOfEachAlgorithmWithTheJdk(String algorithm) throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance(algorithm).generateKeyPair();

        PrivateKey key = Pem.privateKey(pem("PRIVATE KEY", pair.getPrivate().getEncoded()));

        assertThat(key.getEncoded()).isEqualTo(pair.getPrivate().getEncoded());
        assertThat(KeyPairs.matches(key, pair.getPublic())).isTrue();
    }

    @Test
    void readsAPkcs1RsaKeyThroughBouncyCastle() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        byte[] pkcs1 = PrivateKeyInfo.getInstance(pair.getPrivate().getEncoded()).parsePrivateKey().toASN1Primitive()
                .getEncoded();

        PrivateKey key = Pem.privateKey(pem("RSA PRIVATE KEY", pkcs1));

        assertThat(KeyPairs.matches(key, pair.getPublic())).isTrue();
    }

    @Test
    void saysWhatItFoundInsteadOfAKey() {
        assertThatThrownBy(() -> Pem.privateKey(pem("ENCRYPTED PRIVATE KEY", new byte[] {1, 2})))
                .hasMessageStartingWith("expected an unencrypted private key, found an encrypted private key");
        assertThatThrownBy(() -> Pem.privateKey("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
                + "DEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"))
                .hasMessageStartingWith("expected an unencrypted private key, found an encrypted private key");
        assertThatThrownBy(() -> Pem.privateKey(pem("PUBLIC KEY", new byte[] {1})))
                .hasMessage("expected an unencrypted private key, found a public key");
        assertThatThrownBy(() -> Pem.privateKey("-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----\n"))
                .hasMessageContaining("not valid PEM");
        assertThatThrownBy(() -> Pem.privateKey("-----BEGIN PRIVATE KEY-----\nAAAA\n"))
                .hasMessage("it is not valid PEM");
        assertThatThrownBy(() -> Pem.privateKey("hello"))
                .hasMessage("no PEM object found (expected -----BEGIN PRIVATE KEY-----)");
        assertThatThrownBy(() -> Pem.privateKey(pem("PRIVATE KEY", new byte[] {0x30, 0})))
                .hasMessageContaining("algorithm this Java cannot read");
    }
}
