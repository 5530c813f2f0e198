package org.anytls4j.plugin.lifetime;

import com.typesafe.config.Config;
import java.time.Duration;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.Settings;

/**
 * The keys of the {@code lifetime} policy, read from an outbound block with the defaults applied. Immutable; read
 * once per outbound at start-up.
 *
 * @param maxConnectionLifetime {@code max_connection_lifetime}, >= 0; 0 = disabled
 * @param jitter                {@code connection_lifetime_jitter}, >= 0
 * @param minIdleSessionForAge  {@code min_idle_session_for_age}, >= 0
 */
public record LifetimeSettings(Duration maxConnectionLifetime, Duration jitter, int minIdleSessionForAge) {
    public static final String MAX_CONNECTION_LIFETIME = "max_connection_lifetime";
    public static final String JITTER = "connection_lifetime_jitter";
    public static final String MIN_IDLE_SESSION_FOR_AGE = "min_idle_session_for_age";

    public LifetimeSettings {
        if (maxConnectionLifetime.isNegative() || jitter.isNegative() || minIdleSessionForAge < 0) {
            throw new IllegalArgumentException("lifetime settings must be >= 0");
        }
    }

    /** @throws InvalidSettingException when a value is negative */
    public static LifetimeSettings from(Config settings) {
        return new LifetimeSettings(Settings.nonNegativeDuration(settings, MAX_CONNECTION_LIFETIME),
                Settings.nonNegativeDuration(settings, JITTER),
                Settings.intAtLeast(settings, MIN_IDLE_SESSION_FOR_AGE, 0));
    }
}
