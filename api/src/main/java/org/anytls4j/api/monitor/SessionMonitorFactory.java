package org.anytls4j.api.monitor;

import com.typesafe.config.Config;
import org.anytls4j.api.Stable;
import org.anytls4j.api.pool.PolicyContext;

/**
 * Contributes a session monitor, e.g. {@code heartbeat}. Settings and enabling work as for
 * {@link org.anytls4j.api.pool.PoolPolicyFactory}: keys in the outbound block, defaults in the plugin's
 * {@code reference.conf} under {@code anytls4j.session-monitor.<name>}.
 */
@Stable
public interface SessionMonitorFactory {
    /** Unique across installed plugins; may be named in {@code pool_policies}. */
    String name();

    /** Whether the outbound's own keys switch this monitor on, e.g. {@code heartbeat > 0}. */
    default boolean enabledBy(Config settings) {
        return false;
    }

    /** Creates the monitor for one outbound, once, at start-up. */
    SessionMonitor create(Config settings, PolicyContext context);
}
