package org.anytls4j.core.pool;

import java.time.Duration;
import java.util.random.RandomGenerator;
import org.anytls4j.api.PluginContext;
import org.anytls4j.api.pool.PolicyContext;
import org.anytls4j.core.runtime.ForwardingPluginContext;

/**
 * The {@link PolicyContext} one policy or monitor of one outbound gets: its plugin's context plus the pool's tag,
 * clamped intervals and a random generator of its own.
 *
 * <h2>Threading</h2>
 * Immutable. The random generator is synchronized, because a monitor draws from it on several sessions' event
 * loops.
 */
final class PoolPolicyContext extends ForwardingPluginContext implements PolicyContext {
    private final String outboundTag;
    private final PoolSettings settings;
    private final RandomGenerator random;

    PoolPolicyContext(PluginContext plugin, String outboundTag, PoolSettings settings, RandomGenerator random) {
        super(plugin);
        this.outboundTag = outboundTag;
        this.settings = settings;
        this.random = new SynchronizedRandom(random);
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
