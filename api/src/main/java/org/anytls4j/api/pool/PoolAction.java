package org.anytls4j.api.pool;

import static java.util.Objects.requireNonNull;

import java.util.Objects;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.CreationReason;
import org.anytls4j.api.Stable;

/**
 * What a {@link PoolPolicy} asks the pool to do. The pool carries the actions out in the order given. Made with the
 * factories ({@link #close}, {@link #resetIdle}, {@link #create}); the kinds are final classes (records until 2.0.0)
 * with the same accessors, equal when their parts are.
 */
@Stable
public sealed interface PoolAction {

    /**
     * Close an idle session. Ignored when the session is no longer idle as the policy saw it by the time the pool
     * acts (a stream took it, or it was used and came back, since the snapshot): it is never taken from a stream.
     */
    final class Close implements PoolAction {
        private final long seq;
        private final CloseReason reason;
        private final String detail;

        /**
         * @param detail a short human text for the log line, e.g. {@code idle=6m0s}
         * @deprecated since 2.0.0: use {@link PoolAction#close}
         */
        @Deprecated(since = "2.0.0")
        public Close(long seq, CloseReason reason, String detail) {
            this.seq = seq;
            this.reason = requireNonNull(reason, "reason");
            this.detail = requireNonNull(detail, "detail");
        }

        /** The session to close. */
        public long seq() {
            return seq;
        }

        /** Why, for the log line and the close meter. */
        public CloseReason reason() {
            return reason;
        }

        /** A short human text for the log line, e.g. {@code idle=6m0s}. */
        public String detail() {
            return detail;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Close other && seq == other.seq && reason.equals(other.reason)
                    && detail.equals(other.detail);
        }

        @Override
        public int hashCode() {
            return Objects.hash(seq, reason, detail);
        }

        @Override
        public String toString() {
            return "Close[seq=" + seq + ", reason=" + reason + ", detail=" + detail + "]";
        }
    }

    /** Restart an idle session's idle timer, as if it had just become idle (min_idle protection). */
    final class ResetIdle implements PoolAction {
        private final long seq;

        /** @deprecated since 2.0.0: use {@link PoolAction#resetIdle} */
        @Deprecated(since = "2.0.0")
        public ResetIdle(long seq) {
            this.seq = seq;
        }

        /** The session whose idle timer restarts. */
        public long seq() {
            return seq;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ResetIdle other && seq == other.seq;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(seq);
        }

        @Override
        public String toString() {
            return "ResetIdle[seq=" + seq + "]";
        }
    }

    /** Create {@code count} new sessions and put them in the idle pool when they are ready. */
    final class Create implements PoolAction {
        private final int count;
        private final CreationReason reason;

        /**
         * The constructor of API 1.2, when this type was a record with a {@code String} reason.
         *
         * @deprecated since 2.0.0: use {@link PoolAction#create(int, CreationReason)}
         */
        @Deprecated(since = "2.0.0")
        public Create(int count, String reason) {
            this(count, CreationReason.of(requireNonNull(reason, "reason")));
        }

        private Create(int count, CreationReason reason) {
            if (count <= 0) {
                throw new IllegalArgumentException("count must be > 0, was " + count);
            }
            this.count = count;
            this.reason = requireNonNull(reason, "reason");
        }

        /** How many sessions, > 0. */
        public int count() {
            return count;
        }

        /**
         * Why, used as a tag of the pool's creation lines and meters ({@code ensure}, or a plugin's own word) and
         * counted in {@link PoolSnapshot#creating(CreationReason)}. A {@code String} until 2.0.0.
         *
         * @since 2.0.0 as a {@link CreationReason}
         */
        public CreationReason reason() {
            return reason;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Create other && count == other.count && reason.equals(other.reason);
        }

        @Override
        public int hashCode() {
            return Objects.hash(count, reason);
        }

        @Override
        public String toString() {
            return "Create[count=" + count + ", reason=" + reason + "]";
        }
    }

    /**
     * Close the idle session {@code seq}.
     *
     * @param detail a short human text for the log line, e.g. {@code idle=6m0s}
     */
    @SuppressWarnings("deprecation")
    static Close close(long seq, CloseReason reason, String detail) {
        return new Close(seq, reason, detail);
    }

    /** Restart the idle timer of the idle session {@code seq}. */
    @SuppressWarnings("deprecation")
    static ResetIdle resetIdle(long seq) {
        return new ResetIdle(seq);
    }

    /**
     * Create {@code count} (> 0) sessions for {@code reason}.
     *
     * @since 2.0.0
     */
    static Create create(int count, CreationReason reason) {
        return new Create(count, reason);
    }

    /**
     * Create {@code count} (> 0) sessions for the reason named {@code reason} ({@link CreationReason#of}).
     *
     * @throws IllegalArgumentException when the name is not lower-case words joined by '-'
     */
    @SuppressWarnings("deprecation")
    static Create create(int count, String reason) {
        return new Create(count, reason);
    }
}
