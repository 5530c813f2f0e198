package org.anytls4j.core.pool;

import java.util.ArrayList;
import java.util.List;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.GoDurations;
import org.anytls4j.api.pool.Decision;
import org.anytls4j.api.pool.PoolAction;
import org.anytls4j.api.pool.PoolPolicy;
import org.anytls4j.api.pool.PoolPolicyFactory;
import org.anytls4j.api.pool.PoolSnapshot;
import org.anytls4j.api.pool.PooledSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The core's idle cleanup (POOL.md section 7), always on, consulted at {@link PoolPolicyFactory#ORDER_IDLE_CLEANUP}:
 * closes every idle session whose idle-since time is before {@code now - idle_session_timeout}, with reason
 * {@code idle-timeout}. Protection ({@code min_idle}) runs earlier and resets the timers of the sessions it keeps,
 * so this policy never needs to know about it; it only avoids repeating the summary line the protection logged.
 *
 * <h2>Threading</h2>
 * A pure function of (snapshot, time, what earlier policies of the run protected): no state, no back-reference to
 * the pool; called by its {@link SessionPool}'s maintenance run.
 */
final class IdleCleanupPolicy implements PoolPolicy {
    static final String NAME = "idle_cleanup";
    private static final Logger log = LoggerFactory.getLogger(IdleCleanupPolicy.class);

    private final String outboundTag;
    private final long idleTimeoutNanos;

    IdleCleanupPolicy(String outboundTag, long idleTimeoutNanos) {
        this.outboundTag = outboundTag;
        this.idleTimeoutNanos = idleTimeoutNanos;
    }

    @Override
    public Decision evaluate(PoolSnapshot pool, long nowNanos) {
        return evaluate(pool, nowNanos, 0);
    }

    /**
     * @param protectedThisRun how many idle timers earlier policies reset in the current run; when non-zero the
     *                         protecting policy has already logged the run's summary
     */
    Decision evaluate(PoolSnapshot pool, long nowNanos, int protectedThisRun) {
        long cutoff = nowNanos - idleTimeoutNanos;
        List<PoolAction> closes = new ArrayList<>();
        for (PooledSession session : pool.idle()) {
            if (session.idleSinceNanos() < cutoff) {
                closes.add(PoolAction.close(session.seq(), CloseReason.IDLE_TIMEOUT,
                        "idle=" + GoDurations.format(session.idleNanos(nowNanos))));
            }
        }
        if (!closes.isEmpty() && protectedThisRun == 0) {
            log.debug("outbound={} [IdleCleanup] Found {} expired sessions (timeout={}), closing all (current={})",
                    outboundTag, closes.size(), GoDurations.format(idleTimeoutNanos), pool.idle().size());
        }
        return Decision.of(closes);
    }
}
