package org.anytls4j.plugin.heartbeat;

import com.typesafe.config.Config;
import java.time.Duration;
import org.anytls4j.api.GoDurations;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.Settings;

/**
 * The keys of the {@code heartbeat} monitor, read from an outbound block with the defaults applied. Immutable;
 * read once per outbound at start-up.
 *
 * @param interval  {@code heartbeat}: time between probes; zero = disabled
 * @param timeout   {@code heartbeat_timeout} resolved: {@code 0s} in the file becomes min(interval, 10 s); never more
 *                  than the interval
 * @param maxMissed {@code heartbeat_max_missed}, >= 1
 */
public record HeartbeatSettings(Duration interval, Duration timeout, int maxMissed) {
    public static final String HEARTBEAT = "heartbeat";
    public static final String HEARTBEAT_TIMEOUT = "heartbeat_timeout";
    public static final String HEARTBEAT_MAX_MISSED = "heartbeat_max_missed";
    /** The timeout used when {@code heartbeat_timeout = 0s}, unless the interval is shorter. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /**
     * @throws InvalidSettingException for a negative duration, a timeout longer than the interval, or
     *     {@code heartbeat_max_missed < 1}
     */
    public static HeartbeatSettings from(Config settings) {
        Duration interval = Settings.nonNegativeDuration(settings, HEARTBEAT);
        Duration timeout = Settings.nonNegativeDuration(settings, HEARTBEAT_TIMEOUT);
        if (timeout.isZero()) {
            timeout = interval.compareTo(DEFAULT_TIMEOUT) < 0 ? interval : DEFAULT_TIMEOUT;
        } else if (timeout.compareTo(interval) > 0) {
            throw new InvalidSettingException(settings.getValue(HEARTBEAT_TIMEOUT).origin(), HEARTBEAT_TIMEOUT,
                    "must be <= heartbeat (" + GoDurations.format(interval) + "), was " + GoDurations.format(timeout));
        }
        int maxMissed = Settings.intAtLeast(settings, HEARTBEAT_MAX_MISSED, 1);
        return new HeartbeatSettings(interval, timeout, maxMissed);
    }
}
