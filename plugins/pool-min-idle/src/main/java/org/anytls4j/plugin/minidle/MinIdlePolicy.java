package org.anytls4j.plugin.minidle;

import java.util.ArrayList;
import java.util.List;
import org.anytls4j.api.GoDurations;
import org.anytls4j.api.pool.Decision;
import org.anytls4j.api.pool.PoolAction;
import org.anytls4j.api.pool.PoolPolicy;
import org.anytls4j.api.pool.PoolSnapshot;
import org.anytls4j.api.pool.PooledSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code min_idle_session} protection, exactly POOL.md section 7: walk the idle pool from the highest seq to the
 * lowest; a session idle since no earlier than {@code now - idle_session_timeout} is kept; an expired one is kept,
 * its idle timer reset ({@link PoolAction.ResetIdle}), while fewer than {@code min_idle_session} sessions have been
 * kept; the rest are left to the core's idle cleanup, which runs right after (order 200) and closes them with
 * reason {@code idle-timeout}.
 *
 * <p>When it protects anything it logs the fork's summary line for the whole cleanup, e.g.
 * {@code outbound=hk [IdleCleanup] Found 5 expired sessions (timeout=5m0s), closing 2 (keeping 3 to maintain
 * min_idle_session=3, current=5)}.
 *
 * <h2>Threading</h2>
 * Stateless; called by the pool one call at a time, off the I/O threads.
 */
final class MinIdlePolicy implements PoolPolicy {
    private static final Logger log = LoggerFactory.getLogger(MinIdlePolicy.class);

    private final String outboundTag;
    private final int minIdleSession;
    private final long idleTimeoutNanos;

    MinIdlePolicy(String outboundTag, MinIdleSettings settings, long idleTimeoutNanos) {
        this.outboundTag = outboundTag;
        this.minIdleSession = settings.minIdleSession();
        this.idleTimeoutNanos = idleTimeoutNanos;
    }

    @Override
    public Decision evaluate(PoolSnapshot pool, long nowNanos) {
        long cutoff = nowNanos - idleTimeoutNanos;
        int kept = 0;
        int expired = 0;
        List<PoolAction> protect = new ArrayList<>();
        for (PooledSession session : pool.idle()) {
            if (session.idleSinceNanos() >= cutoff) {
                kept++;
            } else {
                expired++;
                if (kept < minIdleSession) {
                    protect.add(PoolAction.resetIdle(session.seq()));
                    kept++;
                }
            }
        }
        if (!protect.isEmpty()) {
            log.debug("outbound={} [IdleCleanup] Found {} expired sessions (timeout={}), closing {} (keeping {} to "
                            + "maintain min_idle_session={}, current={})", outboundTag, expired,
                    GoDurations.format(idleTimeoutNanos), expired - protect.size(), protect.size(), minIdleSession,
                    pool.idle().size());
        }
        return Decision.of(protect);
    }
}
