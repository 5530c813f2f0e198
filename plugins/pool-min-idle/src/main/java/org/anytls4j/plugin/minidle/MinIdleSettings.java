package org.anytls4j.plugin.minidle;

import com.typesafe.config.Config;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.Settings;

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
        return new MinIdleSettings(Settings.intAtLeast(settings, MIN_IDLE_SESSION, 0));
    }
}
