package org.anytls4j.plugin.heartbeat;

import java.util.List;
import org.anytls4j.api.AnytlsPlugin;
import org.anytls4j.api.monitor.SessionMonitorFactory;
import org.pf4j.Extension;

/**
 * The heartbeat plugin's entry point: contributes the {@code heartbeat} session monitor.
 *
 * <h2>Lifecycle</h2>
 * Instantiated by PF4J; the host reads {@link #sessionMonitors()} once at start-up.
 */
@Extension
public final class HeartbeatPlugin implements AnytlsPlugin {
    @Override
    public List<SessionMonitorFactory> sessionMonitors() {
        return List.of(new HeartbeatMonitorFactory());
    }
}
