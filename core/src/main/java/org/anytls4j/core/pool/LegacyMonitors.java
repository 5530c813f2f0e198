package org.anytls4j.core.pool;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.anytls4j.api.monitor.MonitoredSession;
import org.anytls4j.api.monitor.SessionMonitor;
import org.anytls4j.api.outbound.Session;

/**
 * Runs session monitors compiled against API 1.x, whose {@code attach} took the transport's {@link Session}: API 2.0
 * made it {@code attach(MonitoredSession)}, which such a class does not implement. The host refuses a 1.x plugin whose
 * {@code Plugin-Requires} admits 1.x; one that requires {@code *} is still loaded, and its monitors run through their
 * {@code attach(Session)}, called with the pool's session, which is always a {@link Session}.
 */
final class LegacyMonitors {
    private LegacyMonitors() {
    }

    /** {@code monitor} itself, or, for a 1.x monitor, one that calls its {@code attach(Session)}; null stays null. */
    static SessionMonitor compatible(SessionMonitor monitor) {
        if (monitor == null) {
            return null;
        }
        Method legacy;
        try {
            Method current = monitor.getClass().getMethod("attach", MonitoredSession.class);
            if (!Modifier.isAbstract(current.getModifiers())) {
                return monitor;
            }
            legacy = monitor.getClass().getMethod("attach", Session.class);
            legacy.setAccessible(true);
        } catch (NoSuchMethodException e) {
            return monitor;
        }
        return new SessionMonitor() {
            @Override
            public void attach(MonitoredSession session) {
                try {
                    legacy.invoke(monitor, (Session) session);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                } catch (InvocationTargetException e) {
                    if (e.getCause() instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    if (e.getCause() instanceof Error error) {
                        throw error;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }

            @Override
            public void close() {
                monitor.close();
            }

            @Override
            public String toString() {
                return monitor + " (API 1.x)";
            }
        };
    }
}
