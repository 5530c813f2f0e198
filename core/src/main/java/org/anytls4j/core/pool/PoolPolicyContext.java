package org.anytls4j.core.pool;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.anytls4j.api.PluginContext;
import org.anytls4j.api.pool.PolicyContext;
import org.anytls4j.api.pool.PoolSnapshot;
import org.anytls4j.core.runtime.ForwardingPluginContext;
import org.anytls4j.core.runtime.PluginScheduler;

/**
 * The {@link PolicyContext} one policy or monitor of one outbound gets: its plugin's context plus the pool's tag,
 * clamped intervals, a random generator of its own, a live view of the pool ({@link #currentPool()}) and a scheduling
 * handle of its own ({@link #scheduler()}): the plugin cannot shut it down, and the pool cancels its tasks when it
 * closes.
 *
 * <h2>Threading</h2>
 * Immutable. The random generator is synchronized, because a monitor draws from it on several sessions' event
 * loops.
 */
final class PoolPolicyContext extends ForwardingPluginContext implements PolicyContext {
    private final String outboundTag;
    private final PoolSettings settings;
    private final RandomGenerator random;
    private final Supplier<PoolSnapshot> currentPool;
    private final PluginScheduler scheduler;

    /**
     * @param currentPool the pool's snapshot now; null until the pool exists (while policies are being created)
     */
    PoolPolicyContext(PluginContext plugin, String outboundTag, PoolSettings settings, RandomGenerator random,
                      Supplier<PoolSnapshot> currentPool) {
        super(plugin);
        this.outboundTag = outboundTag;
        this.settings = settings;
        this.random = new SynchronizedRandom(random);
        this.currentPool = currentPool;
        this.scheduler = new PluginScheduler("plugin=" + plugin.pluginId() + " outbound=" + outboundTag,
                plugin.scheduler());
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** The handle {@link #scheduler()} returns, whose tasks the pool cancels when it closes. */
    PluginScheduler pluginScheduler() {
        return scheduler;
    }

    @Override
    public String outboundTag() {
        return outboundTag;
    }

    @Override
    public Duration checkInterval() {
        return settings.checkInterval();
    }

    @Override
    public Duration idleTimeout() {
        return settings.idleTimeout();
    }

    @Override
    public RandomGenerator random() {
        return random;
    }

    @Override
    public Optional<PoolSnapshot> currentPool() {
        return Optional.ofNullable(currentPool.get());
    }

    /** Every other {@link RandomGenerator} method derives from {@code nextLong}, so locking it is enough. */
    private static final class SynchronizedRandom implements RandomGenerator {
        private final RandomGenerator delegate;

        SynchronizedRandom(RandomGenerator delegate) {
            this.delegate = delegate;
        }

        @Override
        public synchronized long nextLong() {
            return delegate.nextLong();
        }
    }
}
