package com.example.anytls.idlecap;

import java.util.ArrayList;
import java.util.List;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.pool.Decision;
import org.anytls4j.api.pool.PoolAction;
import org.anytls4j.api.pool.PoolSnapshot;
import org.anytls4j.api.pool.PoolPolicy;
import org.anytls4j.api.pool.PooledSession;

/**
 * Keeps at most {@code cap} idle sessions: closes the oldest idle ones beyond it. Pure decision logic, as every
 * policy: it reads only the snapshot and never a clock, and owns no state.
 *
 * <h2>Threading</h2>
 * Immutable; the pool calls {@link #evaluate} from one thread at a time.
 */
final class IdleCapPolicy implements PoolPolicy {
    /** The reason in the pool's log line: {@code closed reason=idle-cap}. */
    static final CloseReason IDLE_CAP = CloseReason.of("idle-cap");

    private final int cap;

    IdleCapPolicy(int cap) {
        this.cap = cap;
    }

    @Override
    public Decision evaluate(PoolSnapshot pool, long nowNanos) {
        List<PooledSession> idle = pool.idle(); // newest first: the ones handed out next
        if (idle.size() <= cap) {
            return Decision.nothing();
        }
        List<PoolAction> actions = new ArrayList<>();
        for (PooledSession session : idle.subList(cap, idle.size())) {
            actions.add(PoolAction.close(session.seq(), IDLE_CAP, "idle_session_cap=" + cap));
        }
        return Decision.of(actions);
    }
}
