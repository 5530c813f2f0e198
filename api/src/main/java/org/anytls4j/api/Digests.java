package org.anytls4j.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Base64;

/**
 * The SHA-256 digests the host and the plugins compute: of bytes, of a password's UTF-8 bytes (the AnyTLS
 * authentication hash), and the public-key pin ({@code certificate_public_key_sha256}: base64 of the SHA-256 of a
 * key's SubjectPublicKeyInfo). Stateless and thread-safe.
 *
 * @since 2.0.0
 */
@Stable
public final class Digests {
    private Digests() {
    }

    /** SHA-256 of {@code data} (32 bytes). */
    public static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** SHA-256 of {@code text}'s UTF-8 bytes (32 bytes), e.g. of a password. */
    public static byte[] sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Base64 of the SHA-256 of {@code key}'s SubjectPublicKeyInfo (its X.509 encoding): the form clients pin. */
    public static String publicKeyPin(PublicKey key) {
        return Base64.getEncoder().encodeToString(sha256(key.getEncoded()));
    }
}
