package org.anytls4j.api.outbound;

import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import org.anytls4j.api.Stable;

/**
 * Makes sessions to one configured server. Created once per outbound by a {@link TransportFactory}; the
 * host's pool calls {@link #connect} whenever it needs a session (on demand, or to keep idle sessions ready).
 *
 * <h2>Threading and lifecycle</h2>
 * Thread-safe; {@code connect} may be called concurrently. After {@link #close()} every later {@code connect}
 * fails, and sessions made before stay the pool's to close.
 */
@Stable
public interface SessionConnector extends AutoCloseable {
    /**
     * Connects, secures and authenticates a new session.
     *
     * @param sequencer called exactly once, when the connection and authentication succeeded, to obtain the
     *                  session's sequence number; a failed attempt consumes no number (POOL.md section 2)
     * @return completes with the new, active session, or fails with the cause
     */
    CompletionStage<Session> connect(LongSupplier sequencer);

    /** Refuses further connects and releases what the connector holds (not the sessions). Idempotent. */
    @Override
    void close();
}
