package org.anytls4j.api.monitor;

import org.anytls4j.api.Stable;

/**
 * Watches sessions of one outbound, e.g. the heartbeat. {@link #attach} is called for every session the
 * outbound creates, on demand or pre-created, right after it connected and before it is handed out.
 *
 * <h2>Threading and lifecycle</h2>
 * A monitor schedules its timers on the session's {@link MonitoredSession#executor()} and reads time from its
 * context's ticker. It stops by itself when the session closes ({@link MonitoredSession#closeFuture()}); to end a
 * session it calls {@link MonitoredSession#close} with a reason, and the pool replaces it by its policies.
 *
 * <h2>Since 2.0.0</h2>
 * {@link #attach} takes a {@link MonitoredSession}, the Netty-free view of a session (API 1.2 passed the transport's
 * {@code Session}, which has the same methods plus {@code openStream}): a monitor built against 1.2 changes the
 * parameter type of its {@code attach} and recompiles. The host still runs a monitor compiled against 1.2 (it
 * calls its {@code attach(Session)}).
 */
@Stable
@FunctionalInterface
public interface SessionMonitor {
    /** Starts watching {@code session}; any thread, possibly for several sessions at once. */
    void attach(MonitoredSession session);

    /** Called once when the outbound shuts down. Default: nothing. */
    default void close() {
    }
}
