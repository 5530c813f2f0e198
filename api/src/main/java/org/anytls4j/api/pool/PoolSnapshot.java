package org.anytls4j.api.pool;

import java.util.List;
import java.util.Map;
import org.anytls4j.api.Stable;

/**
 * The state of one outbound's pool at one instant, as a policy sees it. Within one maintenance run, each
 * policy sees the snapshot as the earlier policies' actions left it: sessions they closed are gone, timers
 * they reset are reset, creations they asked for count in {@link #creating()}.
 *
 * <h2>Creation failures and back-off</h2>
 * A creation fails when its connect fails, or when the session it made closes on its own before it proved itself
 * (it closed before anything was received from the server, or within a short probation after its creation). The
 * pool then backs off, for every creator alike (demand, policies, replacements): while {@link #createAllowedAtNanos()}
 * is in the future it starts no creation, and while the failure streak lasts it starts at most one per back-off
 * delay. The streak ends when a session proves itself (heard from the server and outlived the probation).
 *
 * @param outboundTag          the outbound the pool serves
 * @param idle                 idle sessions, newest (highest seq) first, the order the pool hands them out in
 * @param busy                 sessions carrying streams, newest first
 * @param creating             sessions being created now (by demand or by policies), not yet in either list
 * @param creationFailures     consecutive failed creations for the pool since the last session that proved itself;
 *                             0 when no failure streak is going on
 * @param lastFailureNanos     when the last creation failed, on the pool's ticker; meaningful only if failures > 0
 * @param lastFailure          a one-line description of the last failure, or empty
 * @param creatingByReason     how many of {@code creating} each creator started, by the reason it gave
 *                             ({@code demand}, {@code ensure}, ...); reasons with none are absent
 * @param createAllowedAtNanos the earliest ticker time at which the pool starts another creation, or
 *                             {@link Long#MIN_VALUE} when it is not backing off
 * @since 1.2.0 for {@code creatingByReason} and {@code createAllowedAtNanos}
 */
@Stable
public record PoolSnapshot(String outboundTag, List<PooledSession> idle, List<PooledSession> busy, int creating,
                           int creationFailures, long lastFailureNanos, String lastFailure,
                           Map<String, Integer> creatingByReason, long createAllowedAtNanos) {
    public PoolSnapshot {
        idle = List.copyOf(idle);
        busy = List.copyOf(busy);
        creatingByReason = Map.copyOf(creatingByReason);
    }

    /**
     * The snapshot of API 1.1: creations not told apart by reason, no back-off gate.
     */
    public PoolSnapshot(String outboundTag, List<PooledSession> idle, List<PooledSession> busy, int creating,
                        int creationFailures, long lastFailureNanos, String lastFailure) {
        this(outboundTag, idle, busy, creating, creationFailures, lastFailureNanos, lastFailure, Map.of(),
                Long.MIN_VALUE);
    }

    /** Sessions alive now: idle plus busy (not counting those being created). */
    public int total() {
        return idle.size() + busy.size();
    }

    /**
     * Sessions being created now for the creator that gave {@code reason}, e.g. {@code ensure} for ensure_idle's
     * own creations (not the on-demand connects in flight, which will carry a stream and not be idle).
     *
     * @since 1.2.0
     */
    public int creating(String reason) {
        return creatingByReason.getOrDefault(reason, 0);
    }

    /**
     * Whether the pool would start a creation at {@code nowNanos}: false while it backs off after failures.
     *
     * @since 1.2.0
     */
    public boolean mayCreateAt(long nowNanos) {
        return nowNanos >= createAllowedAtNanos;
    }
}
