package org.anytls4j.api;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What the host gives a plugin's factories. New capabilities are added here as methods with default
 * implementations, so older plugins keep working.
 *
 * <h2>Threading</h2>
 * All methods are thread-safe. The {@link #scheduler()} is shared by the host; tasks submitted to it must
 * not block.
 */
@Stable
public interface PluginContext {
    /** The id of the plugin this context belongs to, e.g. {@code pool-min-idle}. */
    String pluginId();

    /**
     * The plugin's own configuration block: {@code plugins.<plugin-id>} of the user's file, with the
     * plugin's {@code reference.conf} defaults under the same path applied. Empty when the plugin has none.
     */
    Config config();

    /** The clock every timed decision must use. */
    Ticker ticker();

    /** A scheduler for timers. Tests replace it with a manual one. */
    ScheduledExecutorService scheduler();

    /** The logger name prefix for this plugin, e.g. {@code org.anytls4j.plugin.pool-min-idle}. */
    String loggerName();

    /** The registry for the plugin's metrics; meters should be prefixed with {@code anytls4j.}. */
    MeterRegistry meterRegistry();
}
