package org.anytls4j.testkit;

import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.anytls4j.api.pool.PoolSnapshot;
import org.anytls4j.api.pool.PooledSession;

/**
 * Builders of {@link PoolSnapshot}s for policy unit tests, in seconds on the pool's ticker:
 * {@code snapshot(idle(9, 0, 50), idle(7, 0, 10))} is a pool whose session 9 was created at 0 s and idle since
 * 50 s. Sessions are sorted newest first, as the pool presents them.
 */
public final class PoolSnapshots {
    private PoolSnapshots() {
    }

    /** Nanoseconds of {@code seconds}. */
    public static long seconds(long seconds) {
        return Duration.ofSeconds(seconds).toNanos();
    }

    /** Nanoseconds of {@code minutes}. */
    public static long minutes(long minutes) {
        return Duration.ofMinutes(minutes).toNanos();
    }

    /** An idle session created at {@code createdSecond}, idle since {@code idleSinceSecond}. */
    public static PooledSession idle(long seq, long createdSecond, long idleSinceSecond) {
        return PooledSession.builder(seq).createdNanos(seconds(createdSecond)).idleSinceNanos(seconds(idleSinceSecond))
                .idle(true).peerVersion(2).build();
    }

    /** A session carrying one stream, created at {@code createdSecond}. */
    public static PooledSession busy(long seq, long createdSecond) {
        return PooledSession.builder(seq).createdNanos(seconds(createdSecond)).openStreams(1).peerVersion(2).build();
    }

    /** A pool of outbound {@code hk} with these sessions and nothing being created. */
    public static PoolSnapshot snapshot(PooledSession... sessions) {
        return snapshot(0, sessions);
    }

    /** A pool of outbound {@code hk} with these sessions and {@code creating} in progress. */
    public static PoolSnapshot snapshot(int creating, PooledSession... sessions) {
        List<PooledSession> sorted = Arrays.stream(sessions)
                .sorted(Comparator.comparingLong(PooledSession::seq).reversed()).toList();
        return PoolSnapshot.builder("hk").idle(sorted.stream().filter(PooledSession::idle).toList())
                .busy(sorted.stream().filter(s -> !s.idle()).toList()).creating(creating).build();
    }

    /** The same pool after {@code failures} consecutive failed creations, the last at {@code lastFailureNanos}. */
    public static PoolSnapshot failing(PoolSnapshot pool, int failures, long lastFailureNanos) {
        return pool.toBuilder().failures(failures, lastFailureNanos, "connection refused").build();
    }
}
