package org.anytls4j.testkit.scan;

import org.anytls4j.api.CloseReason;
import org.anytls4j.api.monitor.MonitoredSession;
import org.anytls4j.api.outbound.Heartbeat;

/** A monitor's use of the Netty-free view: its facts, a capability, its close. */
final class UsesMonitoredSession {
    void judge(MonitoredSession session) {
        if (session.capability(Heartbeat.class).isPresent() && session.lastReadNanos() < 0) {
            session.close(CloseReason.of("silent"));
        }
    }
}
