package org.anytls4j.plugin.ensureidle;

import com.typesafe.config.Config;
import org.anytls4j.api.pool.PolicyContext;
import org.anytls4j.api.pool.PoolPolicy;
import org.anytls4j.api.pool.PoolPolicyFactory;

/**
 * Contributes the {@code ensure_idle} policy, consulted after every policy that closes sessions
 * ({@link #ORDER_ENSURE}) and enabled by {@code ensure_idle_session > 0}.
 *
 * <h2>Threading</h2>
 * Stateless; {@code create} is called once per outbound at start-up.
 */
public final class EnsureIdlePolicyFactory implements PoolPolicyFactory {
    public static final String NAME = "ensure_idle";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int order() {
        return ORDER_ENSURE;
    }

    @Override
    public boolean enabledBy(Config settings) {
        return EnsureIdleSettings.from(settings).ensureIdleSession() > 0;
    }

    @Override
    public PoolPolicy create(Config settings, PolicyContext context) {
        return new EnsureIdlePolicy(context.outboundTag(), EnsureIdleSettings.from(settings), context.metrics(),
                context::currentPool);
    }
}
