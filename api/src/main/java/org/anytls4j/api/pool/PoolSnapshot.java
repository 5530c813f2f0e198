package org.anytls4j.api.pool;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.anytls4j.api.CreationReason;
import org.anytls4j.api.Stable;

/**
 * The state of one outbound's pool at one instant, as a policy sees it. Within one maintenance run, each
 * policy sees the snapshot as the earlier policies' actions left it: sessions they closed are gone, timers
 * they reset are reset, creations they asked for count in {@link #creating()}.
 *
 * <p>Immutable. Built by the host; tests build one with {@link #builder(String)} (or the testkit's
 * {@code PoolSnapshots}). New facts are added in minor API versions as new accessors and builder setters with a
 * default, so a plugin that reads or builds one keeps compiling and running. Two snapshots are equal when every fact
 * is equal.
 *
 * <h2>Creation failures and back-off</h2>
 * A creation fails when its connect fails, or when the session it made closes on its own before it proved itself
 * (it closed before anything was received from the server, or within a short probation after its creation). The
 * pool then backs off, for every creator alike (demand, policies, replacements): while {@link #createAllowedAtNanos()}
 * is in the future it starts no creation, and while the failure streak lasts it starts at most one per back-off
 * delay. The streak ends when a session proves itself (heard from the server and outlived the probation).
 */
@Stable
public final class PoolSnapshot {
    private final String outboundTag;
    private final List<PooledSession> idle;
    private final List<PooledSession> busy;
    private final int creating;
    private final int creationFailures;
    private final long lastFailureNanos;
    private final String lastFailure;
    private final Map<String, Integer> creatingByReason;
    private final long createAllowedAtNanos;

    /**
     * The constructor of API 1.2, when this type was a record.
     *
     * @deprecated since 2.0.0: use {@link #builder(String)}, which keeps compiling when facts are added
     */
    @Deprecated(since = "2.0.0")
    public PoolSnapshot(String outboundTag, List<PooledSession> idle, List<PooledSession> busy, int creating,
                        int creationFailures, long lastFailureNanos, String lastFailure,
                        Map<String, Integer> creatingByReason, long createAllowedAtNanos) {
        this.outboundTag = outboundTag;
        this.idle = List.copyOf(idle);
        this.busy = List.copyOf(busy);
        this.creating = creating;
        this.creationFailures = creationFailures;
        this.lastFailureNanos = lastFailureNanos;
        this.lastFailure = lastFailure;
        this.creatingByReason = Map.copyOf(creatingByReason);
        this.createAllowedAtNanos = createAllowedAtNanos;
    }

    /**
     * The snapshot of API 1.1: creations not told apart by reason, no back-off gate.
     *
     * @deprecated since 2.0.0: use {@link #builder(String)}
     */
    @Deprecated(since = "2.0.0")
    public PoolSnapshot(String outboundTag, List<PooledSession> idle, List<PooledSession> busy, int creating,
                        int creationFailures, long lastFailureNanos, String lastFailure) {
        this(outboundTag, idle, busy, creating, creationFailures, lastFailureNanos, lastFailure, Map.of(),
                Long.MIN_VALUE);
    }

    /**
     * A builder for a snapshot of the outbound {@code outboundTag}: no session, nothing being created, no failure,
     * not backing off, until set otherwise.
     *
     * @since 2.0.0
     */
    public static Builder builder(String outboundTag) {
        return new Builder(outboundTag);
    }

    /**
     * A builder holding this snapshot's facts, to derive a changed copy.
     *
     * @since 2.0.0
     */
    public Builder toBuilder() {
        Builder builder = new Builder(outboundTag).idle(idle).busy(busy).creating(creating)
                .failures(creationFailures, lastFailureNanos, lastFailure).createAllowedAtNanos(createAllowedAtNanos);
        builder.creatingByReason.putAll(creatingByReason);
        return builder;
    }

    /** The outbound the pool serves. */
    public String outboundTag() {
        return outboundTag;
    }

    /** Idle sessions, newest (highest seq) first, the order the pool hands them out in. */
    public List<PooledSession> idle() {
        return idle;
    }

    /** Sessions carrying streams, newest first. */
    public List<PooledSession> busy() {
        return busy;
    }

    /** Sessions being created now (by demand or by policies), not yet in either list. */
    public int creating() {
        return creating;
    }

    /**
     * Consecutive failed creations for the pool since the last session that proved itself; 0 when no failure streak
     * is going on.
     */
    public int creationFailures() {
        return creationFailures;
    }

    /** When the last creation failed, on the pool's ticker; meaningful only if {@link #creationFailures()} > 0. */
    public long lastFailureNanos() {
        return lastFailureNanos;
    }

