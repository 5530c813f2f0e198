package org.anytls4j.core.pool;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.anytls4j.api.PluginContext;
import org.anytls4j.api.Ticker;

/**
 * What the host gives every {@link SessionPool}: time, a scheduler for the maintenance task, metrics, randomness
 * and the plugin context of each installed policy or monitor factory. Tests pass a fake ticker and a manual
 * scheduler. Immutable and shared by every pool of the host; the host owns (and shuts down) what it holds.
 *
 * @param ticker          the clock of every pool decision and of {@code Session.createdNanos()}
 * @param scheduler       runs the maintenance task; tasks are short and never block
 * @param meterRegistry   where pool meters go (tag {@code outbound})
 * @param randomSource    called once per policy and monitor to make its {@code PolicyContext.random()}
 * @param pluginContextOf the {@link PluginContext} of the plugin that contributed a given factory
 */
public record PoolEnvironment(Ticker ticker, ScheduledExecutorService scheduler, MeterRegistry meterRegistry,
                              Supplier<RandomGenerator> randomSource, Function<Object, PluginContext> pluginContextOf) {
}
