package org.anytls4j.plugin.ensureidle;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.anytls4j.api.CreationReason;
import org.anytls4j.api.metrics.Metrics;
import org.anytls4j.api.pool.Decision;
import org.anytls4j.api.pool.PoolAction;
import org.anytls4j.api.pool.PoolPolicy;
import org.anytls4j.api.pool.PoolSnapshot;
import org.anytls4j.api.pool.PooledSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ensure_idle_session} (POOL.md 8.2-8.3), with the fork's defects fixed:
 * <ul>
 *   <li>its own creations in flight count toward the target ({@code deficit = target - idle - creating("ensure")}),
 *       so slow handshakes never make the pool overshoot; on-demand connects in flight do not count, since their
 *       sessions will carry a stream, not sit idle;</li>
 *   <li>{@code ensure_idle_session_create_rate} caps the creations of one run (0 = the whole deficit);</li>
 *   <li>it respects the pool's back-off after failed creations (the pool's keys {@code session_create_backoff_*},
 *       shared by every creator): while creations may not start it asks nothing and asks to be evaluated again
 *       when they may ({@link Decision#askAgainAtNanos()}); during a failure streak it asks for one session at a
 *       time. The pool logs each streak once (WARN) and its end once (INFO).</li>
 * </ul>
 * It logs each of its creations when the pool reports it ({@link #created}):
 * {@code [EnsureIdleSession] Successfully created and pooled session #1 (seq=42)}; a failed one only at TRACE (the
 * pool logs each failure streak once).
 *
 * <h2>Metrics</h2>
 * Gauge {@code anytls4j.pool.ensure.deficit} (tag {@code outbound}): {@code ensure_idle_session} minus the idle
 * sessions now, never negative (read from the pool when the gauge is read, so it is current between runs).
 *
 * <h2>Threading and lifecycle</h2>
 * The pool calls {@code evaluate}, {@code created} and {@code creationFailed} one at a time, off the I/O threads;
 * the gauge may be read on any thread
 * (it reads the pool's current snapshot, or the value of the last run from a host without one). {@link #close()}
 * removes the gauge.
 */
final class EnsureIdlePolicy implements PoolPolicy {
    static final CreationReason CREATE_REASON = CreationReason.of("ensure");
    private static final Logger log = LoggerFactory.getLogger(EnsureIdlePolicy.class);

    private final String outboundTag;
    private final EnsureIdleSettings settings;
    private final AtomicInteger deficitAtLastRun = new AtomicInteger();
    private final Metrics.Gauge deficitGauge;

    /**
     * @param currentPool the pool now (from {@code PolicyContext.currentPool()}), for the deficit gauge
     */
    EnsureIdlePolicy(String outboundTag, EnsureIdleSettings settings, Metrics metrics,
                     Supplier<Optional<PoolSnapshot>> currentPool) {
        this.outboundTag = outboundTag;
        this.settings = settings;
        this.deficitGauge = metrics.gauge("anytls4j.pool.ensure.deficit",
                "ensure_idle_session minus the idle sessions now",
                () -> currentPool.get().map(this::deficit).orElse(deficitAtLastRun.get()), "outbound", outboundTag);
    }

    private int deficit(PoolSnapshot pool) {
        return Math.max(0, settings.ensureIdleSession() - pool.idle().size());
    }

    @Override
    public Decision evaluate(PoolSnapshot pool, long nowNanos) {
        int target = settings.ensureIdleSession();
        int idle = pool.idle().size();
        deficitAtLastRun.set(deficit(pool));
        int own = pool.creating(CREATE_REASON);
        int missing = target - idle - own;
        if (missing <= 0) {
            return Decision.nothing();
        }
        if (!pool.mayCreateAt(nowNanos)) {
            return Decision.of(List.of(), pool.createAllowedAtNanos());
        }
        if (pool.creationFailures() > 0) {
            // Backing off: one probe per wait; the pool would start no more.
            log.debug("outbound={} [EnsureIdleSession] Current idle sessions: {}, target: {}, deficit={}, backing off "
                    + "after {} failed creations: creating 1 session", outboundTag, idle, target, missing,
                    pool.creationFailures());
            return Decision.of(List.of(PoolAction.create(1, CREATE_REASON)));
        }
        int toCreate = settings.createRate() > 0 ? Math.min(missing, settings.createRate()) : missing;
        if (toCreate < missing) {
            log.debug("outbound={} [EnsureIdleSession] Current idle sessions: {}, target: {}, deficit={}, "
                            + "rate-limited to creating {} sessions (will create {} more in next cycle)", outboundTag,
                    idle, target, missing, toCreate, missing - toCreate);
        } else if (own > 0) {
            log.debug("outbound={} [EnsureIdleSession] Current idle sessions: {}, target: {}, creating {} new sessions "
                    + "({} already being created)", outboundTag, idle, target, toCreate, own);
        } else {
            log.debug("outbound={} [EnsureIdleSession] Current idle sessions: {}, target: {}, creating {} new sessions",
                    outboundTag, idle, target, toCreate);
        }
        return Decision.of(List.of(PoolAction.create(toCreate, CREATE_REASON)));
    }

    @Override
    public void created(int index, PooledSession session) {
        // The spec's wording, whose "#" is the index within this run; the session is named once, by its seq.
        log.debug("outbound={} [EnsureIdleSession] Successfully created and pooled session #{} (seq={})",
                outboundTag, index, session.seq());
    }

    @Override
    public void creationFailed(int index, Throwable cause) {
        log.trace("outbound={} [EnsureIdleSession] Failed to create session #{}: {}", outboundTag, index,
                cause.toString());
    }

    @Override
    public void close() {
        deficitGauge.remove();
    }
}
