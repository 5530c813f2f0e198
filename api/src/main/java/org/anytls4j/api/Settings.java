package org.anytls4j.api;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;

/**
 * Reads one key of a settings block and checks its range, throwing an {@link InvalidSettingException} that
 * carries the value's origin (file and line), the key and the limit, as the host reports every bad value:
 * {@code client.conf:12: outbounds[0].min_idle_session: must be >= 0, was -1}.
 *
 * <p>For factories, which read their block once at start-up:
 * <pre>{@code
 * int cap = Settings.intAtLeast(settings, "idle_session_cap", 0);
 * Duration every = Settings.nonNegativeDuration(settings, "cap_check_interval");
 * }</pre>
 *
 * <p>A key that is missing or null throws {@link ConfigException.Missing} as {@link Config} does (give every key
 * a default in the plugin's {@code reference.conf}); a value of the wrong type throws
 * {@link InvalidSettingException} saying which type was expected. Durations are written in messages as Go writes
 * them ({@link GoDurations}), as operators read them in log lines.
 *
 * <h2>Threading</h2>
 * Stateless and thread-safe.
 *
 * @since API 1.1.0
 */
@Stable
public final class Settings {
    private Settings() {
    }

    /**
     * {@code key} as an integer in {@code min..max}, both included.
     *
     * @throws InvalidSettingException {@code must be in 1..65535, was 0}, or {@code must be an integer}
     */
    public static int intInRange(Config settings, String key, int min, int max) {
        int value = integer(settings, key);
        if (value < min || value > max) {
            throw new InvalidSettingException(settings.getValue(key).origin(), key,
                    "must be in " + min + ".." + max + ", was " + value);
        }
        return value;
    }

    /**
     * {@code key} as an integer of at least {@code min}.
     *
     * @throws InvalidSettingException {@code must be >= 0, was -1}, or {@code must be an integer}
     */
    public static int intAtLeast(Config settings, String key, int min) {
        int value = integer(settings, key);
        if (value < min) {
            throw new InvalidSettingException(settings.getValue(key).origin(), key,
                    "must be >= " + min + ", was " + value);
        }
        return value;
    }

    /**
     * {@code key} as a duration of zero or more; what zero means (often "off") is the caller's to document.
     *
     * @throws InvalidSettingException {@code must be >= 0, was -1s}, or {@code must be a duration with a unit}
     */
    public static Duration nonNegativeDuration(Config settings, String key) {
        Duration value = duration(settings, key);
        if (value.isNegative()) {
            throw new InvalidSettingException(settings.getValue(key).origin(), key,
                    "must be >= 0, was " + GoDurations.exact(value));
        }
        return value;
    }

    /**
     * {@code key} as a duration of more than zero.
     *
     * @throws InvalidSettingException {@code must be > 0, was 0s}, or {@code must be a duration with a unit}
     */
    public static Duration positiveDuration(Config settings, String key) {
        Duration value = duration(settings, key);
        if (value.isNegative() || value.isZero()) {
            throw new InvalidSettingException(settings.getValue(key).origin(), key,
                    "must be > 0, was " + GoDurations.exact(value));
        }
        return value;
    }

    private static int integer(Config settings, String key) {
        try {
            return settings.getInt(key);
        } catch (ConfigException.WrongType e) {
            throw new InvalidSettingException(settings.getValue(key).origin(), key, "must be an integer");
        }
    }

    private static Duration duration(Config settings, String key) {
        try {
            return settings.getDuration(key);
        } catch (ConfigException.BadValue | ConfigException.WrongType e) {
            throw new InvalidSettingException(settings.getValue(key).origin(), key,
                    "must be a duration with a unit, e.g. 5s");
        }
    }
}
