package org.anytls4j.transport.anytls.stream;

import static java.util.Objects.requireNonNull;

import io.netty.channel.Channel;

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
 * <h2>Threading</h2>
 * Not thread-safe: used only on the session channel's event loop.
 */
public final class InboundBudget {
    private final Channel session;
    private final long sessionLimitBytes;
    private long queuedBytes;
    private int streamsOverLimit;
    private boolean paused;

    /**
     * @param session           the channel whose {@code autoRead} this budget controls
     * @param sessionLimitBytes pause once more than this many bytes are queued across all streams
     */
    public InboundBudget(Channel session, long sessionLimitBytes) {
        this.session = requireNonNull(session, "session");
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
            paused = pause;
            session.config().setAutoRead(!pause);
        }
    }
}
