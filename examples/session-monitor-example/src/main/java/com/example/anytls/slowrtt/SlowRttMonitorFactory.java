package com.example.anytls.slowrtt;

import com.typesafe.config.Config;
import org.anytls4j.api.monitor.SessionMonitor;
import org.anytls4j.api.monitor.SessionMonitorFactory;
import org.anytls4j.api.pool.PolicyContext;

/**
 * Contributes the {@code slow_rtt} monitor. It runs only where an outbound names it in {@code pool_policies}, so
 * {@link #enabledBy} keeps its default ({@code false}).
 */
public final class SlowRttMonitorFactory implements SessionMonitorFactory {
    /** What operators write in {@code pool_policies}. */
    public static final String NAME = "slow_rtt";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SessionMonitor create(Config settings, PolicyContext context) {
        return new SlowRttMonitor(SlowRttSettings.from(settings), context);
    }
}
