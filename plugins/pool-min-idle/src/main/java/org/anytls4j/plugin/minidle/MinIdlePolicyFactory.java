package org.anytls4j.plugin.minidle;

import com.typesafe.config.Config;
import org.anytls4j.api.pool.PolicyContext;
import org.anytls4j.api.pool.PoolPolicy;
import org.anytls4j.api.pool.PoolPolicyFactory;

/**
 * Contributes the {@code min_idle} policy, consulted first in each run ({@link #ORDER_IDLE_PROTECTION}) and enabled
 * by {@code min_idle_session > 0}.
 *
 * <h2>Threading</h2>
 * Stateless; {@code create} is called once per outbound at start-up.
 */
public final class MinIdlePolicyFactory implements PoolPolicyFactory {
    public static final String NAME = "min_idle";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int order() {
        return ORDER_IDLE_PROTECTION;
    }

    @Override
    public boolean enabledBy(Config settings) {
        return MinIdleSettings.from(settings).minIdleSession() > 0;
    }

    @Override
    public PoolPolicy create(Config settings, PolicyContext context) {
        return new MinIdlePolicy(context.outboundTag(), MinIdleSettings.from(settings),
                context.idleTimeout().toNanos());
    }
}
