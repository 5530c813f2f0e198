package org.anytls4j.api.pool;

import java.util.List;
import org.anytls4j.api.Stable;

/**
 * A policy's answer for one evaluation: what to do now, and when it wants to be asked again.
 *
 * @param actions         carried out in order, after earlier policies' actions
 * @param askAgainAtNanos the ticker time at which the policy wants another evaluation (the pool runs at the
 *                        earliest time any policy asks for, and never later than its check interval), or
 *                        {@link #AT_NEXT_CHECK} for the regular interval
 */
@Stable
public record Decision(List<PoolAction> actions, long askAgainAtNanos) {
    /** Sentinel for {@link #askAgainAtNanos}: no earlier evaluation needed. */
    public static final long AT_NEXT_CHECK = Long.MAX_VALUE;

    private static final Decision NOTHING = new Decision(List.of(), AT_NEXT_CHECK);

    public Decision {
        actions = List.copyOf(actions);
    }

    /** Nothing to do; ask again at the next regular check. */
    public static Decision nothing() {
        return NOTHING;
    }

    /** These actions; ask again at the next regular check. */
    public static Decision of(List<PoolAction> actions) {
        return actions.isEmpty() ? NOTHING : new Decision(actions, AT_NEXT_CHECK);
    }
}
