package org.anytls4j.plugin.ensureidle;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.anytls4j.api.GoDurations;
import org.anytls4j.api.pool.Decision;
import org.anytls4j.api.pool.PoolAction;
import org.anytls4j.api.pool.PoolPolicy;
import org.anytls4j.api.pool.PoolSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ensure_idle_session} (POOL.md 8.2-8.3), with the fork's defects fixed:
 * <ul>
 *   <li>sessions being created count toward the target ({@code deficit = target - idle - creating}), so slow
 *       handshakes never make the pool overshoot;</li>
 *   <li>{@code ensure_idle_session_create_rate} caps the creations of one run (0 = the whole deficit);</li>
 *   <li>after failed creations it backs off exponentially: no attempt until {@code lastFailure + 1s * 2^(n-1)},
 *       capped at the check interval, where n is the pool's count of consecutive failures; it asks the pool to
 *       evaluate it again at that time ({@link Decision#askAgainAtNanos()});</li>
 *   <li>a streak of failures is logged once (WARN) when first seen, and its end once (INFO), not per attempt.</li>
 * </ul>
 * The pool logs each success on the policy's behalf:
 * {@code [EnsureIdleSession] Successfully created and pooled session #1 (seq=42)}.
 *
 * <h2>Metrics</h2>
 * Gauge {@code anytls4j.pool.ensure.deficit} (tag {@code outbound}): target minus idle sessions at the last run,
 * never negative.
 *
 * <h2>Threading and lifecycle</h2>
 * Called by the pool under its lock, one run at a time; its streak flag and deficit are touched only there (the
 * gauge reads an atomic). {@link #close()} removes the gauge.
 */
final class EnsureIdlePolicy implements PoolPolicy {
    static final String CREATE_REASON = "ensure";
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    private static final Logger log = LoggerFactory.getLogger(EnsureIdlePolicy.class);

    private final String outboundTag;
    private final EnsureIdleSettings settings;
    private final long maxBackoffNanos;
    private final AtomicInteger deficit = new AtomicInteger();
    private final MeterRegistry registry;
    private final Gauge deficitGauge;
    private boolean failureStreakLogged;

    EnsureIdlePolicy(String outboundTag, EnsureIdleSettings settings, Duration checkInterval, MeterRegistry registry) {
        this.outboundTag = outboundTag;
        this.settings = settings;
        this.maxBackoffNanos = checkInterval.toNanos();
        this.registry = registry;
        this.deficitGauge = Gauge.builder("anytls4j.pool.ensure.deficit", deficit, AtomicInteger::get)
                .description("ensure_idle_session minus idle sessions at the last maintenance run")
                .tag("outbound", outboundTag).register(registry);
    }

    @Override
    public Decision evaluate(PoolSnapshot pool, long nowNanos) {
        int target = settings.ensureIdleSession();
        int idle = pool.idle().size();
        deficit.set(Math.max(0, target - idle));
        noteFailureStreak(pool);
        int missing = target - idle - pool.creating();
        if (missing <= 0) {
            return Decision.nothing();
        }
        if (pool.creationFailures() > 0) {
            long retryAt = pool.lastFailureNanos() + backoffNanos(pool.creationFailures());
            if (nowNanos < retryAt) {
                return new Decision(List.of(), retryAt);
            }
        }
        int toCreate = settings.createRate() > 0 ? Math.min(missing, settings.createRate()) : missing;
        if (toCreate < missing) {
            log.debug("outbound={} [EnsureIdleSession] Current idle sessions: {}, target: {}, deficit={}, "
                            + "rate-limited to creating {} sessions (will create {} more in next cycle)", outboundTag,
                    idle, target, missing, toCreate, missing - toCreate);
        } else if (pool.creating() > 0) {
            log.debug("outbound={} [EnsureIdleSession] Current idle sessions: {}, target: {}, creating {} new sessions "
                    + "({} already being created)", outboundTag, idle, target, toCreate, pool.creating());
        } else {
            log.debug("outbound={} [EnsureIdleSession] Current idle sessions: {}, target: {}, creating {} new sessions",
                    outboundTag, idle, target, toCreate);
        }
        return Decision.of(List.of(PoolAction.create(toCreate, CREATE_REASON)));
    }

    /** The wait after {@code failures} consecutive failures: 1 s, 2 s, 4 s, ... capped at the check interval. */
    long backoffNanos(int failures) {
        int doublings = Math.min(failures - 1, 30);
        long backoff = FIRST_BACKOFF.toNanos() << doublings;
        return Math.min(backoff, maxBackoffNanos);
    }

    private void noteFailureStreak(PoolSnapshot pool) {
        if (pool.creationFailures() > 0 && !failureStreakLogged) {
            failureStreakLogged = true;
            log.warn("outbound={} [EnsureIdleSession] Failed to create session: {}; retrying with backoff "
                            + "(next in {}, at most every {})", outboundTag, pool.lastFailure(),
                    GoDurations.format(backoffNanos(pool.creationFailures())), GoDurations.format(maxBackoffNanos));
        } else if (pool.creationFailures() == 0 && failureStreakLogged) {
            failureStreakLogged = false;
            log.info("outbound={} [EnsureIdleSession] Creating sessions works again", outboundTag);
        }
    }

    @Override
    public void close() {
        registry.remove(deficitGauge);
    }
}
