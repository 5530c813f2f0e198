package org.anytls4j.core.admin;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How an outbound's session creations fare, as {@code /pool} shows it while they keep failing.
 *
 * @param failuresInARow creations that failed in a row (connects that failed, sessions that closed before they
 *                       proved themselves), > 0
 * @param backoff        the current wait between creations
 * @param nextAttemptIn  time until the next creation may start (zero when it may start now)
 * @param lastFailure    why the last creation failed, in words
 */
public record CreationInfo(int failuresInARow, Duration backoff, Duration nextAttemptIn, String lastFailure) {
    public CreationInfo {
        requireNonNull(backoff, "backoff");
        requireNonNull(nextAttemptIn, "nextAttemptIn");
        requireNonNull(lastFailure, "lastFailure");
        if (failuresInARow < 1) {
            throw new IllegalArgumentException("failuresInARow must be >= 1, was " + failuresInARow);
        }
    }
}
