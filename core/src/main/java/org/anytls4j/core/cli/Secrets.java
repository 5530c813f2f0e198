package org.anytls4j.core.cli;

import java.security.SecureRandom;
import java.util.Base64;

/** Random secrets the commands make: {@code generate password} and the embedded default's password. Stateless. */
final class Secrets {
    /** 32 random bytes: 256 bits, as strong as the SHA-256 the server compares. */
    static final int PASSWORD_BYTES = 32;

    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    /** A new password: {@link #PASSWORD_BYTES} bytes from {@link SecureRandom}, base64url without padding. */
    static String password() {
        byte[] bytes = new byte[PASSWORD_BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
