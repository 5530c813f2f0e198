package org.anytls4j.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class DigestsTest {
    @Test
    void sha256OfBytesAndOfUtf8Text() {
        // FIPS 180-2 test vector for "abc"
        String abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assertThat(HexFormat.of().formatHex(Digests.sha256("abc"))).isEqualTo(abc);
        assertThat(HexFormat.of().formatHex(Digests.sha256("abc".getBytes(StandardCharsets.US_ASCII)))).isEqualTo(abc);
        assertThat(Digests.sha256("pässwort")).isEqualTo(Digests.sha256("pässwort".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void thePinIsTheBase64OfTheDigestOfTheSubjectPublicKeyInfo() throws Exception {
        PublicKey key = KeyPairGenerator.getInstance("EC").generateKeyPair().getPublic();
        assertThat(Base64.getDecoder().decode(Digests.publicKeyPin(key))).isEqualTo(Digests.sha256(key.getEncoded()));
    }
}
