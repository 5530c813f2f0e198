package org.anytls4j.core.admin;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import org.anytls4j.api.outbound.Heartbeat;
import org.anytls4j.api.outbound.Session;

/**
 * One pooled session as {@code /pool} shows it.
 *
 * @param seq          the session's sequence number within its outbound ({@code session=#12} in logs), from 1
 * @param age          time since the session was established
 * @param idle         time since its last stream closed, or null while it carries streams
 * @param streams      streams open on it now
 * @param heldBy       name of the pool policy that keeps it from being closed (e.g. {@code min_idle}), or null
 * @param nextAction   the next action scheduled for it (e.g. {@code close}, {@code heartbeat}), or null
 * @param nextActionIn time until that action, or null when there is none
 * @param lastRead     time since the session last read from its server, or null when unknown
 * @param heartbeat    what its heartbeat monitor saw last (last round trip, misses in a row), or null when no
 *                     monitor probes it or none has published yet
 */
public record SessionInfo(long seq, Duration age, Duration idle, int streams, String heldBy, String nextAction,
        Duration nextActionIn, Duration lastRead, Heartbeat.Observation heartbeat) {
    public SessionInfo {
        requireNonNull(age, "age");
        if (seq < 1) {
            throw new IllegalArgumentException("seq must be >= 1, was " + seq);
        }
        if (streams < 0) {
            throw new IllegalArgumentException("streams must be >= 0, was " + streams);
        }
    }

    /** A session whose liveness (last read, heartbeat) is not known. */
    public SessionInfo(long seq, Duration age, Duration idle, int streams, String heldBy, String nextAction,
            Duration nextActionIn) {
        this(seq, age, idle, streams, heldBy, nextAction, nextActionIn, null, null);
    }

    /** This info with {@code session}'s liveness at {@code nowNanos}: its last read's age and its heartbeat state. */
    public SessionInfo withLiveness(Session session, long nowNanos) {
        long lastReadNanos = session.lastReadNanos();
        Duration sinceRead = lastReadNanos == Long.MIN_VALUE ? null
                : Duration.ofNanos(Math.max(0, nowNanos - lastReadNanos));
        Heartbeat.Observation observed = session.capability(Heartbeat.class)
                .flatMap(Heartbeat::lastObservation).orElse(null);
        return new SessionInfo(seq, age, idle, streams, heldBy, nextAction, nextActionIn, sinceRead, observed);
    }
}
