package org.anytls4j.transport.anytls.stream;

import static java.util.Objects.requireNonNull;

import io.netty.channel.Channel;
import org.anytls4j.api.Ticker;

/**
 * Inbound back-pressure of one session: the bytes its streams have received but their readers have not taken
 * yet. AnyTLS has no per-stream flow-control window (PROTOCOL.md section 6.7), so the only way to stop a peer
 * is to stop reading the session's socket. This budget turns the session channel's {@code autoRead} off while
 * either
 * <ul>
 *   <li>the total queued over all streams exceeds {@code sessionLimitBytes}, or</li>
 *   <li>any single stream's queue exceeds its own limit (see {@link StreamChannel}),</li>
 * </ul>
 * and back on as soon as neither holds.
 *
 * <h2>Bounds</h2>
 * The limits are soft by at most what was already read from the socket when the pause took effect: the rest of
 * one socket read and what TLS had already decrypted, which Netty still decodes and delivers. In practice that
 * is below {@code 64 KiB + 65535} bytes (one read plus one maximal frame).
 *
 * <h2>Pause time</h2>
 * The budget records, on the host's {@link Ticker}, how long reads were held off in total ({@link #pausedNanos()},
 * an ongoing pause included). Liveness checks (heartbeat, SYNACK watchdog) compare two readings: a window during
 * which reads were paused says nothing about the peer, whose answer may sit unread behind the data.
 *
 * <h2>Threading</h2>
 * Changes happen only on the session channel's event loop; {@link #isPaused()} and {@link #pausedNanos()} may
 * be read from any thread (a monitor reads them from its own).
 */
public final class InboundBudget {
    private final Channel session;
    private final long sessionLimitBytes;
    private final Ticker ticker;
    private long queuedBytes;
    private int streamsOverLimit;
    private volatile boolean paused;
    /** Total paused time of the pauses that ended. */
    private volatile long endedPausesNanos;
    /** When the ongoing pause began (meaningful while {@link #paused}). */
    private volatile long pausedSinceNanos;

    /**
     * @param session           the channel whose {@code autoRead} this budget controls
     * @param sessionLimitBytes pause once more than this many bytes are queued across all streams
     * @param ticker            the host's clock, for {@link #pausedNanos()}
     */
    public InboundBudget(Channel session, long sessionLimitBytes, Ticker ticker) {
        this.session = requireNonNull(session, "session");
        this.ticker = requireNonNull(ticker, "ticker");
        if (sessionLimitBytes < 1) {
            throw new IllegalArgumentException("sessionLimitBytes must be >= 1, was " + sessionLimitBytes);
        }
        this.sessionLimitBytes = sessionLimitBytes;
    }

    /** Bytes queued across the session's streams. */
    public long queuedBytes() {
        return queuedBytes;
    }

    /** True while this budget holds the session's reads off. */
    public boolean isPaused() {
        return paused;
    }

    /** Total time reads were held off since the budget was made, an ongoing pause included (ticker nanos). */
    public long pausedNanos() {
        long ended = endedPausesNanos;
        if (!paused) {
            return ended;
        }
        long since = pausedSinceNanos;
        // a pause that ended between the two reads above is already in endedPausesNanos: re-read it
        return paused ? ended + (ticker.nanoTime() - since) : endedPausesNanos;
    }

    /**
     * Records a change of one stream's queue.
     *
     * @param deltaBytes     bytes added (positive) or taken out (negative)
     * @param wasOverLimit   whether that stream was above its own limit before the change
     * @param isOverLimit    whether it is above its limit after the change
     */
    void changed(long deltaBytes, boolean wasOverLimit, boolean isOverLimit) {
        queuedBytes += deltaBytes;
        if (wasOverLimit != isOverLimit) {
            streamsOverLimit += isOverLimit ? 1 : -1;
        }
        boolean pause = queuedBytes > sessionLimitBytes || streamsOverLimit > 0;
        if (pause != paused) {
            long now = ticker.nanoTime();
            if (pause) {
                pausedSinceNanos = now;
            } else {
                endedPausesNanos += now - pausedSinceNanos;
            }
            paused = pause;
            session.config().setAutoRead(!pause);
        }
    }
}
