package org.anytls4j.core.runtime;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ScheduledExecutorService;
import org.anytls4j.api.PluginContext;
import org.anytls4j.api.Ticker;
import org.anytls4j.api.metrics.Metrics;

/**
 * The context of one plugin for one run of the host: its {@code plugins.<id>} block, the host's clock, scheduler
 * and meter registry, and its logger name {@code org.anytls4j.plugin.<id>}.
 *
 * <h2>Threading</h2>
 * Immutable and thread-safe.
 */
public record DefaultPluginContext(String pluginId, Config config, Ticker ticker, ScheduledExecutorService scheduler,
                                   MeterRegistry meterRegistry) implements PluginContext {
    /** The prefix of every plugin's logger name. */
    public static final String LOGGER_PREFIX = "org.anytls4j.plugin.";

    public DefaultPluginContext {
        requireNonNull(pluginId, "pluginId");
        requireNonNull(config, "config");
        requireNonNull(ticker, "ticker");
        requireNonNull(scheduler, "scheduler");
        requireNonNull(meterRegistry, "meterRegistry");
    }

    /** The plugin's meters, in {@link #meterRegistry()}. */
    @Override
    public Metrics metrics() {
        return new MicrometerMetrics(meterRegistry);
    }

    @Override
    public String loggerName() {
        return LOGGER_PREFIX + pluginId;
    }
}
