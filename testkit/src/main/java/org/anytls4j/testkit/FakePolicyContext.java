package org.anytls4j.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledExecutorService;
import java.util.random.RandomGenerator;
import org.anytls4j.api.PluginContext;
import org.anytls4j.api.Ticker;
import org.anytls4j.api.pool.PolicyContext;

/**
 * A {@link PolicyContext} (and so a {@link PluginContext}) for unit tests of policies and monitors: a fake clock,
 * a manual scheduler, {@link FakeMetrics} to read metrics back, and a seeded random source.
 *
 * <h2>Threading</h2>
 * As the tests that use it: one thread.
 */
public record FakePolicyContext(String pluginId, String outboundTag, Duration checkInterval, Duration idleTimeout,
                                FakeTicker fakeTicker, ManualScheduler manualScheduler, FakeMetrics metrics,
                                RandomGenerator random) implements PolicyContext {

    /** Outbound {@code hk}, interval and timeout 30 s, time 0, random seeded with 42. */
    public static FakePolicyContext create(String pluginId) {
        FakeTicker ticker = new FakeTicker();
        return new FakePolicyContext(pluginId, "hk", Duration.ofSeconds(30), Duration.ofSeconds(30), ticker,
                new ManualScheduler(ticker), new FakeMetrics(), new SplittableRandom(42));
    }

    public FakePolicyContext withIntervals(Duration interval, Duration timeout) {
        return new FakePolicyContext(pluginId, outboundTag, interval, timeout, fakeTicker, manualScheduler,
                metrics, random);
    }

    public FakePolicyContext withRandom(RandomGenerator generator) {
        return new FakePolicyContext(pluginId, outboundTag, checkInterval, idleTimeout, fakeTicker, manualScheduler,
                metrics, generator);
    }

    /** A plain {@link PluginContext} view of this context, as the host's {@code pluginContextOf} returns. */
    public PluginContext pluginContext() {
        return this;
    }

    @Override
    public Config config() {
        return ConfigFactory.empty();
    }

    @Override
    public Ticker ticker() {
        return fakeTicker;
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return manualScheduler;
    }

    @Override
    public String loggerName() {
        return "org.anytls4j.plugin." + pluginId;
    }
}
