package org.anytls4j.core.pool;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.anytls4j.api.PluginContext;
import org.anytls4j.api.Ticker;

/**
 * What the host gives every {@link SessionPool}: time, a scheduler for the maintenance task, an executor for the
 * policies' code, metrics, randomness and the plugin context of each installed policy or monitor factory. Tests pass
 * a fake ticker and a manual scheduler. Immutable and shared by every pool of the host; the host owns (and shuts
 * down) what it holds.
 *
 * @param ticker          the clock of every pool decision and of {@code Session.createdNanos()}
 * @param scheduler       times the maintenance task; the pool only hands the run over to {@code policyExecutor}
 *                        from it, so its thread never runs plugin code
 * @param meterRegistry   where pool meters go (tag {@code outbound})
 * @param randomSource    called once per policy and monitor to make its {@code PolicyContext.random()}
 * @param pluginContextOf the {@link PluginContext} of the plugin that contributed a given factory
 * @param policyExecutor  runs the maintenance runs and every call of a policy's code, never on an I/O thread; it must
 *                        be able to run a call while a maintenance run waits for it (at least two threads), or run
 *                        tasks inline ({@code Runnable::run}, for tests: then the time budget cannot interrupt a
 *                        stuck call)
 */
public record PoolEnvironment(Ticker ticker, ScheduledExecutorService scheduler, MeterRegistry meterRegistry,
                              Supplier<RandomGenerator> randomSource, Function<Object, PluginContext> pluginContextOf,
                              Executor policyExecutor) {
    /** An environment whose policies run inline on the maintenance thread (tests driven by a manual scheduler). */
    public PoolEnvironment(Ticker ticker, ScheduledExecutorService scheduler, MeterRegistry meterRegistry,
                           Supplier<RandomGenerator> randomSource, Function<Object, PluginContext> pluginContextOf) {
        this(ticker, scheduler, meterRegistry, randomSource, pluginContextOf, Runnable::run);
    }
}
