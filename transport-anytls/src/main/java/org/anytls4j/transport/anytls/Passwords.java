package org.anytls4j.transport.anytls;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.anytls4j.api.InvalidSettingException;

/**
 * The checks every AnyTLS password goes through, on the server ({@code users[i].password}) and on the client
 * ({@code password}): a missing, empty or well-known placeholder password is refused with how to make one; a short
 * one is accepted with a warning. The password is never part of a message. Stateless.
 */
public final class Passwords {
    /** Below this many characters a password is accepted with a warning. */
    public static final int SHORT = 8;
    /** What the messages tell the operator to run. */
    static final String HOW = "make one with `anytls4j generate password`";
    /**
     * Placeholders found in examples and tutorials, compared case-insensitively: a server that accepts one is open
     * to anyone who read the same example.
     */
    static final Set<String> PLACEHOLDERS = Set.of("change-me", "changeme", "change_me", "changeit", "password",
            "passwd", "passw0rd", "secret", "123456", "12345678", "your-password", "your_password", "yourpassword",
            "<password>");

    private Passwords() {
    }

    /**
     * The password at {@code key} of {@code block}.
     *
     * @param where the block's own origin, for a password that is missing (null: unknown)
     * @param label the full key relative to the factory's block, e.g. {@code users[0].password}
     * @throws InvalidSettingException when it is missing, not a string, empty or a placeholder
     */
    public static String read(Config block, String key, ConfigOrigin where, String label) {
        if (!block.hasPath(key)) {
            throw new InvalidSettingException(where, label, "is required; " + HOW);
        }
        ConfigOrigin origin = block.getValue(key).origin();
        String password;
        try {
            password = block.getString(key);
        } catch (ConfigException.WrongType e) {
            throw new InvalidSettingException(origin, label, "must be a string");
        }
        if (password.isEmpty()) {
            throw new InvalidSettingException(origin, label, "must not be empty; " + HOW);
        }
        if (PLACEHOLDERS.contains(password.strip().toLowerCase(Locale.ROOT))) {
            throw new InvalidSettingException(origin, label, "is a well-known placeholder that anyone can guess; "
                    + HOW);
        }
        return password;
    }

    /** A warning for a password shorter than {@link #SHORT} characters, naming the key; empty when it is long enough. */
    public static Optional<String> warning(String password, String label) {
        return password.codePointCount(0, password.length()) < SHORT
                ? Optional.of(label + ": shorter than " + SHORT + " characters, easy to guess; "
                        + HOW.replace("make", "use") + " for a strong one")
                : Optional.empty();
    }
}