    /** A one-line description of the last failure, or empty. */
    public String lastFailure() {
        return lastFailure;
    }

    /**
     * How many of {@link #creating()} each creator started, by the reason it gave ({@code demand}, {@code ensure},
     * ...); reasons with none are absent.
     *
     * @since 1.2.0
     */
    public Map<String, Integer> creatingByReason() {
        return creatingByReason;
    }

    /**
     * The earliest ticker time at which the pool starts another creation, or {@link Long#MIN_VALUE} when it is not
     * backing off.
     *
     * @since 1.2.0
     */
    public long createAllowedAtNanos() {
        return createAllowedAtNanos;
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
     * Sessions being created now for the creator that gave {@code reason}.
     *
     * @since 2.0.0
     */
    public int creating(CreationReason reason) {
        return creating(reason.name());
    }

    /**
     * Whether the pool would start a creation at {@code nowNanos}: false while it backs off after failures.
     *
     * @since 1.2.0
     */
    public boolean mayCreateAt(long nowNanos) {
        return nowNanos >= createAllowedAtNanos;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PoolSnapshot other && Objects.equals(outboundTag, other.outboundTag)
                && idle.equals(other.idle) && busy.equals(other.busy) && creating == other.creating
                && creationFailures == other.creationFailures && lastFailureNanos == other.lastFailureNanos
                && Objects.equals(lastFailure, other.lastFailure) && creatingByReason.equals(other.creatingByReason)
                && createAllowedAtNanos == other.createAllowedAtNanos;
    }

    @Override
    public int hashCode() {
        return Objects.hash(outboundTag, idle, busy, creating, creationFailures, lastFailureNanos, lastFailure,
                creatingByReason, createAllowedAtNanos);
    }

    @Override
    public String toString() {
        return "PoolSnapshot[outboundTag=" + outboundTag + ", idle=" + idle + ", busy=" + busy + ", creating="
                + creating + ", creationFailures=" + creationFailures + ", lastFailureNanos=" + lastFailureNanos
                + ", lastFailure=" + lastFailure + ", creatingByReason=" + creatingByReason
                + ", createAllowedAtNanos=" + createAllowedAtNanos + "]";
    }

    /**
     * Builds a {@link PoolSnapshot}. Not thread-safe; each setter returns this builder.
     *
     * @since 2.0.0
     */
    public static final class Builder {
        private final String outboundTag;
        private List<PooledSession> idle = List.of();
        private List<PooledSession> busy = List.of();
        private int creating;
        private int creationFailures;
        private long lastFailureNanos;
        private String lastFailure = "";
        private final Map<String, Integer> creatingByReason = new HashMap<>();
        private long createAllowedAtNanos = Long.MIN_VALUE;

        private Builder(String outboundTag) {
            this.outboundTag = requireNonNull(outboundTag, "outboundTag");
        }

        /** The idle sessions, newest first. Default none. */
        public Builder idle(List<PooledSession> idle) {
            this.idle = List.copyOf(idle);
            return this;
        }

        /** The busy sessions, newest first. Default none. */
        public Builder busy(List<PooledSession> busy) {
            this.busy = List.copyOf(busy);
            return this;
        }

        /**
         * Creations in flight in all. Default 0; at least the sum given to {@link #creating(String, int)} when
         * built.
         */
        public Builder creating(int creating) {
            this.creating = creating;
            return this;
        }

        /** Creations in flight that the creator giving {@code reason} started (replacing an earlier count). */
        public Builder creating(String reason, int count) {
            requireNonNull(reason, "reason");
            if (count > 0) {
                creatingByReason.put(reason, count);
            } else {
                creatingByReason.remove(reason);
            }
            return this;
        }

        /** The failure streak: failures in a row, when the last one failed and why. Default none. */
        public Builder failures(int creationFailures, long lastFailureNanos, String lastFailure) {
            this.creationFailures = creationFailures;
            this.lastFailureNanos = lastFailureNanos;
            this.lastFailure = requireNonNull(lastFailure, "lastFailure");
            return this;
        }

        /** The back-off gate. Default {@link Long#MIN_VALUE}: not backing off. */
        public Builder createAllowedAtNanos(long createAllowedAtNanos) {
            this.createAllowedAtNanos = createAllowedAtNanos;
            return this;
        }

        @SuppressWarnings("deprecation")
        public PoolSnapshot build() {
            int byReason = creatingByReason.values().stream().mapToInt(Integer::intValue).sum();
            return new PoolSnapshot(outboundTag, idle, busy, Math.max(creating, byReason), creationFailures,
                    lastFailureNanos, lastFailure, creatingByReason, createAllowedAtNanos);
        }
    }
}
