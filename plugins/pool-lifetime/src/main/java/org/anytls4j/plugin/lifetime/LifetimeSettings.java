package org.anytls4j.plugin.lifetime;

import com.typesafe.config.Config;
import java.time.Duration;
import org.anytls4j.api.GoDurations;
import org.anytls4j.api.InvalidSettingException;

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
        int minForAge = settings.getInt(MIN_IDLE_SESSION_FOR_AGE);
        if (minForAge < 0) {
            throw new InvalidSettingException(settings.getValue(MIN_IDLE_SESSION_FOR_AGE).origin(),
                    MIN_IDLE_SESSION_FOR_AGE, "must be >= 0, was " + minForAge);
        }
        return new LifetimeSettings(nonNegative(settings, MAX_CONNECTION_LIFETIME), nonNegative(settings, JITTER),
                minForAge);
    }

    private static Duration nonNegative(Config settings, String key) {
        Duration value = settings.getDuration(key);
        if (value.isNegative()) {
            throw new InvalidSettingException(settings.getValue(key).origin(), key,
                    "must be >= 0, was " + GoDurations.format(value));
        }
        return value;
    }
}
