package org.anytls4j.api.pool;

import java.io.IOException;
import java.time.Duration;
import org.anytls4j.api.GoDurations;
import org.anytls4j.api.Stable;

/**
 * A stream could not be opened because it needed a new session and the pool is backing off after failed
 * creations: the open fails at once instead of hammering a server that just refused or dropped sessions. The
 * message says, in words, why the last creation failed, how many failed in a row and when the next attempt may
 * be made, e.g. {@code server closed the session right after authentication: wrong password or not an AnyTLS
 * server (5 failures in a row; next attempt in 8s)}; inbounds put it in their log line and HTTP error body.
 *
 * @since 1.2.0
 */
@Stable
public final class CreationBackoffException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String lastFailure;
    private final int consecutiveFailures;
    private final Duration retryIn;

    /**
     * @param lastFailure         one line: why the last creation failed
     * @param consecutiveFailures failures in a row so far
     * @param retryIn             how long until the pool starts another creation
     */
    public CreationBackoffException(String lastFailure, int consecutiveFailures, Duration retryIn) {
        super(lastFailure + " (" + consecutiveFailures + (consecutiveFailures == 1 ? " failure" : " failures")
                + " in a row; next attempt in " + GoDurations.format(retryIn) + ")");
        this.lastFailure = lastFailure;
        this.consecutiveFailures = consecutiveFailures;
        this.retryIn = retryIn;
    }

    /** Why the last creation failed, in words. */
    public String lastFailure() {
        return lastFailure;
    }

    /** Creations that failed in a row. */
    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    /** How long until the pool starts another creation. */
    public Duration retryIn() {
        return retryIn;
    }
}
