package org.anytls4j.plugin.lifetime;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.GoDurations;
import org.anytls4j.api.pool.Decision;
import org.anytls4j.api.pool.PoolAction;
import org.anytls4j.api.pool.PoolPolicy;
import org.anytls4j.api.pool.PoolSnapshot;
import org.anytls4j.api.pool.PooledSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code max_connection_lifetime} age cleanup (POOL.md 8.4-8.6), with the fork's defects fixed:
 * <ul>
 *   <li>each session's lifetime is {@code max_connection_lifetime + U[-J, +J]} (J = {@code connection_lifetime_jitter}),
 *       drawn once from the context's random source when the policy first sees the session, floored at 1 s;</li>
 *   <li>the pool applies a close only to a session still idle as the policy saw it, so a session cannot be handed
 *       out between the decision and the close;</li>
 *   <li>a session past its lifetime is never handed out ({@link #mayHandOut}), including one that finished a stream
 *       after expiring or one kept for {@code min_idle_session_for_age}.</li>
 * </ul>
 * Each run: the idle sessions whose age is {@code >=} their lifetime are expired; oldest (by creation) first, at
 * most {@code idle - min_idle_session_for_age} of them are closed with reason {@code max-age}. It asks to be
 * evaluated again when the next known session expires, so expiry is acted on within a millisecond rather than
 * a check interval.
 *
 * <h2>Threading</h2>
 * Called by the pool one call at a time, off the I/O threads ({@code evaluate} and {@code mayHandOut} never
 * overlap); the lifetime table and the random source are touched only there. The pool keeps each
 * {@code mayHandOut} verdict until it asks again; {@code evaluate} asks to be run when the next session expires, so
 * the verdict turns at expiry.
 */
final class LifetimePolicy implements PoolPolicy {
    static final long MIN_LIFETIME_NANOS = 1_000_000_000L;
    private static final Logger log = LoggerFactory.getLogger(LifetimePolicy.class);

    private final String outboundTag;
    private final long maxLifetimeNanos;
    private final long jitterNanos;
    private final int minIdleForAge;
    private final RandomGenerator random;
    /** Lifetime of each session seen, by seq; forgotten when the session leaves the pool. */
    private final Map<Long, Long> lifetimes = new HashMap<>();

    LifetimePolicy(String outboundTag, LifetimeSettings settings, RandomGenerator random) {
        this.outboundTag = outboundTag;
        this.maxLifetimeNanos = settings.maxConnectionLifetime().toNanos();
        this.jitterNanos = settings.jitter().toNanos();
        this.minIdleForAge = settings.minIdleSessionForAge();
        this.random = random;
    }

    /** The session's lifetime, drawn on first sight. */
    long lifetimeNanos(long seq) {
        return lifetimes.computeIfAbsent(seq, s -> {
            long offset = jitterNanos > 0 ? random.nextLong(-jitterNanos, jitterNanos + 1) : 0;
            return Math.max(MIN_LIFETIME_NANOS, maxLifetimeNanos + offset);
        });
    }

    private boolean expired(PooledSession session, long nowNanos) {
        return session.ageNanos(nowNanos) >= lifetimeNanos(session.seq());
    }

    @Override
    public boolean mayHandOut(PooledSession session, long nowNanos) {
        return !expired(session, nowNanos);
    }

    @Override
    public Decision evaluate(PoolSnapshot pool, long nowNanos) {
        Set<Long> present = new HashSet<>();
        long nextExpiry = Decision.AT_NEXT_CHECK;
        List<PooledSession> expired = new ArrayList<>();
        for (List<PooledSession> sessions : List.of(pool.idle(), pool.busy())) {
            for (PooledSession session : sessions) {
                present.add(session.seq());
                long expiresAt = session.createdNanos() + lifetimeNanos(session.seq());
                if (session.idle() && expiresAt <= nowNanos) {
                    expired.add(session);
                } else if (expiresAt > nowNanos) {
                    nextExpiry = Math.min(nextExpiry, expiresAt);
                }
            }
        }
        lifetimes.keySet().retainAll(present);
        if (expired.isEmpty()) {
            return Decision.of(List.of(), nextExpiry);
        }
        expired.sort(Comparator.comparingLong(PooledSession::createdNanos).thenComparingLong(PooledSession::seq));
        int idleCount = pool.idle().size();
        int maxCanClose = idleCount - minIdleForAge;
        if (maxCanClose <= 0) {
            log.debug("outbound={} [AgeCleanup] Found {} expired sessions, but skipping cleanup to maintain "
                    + "min_idle_session_for_age={} (current={})", outboundTag, expired.size(), minIdleForAge, idleCount);
            return Decision.of(List.of(), nextExpiry);
        }
        int closing = Math.min(expired.size(), maxCanClose);
        log.debug("outbound={} [AgeCleanup] Found {} expired sessions, closing {} oldest (keeping {} to maintain "
                        + "min_idle_session_for_age={})", outboundTag, expired.size(), closing, idleCount - closing,
                minIdleForAge);
        List<PoolAction> closes = new ArrayList<>(closing);
        for (PooledSession session : expired.subList(0, closing)) {
            closes.add(PoolAction.close(session.seq(), CloseReason.MAX_AGE,
                    "age=" + GoDurations.format(session.ageNanos(nowNanos))
                            + " maxLife=" + GoDurations.format(lifetimeNanos(session.seq()))));
        }
        return Decision.of(closes, nextExpiry);
    }
}
