package org.anytls4j.core.admin;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

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
 */
public record SessionInfo(long seq, Duration age, Duration idle, int streams, String heldBy, String nextAction,
        Duration nextActionIn) {
    public SessionInfo {
        requireNonNull(age, "age");
        if (seq < 1) {
            throw new IllegalArgumentException("seq must be >= 1, was " + seq);
        }
        if (streams < 0) {
            throw new IllegalArgumentException("streams must be >= 0, was " + streams);
        }
    }
}
