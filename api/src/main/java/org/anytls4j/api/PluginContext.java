package org.anytls4j.api;

import com.typesafe.config.Config;
import java.util.concurrent.ScheduledExecutorService;
import org.anytls4j.api.metrics.Metrics;

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

    /**
     * The plugin's meters (names prefixed with {@code anytls4j.}), published by the host with its own. API 1.2 had
     * {@code meterRegistry()} here, a Micrometer type; it moved to the Netty SPI's contexts
     * ({@link org.anytls4j.api.outbound.TransportContext#meterRegistry()},
     * {@link org.anytls4j.api.inbound.InboundContext#meterRegistry()}), so that a pool policy or session monitor
     * sees no metrics library. Implemented by the host.
     *
     * @since 2.0.0
     */
    Metrics metrics();
}
