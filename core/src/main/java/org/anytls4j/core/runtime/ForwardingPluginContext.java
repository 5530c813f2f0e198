package org.anytls4j.core.runtime;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ScheduledExecutorService;
import org.anytls4j.api.PluginContext;
import org.anytls4j.api.Ticker;
import org.anytls4j.api.metrics.Metrics;

/** A context that adds to a plugin's {@link PluginContext}; immutable and thread-safe when the delegate is. */
public abstract class ForwardingPluginContext implements PluginContext {
    private final PluginContext plugin;

    protected ForwardingPluginContext(PluginContext plugin) {
        this.plugin = requireNonNull(plugin, "plugin");
    }

    @Override
    public String pluginId() {
        return plugin.pluginId();
    }

    @Override
    public Config config() {
        return plugin.config();
    }

    @Override
    public Ticker ticker() {
        return plugin.ticker();
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return plugin.scheduler();
    }

    @Override
    public String loggerName() {
        return plugin.loggerName();
    }

    @Override
    public Metrics metrics() {
        return plugin.metrics();
    }

    /**
     * The host's Micrometer registry behind the plugin's {@link #metrics()}, for the Netty SPI's contexts
     * ({@code TransportContext}, {@code InboundContext}).
     *
     * @throws IllegalStateException when the plugin's metrics are not the host's (a test's own context)
     */
    public MeterRegistry meterRegistry() {
        if (plugin.metrics() instanceof MicrometerMetrics micrometer) {
            return micrometer.registry();
        }
        throw new IllegalStateException("plugin " + plugin.pluginId() + " has no Micrometer registry");
    }
}
