package org.anytls4j.api.pool;

import static java.util.Objects.requireNonNull;

import org.anytls4j.api.CloseReason;
import org.anytls4j.api.Stable;

/** What a {@link PoolPolicy} asks the pool to do. The pool carries the actions out in the order given. */
@Stable
public sealed interface PoolAction {

    /**
     * Close an idle session. Ignored when the session is no longer idle as the policy saw it by the time the pool
     * acts (a stream took it, or it was used and came back, since the snapshot): it is never taken from a stream.
     *
     * @param detail a short human text for the log line, e.g. {@code idle=6m0s}
     */
    record Close(long seq, CloseReason reason, String detail) implements PoolAction {
        public Close {
            requireNonNull(reason, "reason");
            requireNonNull(detail, "detail");
        }
    }

    /** Restart an idle session's idle timer, as if it had just become idle (min_idle protection). */
    record ResetIdle(long seq) implements PoolAction {
    }

    /**
     * Create {@code count} new sessions and put them in the idle pool when they are ready.
     *
     * @param reason why, used as a metric tag: {@code ensure}, or a plugin's own word
     */
    record Create(int count, String reason) implements PoolAction {
        public Create {
            if (count <= 0) {
                throw new IllegalArgumentException("count must be > 0, was " + count);
            }
            requireNonNull(reason, "reason");
        }
    }

    static Close close(long seq, CloseReason reason, String detail) {
        return new Close(seq, reason, detail);
    }

    static ResetIdle resetIdle(long seq) {
        return new ResetIdle(seq);
    }

    static Create create(int count, String reason) {
        return new Create(count, reason);
    }
}
