package org.anytls4j.api.pool;

import java.util.List;
import java.util.Objects;
import org.anytls4j.api.Stable;

/**
 * A policy's answer for one evaluation: what to do now, and when it wants to be asked again. Made with
 * {@link #nothing()}, {@link #of(List)} or {@link #of(List, long)}; immutable, equal when its parts are (a record
 * until 2.0.0, with the same accessors).
 */
@Stable
public final class Decision {
    /** Sentinel for {@link #askAgainAtNanos}: no earlier evaluation needed. */
    public static final long AT_NEXT_CHECK = Long.MAX_VALUE;

    @SuppressWarnings("deprecation")
    private static final Decision NOTHING = new Decision(List.of(), AT_NEXT_CHECK);

    private final List<PoolAction> actions;
    private final long askAgainAtNanos;

    /**
     * @param actions         carried out in order, after earlier policies' actions
     * @param askAgainAtNanos the ticker time at which the policy wants another evaluation, or {@link #AT_NEXT_CHECK}
     * @deprecated since 2.0.0: use {@link #of(List, long)}
     */
    @Deprecated(since = "2.0.0")
    public Decision(List<PoolAction> actions, long askAgainAtNanos) {
        this.actions = List.copyOf(actions);
        this.askAgainAtNanos = askAgainAtNanos;
    }

    /** Nothing to do; ask again at the next regular check. */
    public static Decision nothing() {
        return NOTHING;
    }

    /** These actions; ask again at the next regular check. */
    public static Decision of(List<PoolAction> actions) {
        return of(actions, AT_NEXT_CHECK);
    }

    /**
     * These actions (possibly none); ask again at {@code askAgainAtNanos} on the pool's ticker.
     *
     * @since 2.0.0
     */
    @SuppressWarnings("deprecation")
    public static Decision of(List<PoolAction> actions, long askAgainAtNanos) {
        return actions.isEmpty() && askAgainAtNanos == AT_NEXT_CHECK ? NOTHING
                : new Decision(actions, askAgainAtNanos);
    }

    /** Carried out in order, after earlier policies' actions. */
    public List<PoolAction> actions() {
        return actions;
    }

    /**
     * The ticker time at which the policy wants another evaluation (the pool runs at the earliest time any policy
     * asks for, and never later than its check interval), or {@link #AT_NEXT_CHECK} for the regular interval.
     */
    public long askAgainAtNanos() {
        return askAgainAtNanos;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Decision other && actions.equals(other.actions) && askAgainAtNanos == other.askAgainAtNanos;
    }

    @Override
    public int hashCode() {
        return Objects.hash(actions, askAgainAtNanos);
    }

    @Override
    public String toString() {
        return "Decision[actions=" + actions + ", askAgainAtNanos=" + askAgainAtNanos + "]";
    }
}
