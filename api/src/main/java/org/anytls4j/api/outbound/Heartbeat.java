package org.anytls4j.api.outbound;

import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.anytls4j.api.Stable;

/**
 * A session capability: send a keep-alive probe and learn when the peer answered it. For AnyTLS, a
 * HeartRequest frame (7 bytes) answered by HeartResponse (PROTOCOL.md section 6.10).
 *
 * <p>On a session that has not carried a stream yet (pre-created and still holding its Settings frame), the
 * first probe also flushes what the session was holding, so the probe really reaches the wire.
 *
 * <h2>Threading</h2>
 * Thread-safe; the stage completes on the session's event loop.
 */
@Stable
public interface Heartbeat {
    /**
     * Sends one probe.
     *
     * @return completes with the round-trip time in nanoseconds when the answer arrives; fails when the probe
     *     could not be written or the session closed first. It never times out by itself: a peer that does not
     *     answer leaves it pending until the session closes, so callers apply their own deadline.
     */
    CompletionStage<Long> ping();

    /**
     * Whether the peer is known to answer probes: an AnyTLS peer that announced version 2 or later or answered a
     * probe, on this session or, before this session's peer announced anything, on another session of the same
     * outbound (a pre-warmed session is watched from its first probe). A monitor must not close a session for
     * missing answers unless this is true.
     */
    boolean peerAnswers();

    /**
     * What the monitor probing this session saw last, as the monitor publishes it ({@link #observed}) for
     * operators ({@code /pool}). Immutable; equal when its parts are.
     *
     * @since 2.0.0
     */
    final class Observation {
        private final long lastRttNanos;
        private final int missedInARow;
        private final int maxMissed;

        private Observation(long lastRttNanos, int missedInARow, int maxMissed) {
            if (missedInARow < 0 || maxMissed < 1) {
                throw new IllegalArgumentException("missedInARow must be >= 0 and maxMissed >= 1, were "
                        + missedInARow + ", " + maxMissed);
            }
            this.lastRttNanos = lastRttNanos;
            this.missedInARow = missedInARow;
            this.maxMissed = maxMissed;
        }

        /**
         * @param lastRttNanos the round-trip time of the last answered probe, or -1 while none was answered
         * @param missedInARow probes not answered in time since the last answer, >= 0
         * @param maxMissed    the misses in a row after which the monitor closes the session, >= 1
         */
        public static Observation of(long lastRttNanos, int missedInARow, int maxMissed) {
            return new Observation(lastRttNanos, missedInARow, maxMissed);
        }

        /** The round-trip time of the last answered probe, or -1 while none was answered. */
        public long lastRttNanos() {
            return lastRttNanos;
        }

        /** Probes not answered in time since the last answer. */
        public int missedInARow() {
            return missedInARow;
        }

        /** The misses in a row after which the monitor closes the session. */
        public int maxMissed() {
            return maxMissed;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Observation other && lastRttNanos == other.lastRttNanos
                    && missedInARow == other.missedInARow && maxMissed == other.maxMissed;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(lastRttNanos, missedInARow, maxMissed);
        }

        @Override
        public String toString() {
            return "Observation[lastRttNanos=" + lastRttNanos + ", missedInARow=" + missedInARow + ", maxMissed="
                    + maxMissed + "]";
        }
    }

    /**
     * The monitor publishes what it saw after each probe's outcome; the session keeps the last one for
     * {@link #lastObservation()}. Default, for a transport that keeps nothing: dropped. Any thread.
     *
     * @since 2.0.0
     */
    default void observed(Observation observation) {
    }

    /**
     * What the monitor published last, empty before its first probe's outcome (or when the transport keeps
     * nothing). Any thread.
     *
     * @since 2.0.0
     */
    default Optional<Observation> lastObservation() {
        return Optional.empty();
    }
}
