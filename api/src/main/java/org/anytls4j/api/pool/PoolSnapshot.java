package org.anytls4j.api.pool;

import java.util.List;
import org.anytls4j.api.Stable;

/**
 * The state of one outbound's pool at one instant, as a policy sees it. Within one maintenance run, each
 * policy sees the snapshot as the earlier policies' actions left it: sessions they closed are gone, timers
 * they reset are reset, creations they asked for count in {@link #creating()}.
 *
 * @param outboundTag       the outbound the pool serves
 * @param idle              idle sessions, newest (highest seq) first, the order the pool hands them out in
 * @param busy              sessions carrying streams, newest first
 * @param creating          sessions being created now (by demand or by policies), not yet in either list
 * @param creationFailures  consecutive failed creations for the pool since the last success; 0 after a success
 * @param lastFailureNanos  when the last creation failed, on the pool's ticker; meaningful only if failures > 0
 * @param lastFailure       a one-line description of the last failure, or empty
 */
@Stable
public record PoolSnapshot(String outboundTag, List<PooledSession> idle, List<PooledSession> busy, int creating,
                           int creationFailures, long lastFailureNanos, String lastFailure) {
    public PoolSnapshot {
        idle = List.copyOf(idle);
        busy = List.copyOf(busy);
    }

    /** Sessions alive now: idle plus busy (not counting those being created). */
    public int total() {
        return idle.size() + busy.size();
    }
}
