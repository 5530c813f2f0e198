package org.anytls4j.api.pool;

import java.util.Objects;
import org.anytls4j.api.Stable;

/**
 * An immutable view of one session of a pool, taken for one evaluation. Built by the host; tests build one with
 * {@link #builder(long)} (or the testkit's {@code PoolSnapshots}). New facts are added in minor API versions as new
 * accessors and builder setters with a default, so a plugin that reads or builds one keeps compiling and running.
 *
 * <p>Two views are equal when every fact is equal.
 */
@Stable
public final class PooledSession {
    private final long seq;
    private final long createdNanos;
    private final long idleSinceNanos;
    private final boolean idle;
    private final int openStreams;
    private final int peerVersion;

    /**
     * The constructor of API 1.2, when this type was a record.
     *
     * @deprecated since 2.0.0: use {@link #builder(long)}, which keeps compiling when facts are added
     */
    @Deprecated(since = "2.0.0")
    public PooledSession(long seq, long createdNanos, long idleSinceNanos, boolean idle, int openStreams,
                         int peerVersion) {
        this.seq = seq;
        this.createdNanos = createdNanos;
        this.idleSinceNanos = idleSinceNanos;
        this.idle = idle;
        this.openStreams = openStreams;
        this.peerVersion = peerVersion;
    }

    /**
     * A builder for the session with this sequence number: busy, created at 0, no open stream, peer version unknown,
     * until set otherwise.
     *
     * @since 2.0.0
     */
    public static Builder builder(long seq) {
        return new Builder(seq);
    }

    /**
     * A builder holding this view's facts, to derive a changed copy.
     *
     * @since 2.0.0
     */
    public Builder toBuilder() {
        return new Builder(seq).createdNanos(createdNanos).idleSinceNanos(idleSinceNanos).idle(idle)
                .openStreams(openStreams).peerVersion(peerVersion);
    }

    /** The session's sequence number (higher is newer). */
    public long seq() {
        return seq;
    }

    /** When the session was connected, on the pool's ticker. */
    public long createdNanos() {
        return createdNanos;
    }

    /**
     * When the session last became idle (its creation, or the end of its last stream, or the last time a policy
     * reset its idle timer); meaningful only when {@link #idle()}.
     */
    public long idleSinceNanos() {
        return idleSinceNanos;
    }

    /** True if the session carries no stream and is in the idle pool. */
    public boolean idle() {
        return idle;
    }

    /** Streams open on it now. */
    public int openStreams() {
        return openStreams;
    }

    /** The protocol version the peer announced, 0 if unknown. */
    public int peerVersion() {
        return peerVersion;
    }

    /** How long the session has been idle at {@code nowNanos}; 0 when busy. */
    public long idleNanos(long nowNanos) {
        return idle ? nowNanos - idleSinceNanos : 0;
    }

    /** The session's age at {@code nowNanos}. */
    public long ageNanos(long nowNanos) {
        return nowNanos - createdNanos;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PooledSession other && seq == other.seq && createdNanos == other.createdNanos
                && idleSinceNanos == other.idleSinceNanos && idle == other.idle && openStreams == other.openStreams
                && peerVersion == other.peerVersion;
    }

    @Override
    public int hashCode() {
        return Objects.hash(seq, createdNanos, idleSinceNanos, idle, openStreams, peerVersion);
    }

    @Override
    public String toString() {
        return "PooledSession[seq=" + seq + ", createdNanos=" + createdNanos + ", idleSinceNanos=" + idleSinceNanos
                + ", idle=" + idle + ", openStreams=" + openStreams + ", peerVersion=" + peerVersion + "]";
    }

    /**
     * Builds a {@link PooledSession}. Not thread-safe; each setter returns this builder.
     *
     * @since 2.0.0
     */
    public static final class Builder {
        private final long seq;
        private long createdNanos;
        private long idleSinceNanos;
        private boolean idle;
        private int openStreams;
        private int peerVersion;

        private Builder(long seq) {
            this.seq = seq;
        }

        /** When the session was connected, on the pool's ticker. Default 0. */
        public Builder createdNanos(long createdNanos) {
            this.createdNanos = createdNanos;
            return this;
        }

        /** When the session last became idle. Default 0. */
        public Builder idleSinceNanos(long idleSinceNanos) {
            this.idleSinceNanos = idleSinceNanos;
            return this;
        }

        /** Whether it is in the idle pool. Default false. */
        public Builder idle(boolean idle) {
            this.idle = idle;
            return this;
        }

        /** Streams open on it. Default 0. */
        public Builder openStreams(int openStreams) {
            this.openStreams = openStreams;
            return this;
        }

        /** The protocol version the peer announced, 0 if unknown. Default 0. */
        public Builder peerVersion(int peerVersion) {
            this.peerVersion = peerVersion;
            return this;
        }

        @SuppressWarnings("deprecation")
        public PooledSession build() {
            return new PooledSession(seq, createdNanos, idleSinceNanos, idle, openStreams, peerVersion);
        }
    }
}
