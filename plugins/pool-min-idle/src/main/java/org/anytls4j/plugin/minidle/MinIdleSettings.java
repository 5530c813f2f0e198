package org.anytls4j.plugin.minidle;

import com.typesafe.config.Config;
import org.anytls4j.api.InvalidSettingException;

/**
 * The key of the {@code min_idle} policy, read from an outbound block with the defaults applied. Immutable; read
 * once per outbound at start-up.
 *
 * @param minIdleSession {@code min_idle_session}: sessions the idle cleanup must leave, >= 0
 */
public record MinIdleSettings(int minIdleSession) {
    public static final String MIN_IDLE_SESSION = "min_idle_session";

    public MinIdleSettings {
        if (minIdleSession < 0) {
            throw new IllegalArgumentException(MIN_IDLE_SESSION + " must be >= 0, was " + minIdleSession);
        }
    }

    /** @throws InvalidSettingException when the value is negative */
    public static MinIdleSettings from(Config settings) {
        int value = settings.getInt(MIN_IDLE_SESSION);
        if (value < 0) {
            throw new InvalidSettingException(settings.getValue(MIN_IDLE_SESSION).origin(), MIN_IDLE_SESSION,
                    "must be >= 0, was " + value);
        }
        return new MinIdleSettings(value);
    }
}
