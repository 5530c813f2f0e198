package org.anytls4j.api.pool;

import org.anytls4j.api.Stable;

/**
 * Pure decision logic over one pool: given a snapshot and the time, say what to do. The pool owns the
 * scheduling of its runs, its state and the sessions; a policy owns nothing but its settings and, if it must, small
 * bookkeeping keyed by session seq.
 *
 * <h2>Threading</h2>
 * The pool calls a policy's methods one at a time (never two at once), off the I/O threads, on an immutable
 * snapshot; it applies the decisions itself afterwards. They must be quick (each call has the outbound's
 * {@code policy_time_budget}, 100 ms by default), must not read a clock (use {@code nowNanos}) and must not touch
 * sessions. A call that throws or overruns the budget fails closed: its actions are dropped and a session it was
 * asked about is not handed out; after {@code policy_failure_limit} failures in a row the policy is disabled for the
 * outbound. A policy is a function of (snapshot, now) and its own bookkeeping: it holds no reference to the pool.
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
     * Whether the pool may hand this session out for a new stream. The pool asks ahead of time, never on the
     * stream-open path: for every session at each maintenance run, and for a session whenever it is created or
     * becomes idle again; it keeps each verdict until the next one. So a verdict that depends on time must be backed
     * by an evaluation at the moment it changes ({@link Decision#askAgainAtNanos()}: e.g. the lifetime policy asks
     * to be evaluated when the next session expires, and refuses it from then on; the same run closes it). Must be
     * quick, must not block and must not read a clock. Default: true.
     *
     * @param session  the candidate, as it is now
     * @param nowNanos the pool's ticker reading
     */
    default boolean mayHandOut(PooledSession session, long nowNanos) {
        return true;
    }

    /**
     * A session this policy asked for ({@link PoolAction.Create}) was created and pooled as idle; for the policy's own
     * log lines. Called like the other methods (one at a time, off the I/O threads). Default: nothing.
     *
     * @param index   the creation's 1-based number within the maintenance run that asked for it
     * @param session the new session, as it was pooled
     * @since 2.0.0
     */
    default void created(int index, PooledSession session) {
    }

    /**
     * A creation this policy asked for failed (the pool logs the failure streak and backs off itself); for the
     * policy's own log lines. Called like the other methods. Default: nothing.
     *
     * @param index the creation's 1-based number within the maintenance run that asked for it
     * @param cause why
     * @since 2.0.0
     */
    default void creationFailed(int index, Throwable cause) {
    }

    /**
     * Called once when the pool shuts down; release anything the policy holds. Default: nothing.
     */
    default void close() {
    }
}
