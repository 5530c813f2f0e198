package com.example.anytls.slowrtt;

import com.typesafe.config.Config;
import java.time.Duration;
import org.anytls4j.api.GoDurations;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.Settings;

/**
 * The keys of one outbound block, with the defaults of this plugin's {@code reference.conf} applied by the host.
 *
 * @param interval time between two probes of a session
 * @param threshold a probe whose round-trip time is above this is slow; below {@code interval}
 * @param probes consecutive slow probes that close the session, at least 1
 */
record SlowRttSettings(Duration interval, Duration threshold, int probes) {
    static final String INTERVAL = "slow_rtt_interval";
    static final String THRESHOLD = "slow_rtt_threshold";
    static final String PROBES = "slow_rtt_probes";

    /**
     * @throws InvalidSettingException naming the key (the host adds the file, line and full key) when a value is
     *     out of range, or when the threshold is not below the interval: a probe unanswered for a whole interval
     *     counts as slow, which is only true when the threshold is shorter
     */
    static SlowRttSettings from(Config settings) {
        Duration interval = Settings.positiveDuration(settings, INTERVAL);
        Duration threshold = Settings.positiveDuration(settings, THRESHOLD);
        if (threshold.compareTo(interval) >= 0) {
            throw new InvalidSettingException(settings.getValue(THRESHOLD).origin(), THRESHOLD,
                    "must be below " + INTERVAL + " (" + GoDurations.format(interval) + "), was "
                            + GoDurations.format(threshold));
        }
        return new SlowRttSettings(interval, threshold, Settings.intAtLeast(settings, PROBES, 1));
    }
}
