package org.anytls4j.plugin.heartbeat;

import com.typesafe.config.Config;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.monitor.SessionMonitor;
import org.anytls4j.api.monitor.SessionMonitorFactory;
import org.anytls4j.api.pool.PolicyContext;

/**
 * Contributes the {@code heartbeat} session monitor, enabled by {@code heartbeat > 0}.
 *
 * <h2>Threading</h2>
 * Stateless; {@code create} is called once per outbound at start-up.
 */
public final class HeartbeatMonitorFactory implements SessionMonitorFactory {
    public static final String NAME = "heartbeat";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean enabledBy(Config settings) {
        return !HeartbeatSettings.from(settings).interval().isZero();
    }

    @Override
    public SessionMonitor create(Config settings, PolicyContext context) {
        HeartbeatSettings heartbeat = HeartbeatSettings.from(settings);
        if (heartbeat.interval().isZero()) {
            throw new InvalidSettingException(settings.getValue(HeartbeatSettings.HEARTBEAT).origin(),
                    HeartbeatSettings.HEARTBEAT, "must be > 0 when the heartbeat monitor is named in pool_policies, was 0s");
        }
        return new HeartbeatMonitor(heartbeat, context);
    }
}
