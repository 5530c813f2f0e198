package org.anytls4j.api.pool;

import org.anytls4j.api.Stable;

/**
 * Pure decision logic over one pool: given a snapshot and the time, say what to do. The pool owns the
 * scheduled task, the lock and the sessions; a policy owns nothing but its settings and, if it must, small
 * bookkeeping keyed by session seq.
 *
 * <h2>Threading</h2>
 * The pool calls {@link #evaluate} from one thread at a time, under its lock: it must be quick, must not block,
 * must not read a clock (use {@code nowNanos}) and must not touch sessions.
 */
@Stable
@FunctionalInterface
public interface PoolPolicy {
    /**
     * @param pool     the pool as earlier policies in this run left it
     * @param nowNanos the pool's ticker reading for this run
     * @return the actions; never null ({@link Decision#nothing()})
     */
    Decision evaluate(PoolSnapshot pool, long nowNanos);

    /**
     * Whether the pool may hand this idle session out for a new stream now. The pool asks every policy before it
     * hands a session out, under the same lock as {@link #evaluate}, so a session a policy refuses is never used
     * (e.g. the lifetime policy refuses a session past its lifetime; the next evaluation closes it). Must be quick,
     * must not block and must not read a clock. Default: true.
     *
     * @param session  the candidate, as it is now
     * @param nowNanos the pool's ticker reading
     */
    default boolean mayHandOut(PooledSession session, long nowNanos) {
        return true;
    }

    /**
     * Called once when the pool shuts down; release anything the policy holds. Default: nothing.
     */
    default void close() {
    }
}
