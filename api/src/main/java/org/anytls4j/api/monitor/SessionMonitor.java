package org.anytls4j.api.monitor;

import org.anytls4j.api.Stable;
import org.anytls4j.api.outbound.Session;

/**
 * Watches sessions of one outbound, e.g. the heartbeat. {@link #attach} is called for every session the
 * outbound creates, on demand or pre-created, right after it connected and before it is handed out.
 *
 * <h2>Threading and lifecycle</h2>
 * A monitor schedules its timers on the session's {@link Session#executor()} and reads time from its context's
 * ticker. It stops by itself when the session closes ({@link Session#closeFuture()}); to end a session it calls
 * {@link Session#close} with a reason, and the pool replaces it by its policies.
 */
@Stable
@FunctionalInterface
public interface SessionMonitor {
    void attach(Session session);

    /** Called once when the outbound shuts down. Default: nothing. */
    default void close() {
    }
}
