package org.anytls4j.plugin.ensureidle;

import com.typesafe.config.Config;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.Settings;

/**
 * The keys of the {@code ensure_idle} policy, read from an outbound block with the defaults applied. Immutable;
 * read once per outbound at start-up.
 *
 * @param ensureIdleSession {@code ensure_idle_session}: idle sessions to keep ready, >= 0
 * @param createRate        {@code ensure_idle_session_create_rate}: creations per run, 0 = unlimited
 */
public record EnsureIdleSettings(int ensureIdleSession, int createRate) {
    public static final String ENSURE_IDLE_SESSION = "ensure_idle_session";
    public static final String CREATE_RATE = "ensure_idle_session_create_rate";

    public EnsureIdleSettings {
        if (ensureIdleSession < 0 || createRate < 0) {
            throw new IllegalArgumentException("ensure_idle settings must be >= 0, were " + ensureIdleSession
                    + " and " + createRate);
        }
    }

    /** @throws InvalidSettingException when a value is negative */
    public static EnsureIdleSettings from(Config settings) {
        return new EnsureIdleSettings(Settings.intAtLeast(settings, ENSURE_IDLE_SESSION, 0),
                Settings.intAtLeast(settings, CREATE_RATE, 0));
    }
}
