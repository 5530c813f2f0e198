package org.anytls4j.api.pool;

import org.anytls4j.api.Stable;

/**
 * An immutable view of one session of a pool, taken for one evaluation.
 *
 * @param seq          the session's sequence number (higher is newer)
 * @param createdNanos when the session was connected, on the pool's ticker
 * @param idleSinceNanos when the session last became idle (its creation, or the end of its last stream, or the
 *                     last time a policy reset its idle timer); meaningful only when {@code idle}
 * @param idle         true if the session carries no stream and is in the idle pool
 * @param openStreams  streams open on it now
 * @param peerVersion  the protocol version the peer announced, 0 if unknown
 */
@Stable
public record PooledSession(long seq, long createdNanos, long idleSinceNanos, boolean idle, int openStreams,
                            int peerVersion) {

    /** How long the session has been idle at {@code nowNanos}; 0 when busy. */
    public long idleNanos(long nowNanos) {
        return idle ? nowNanos - idleSinceNanos : 0;
    }

    /** The session's age at {@code nowNanos}. */
    public long ageNanos(long nowNanos) {
        return nowNanos - createdNanos;
    }
}
