package com.example.anytls.slowrtt;

import java.util.List;
import org.anytls4j.api.AnytlsPlugin;
import org.anytls4j.api.monitor.SessionMonitorFactory;
import org.pf4j.Extension;

/**
 * The plugin's entry point: a PF4J extension of {@link AnytlsPlugin} that lists what it contributes, here one
 * session monitor. PF4J's annotation processor records it in {@code META-INF/extensions.idx} at compile time.
 */
@Extension
public class SlowRttPlugin implements AnytlsPlugin {
    @Override
    public List<SessionMonitorFactory> sessionMonitors() {
        return List.of(new SlowRttMonitorFactory());
    }
}
