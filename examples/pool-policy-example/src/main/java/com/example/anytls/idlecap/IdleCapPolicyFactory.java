package com.example.anytls.idlecap;

import com.typesafe.config.Config;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.Settings;
import org.anytls4j.api.pool.PolicyContext;
import org.anytls4j.api.pool.PoolPolicy;
import org.anytls4j.api.pool.PoolPolicyFactory;

/**
 * Contributes the {@code idle_cap} policy. It is switched on only by naming it in an outbound's
 * {@code pool_policies}, so {@link #enabledBy} keeps its default ({@code false}).
 */
public final class IdleCapPolicyFactory implements PoolPolicyFactory {
    /** What operators write in {@code pool_policies}. */
    public static final String NAME = "idle_cap";
    static final String CAP_KEY = "idle_session_cap";

    @Override
    public String name() {
        return NAME;
    }

    /** After the host's idle cleanup, before ensure_idle refills the pool. */
    @Override
    public int order() {
        return ORDER_LIFETIME + 10;
    }

    /**
     * @param settings the outbound block with this plugin's defaults applied
     * @throws InvalidSettingException when {@code idle_session_cap} is negative; the host reports it with the file,
     *     line and full key of the outbound
     */
    @Override
    public PoolPolicy create(Config settings, PolicyContext context) {
        return new IdleCapPolicy(Settings.intAtLeast(settings, CAP_KEY, 0));
    }
}
