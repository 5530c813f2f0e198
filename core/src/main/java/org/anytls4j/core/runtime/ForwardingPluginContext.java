package org.anytls4j.core.runtime;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ScheduledExecutorService;
import org.anytls4j.api.PluginContext;
import org.anytls4j.api.Ticker;

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
    public MeterRegistry meterRegistry() {
        return plugin.meterRegistry();
    }
}
