package org.anytls4j.plugin.lifetime;

import com.typesafe.config.Config;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.pool.PolicyContext;
import org.anytls4j.api.pool.PoolPolicy;
import org.anytls4j.api.pool.PoolPolicyFactory;

/**
 * Contributes the {@code lifetime} policy, consulted after the idle cleanup ({@link #ORDER_LIFETIME}) and enabled by
 * {@code max_connection_lifetime > 0}.
 *
 * <h2>Threading</h2>
 * Stateless; {@code create} is called once per outbound at start-up.
 */
public final class LifetimePolicyFactory implements PoolPolicyFactory {
    public static final String NAME = "lifetime";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int order() {
        return ORDER_LIFETIME;
    }

    @Override
    public boolean enabledBy(Config settings) {
        return !LifetimeSettings.from(settings).maxConnectionLifetime().isZero();
    }

    @Override
    public PoolPolicy create(Config settings, PolicyContext context) {
        LifetimeSettings lifetime = LifetimeSettings.from(settings);
        if (lifetime.maxConnectionLifetime().isZero()) {
            throw new InvalidSettingException(
                    settings.getValue(LifetimeSettings.MAX_CONNECTION_LIFETIME).origin(),
                    LifetimeSettings.MAX_CONNECTION_LIFETIME,
                    "must be > 0 when the lifetime policy is named in pool_policies, was 0s");
        }
        return new LifetimePolicy(context.outboundTag(), lifetime, context.random());
    }
}
