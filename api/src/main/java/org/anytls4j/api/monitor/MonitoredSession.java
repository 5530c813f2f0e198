package org.anytls4j.api.monitor;

import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.Stable;

/**
 * One session of a pool as a {@link SessionMonitor} sees it: the facts a monitor judges a session by (age, open
 * streams, peer version, last read, reads paused), its capabilities (such as
 * {@link org.anytls4j.api.outbound.Heartbeat}), its close and the executor its timers run on. No stream can be opened
 * through it, and nothing in it depends on a network library: a monitor compiles against the JDK, typesafe-config,
 * PF4J and this API alone. The transport's {@link org.anytls4j.api.outbound.Session} is a {@code MonitoredSession}.
 *
 * <h2>Threading</h2>
 * Every method is thread-safe. The session's state changes happen on its {@link #executor()}; a monitor that
 * schedules its timers there never races with the session's own I/O.
 *
 * <h2>Lifecycle</h2>
 * A session is active from the moment it connected until it closes, for any reason: the peer went away, a protocol
 * error, a monitor or the pool closed it. It never reopens. {@link #closeFuture()} completes exactly once, with the
 * first reason given.
 *
 * @since 2.0.0
 */
@Stable
public interface MonitoredSession {
    /** The pool-wide sequence number, 1 for an outbound's first session; never reused. */
    long seq();

    /** When the connection was made, on the host's {@link org.anytls4j.api.Ticker}. */
    long createdNanos();

    /** Streams currently open on this session. */
    int openStreams();

    /**
     * The protocol version the peer announced, or 0 while unknown (no announcement yet, or a peer that never
     * announces one, such as an AnyTLS v1 server).
     */
    int peerVersion();

    /** True until the session closes. */
    boolean isActive();

    /** Where the session's state changes and its monitors' timers run; never shut it down. */
    ScheduledExecutorService executor();

    /** Closes the session and all its streams (no FIN), if it is not already closed. Idempotent. */
    void close(CloseReason reason);

    /** Completes with the reason once the session is closed. */
    CompletionStage<CloseReason> closeFuture();

    /**
     * When anything (any frame, any byte) was last received from the peer, on the host's
     * {@link org.anytls4j.api.Ticker}; {@link Long#MIN_VALUE} while nothing has been received yet. Any received
     * byte is proof that the peer and the path are alive: liveness monitors measure silence from here, and the pool
     * treats a session that closes before it heard anything as a failed creation.
     *
     * <p>The default, for transports that do not track reads, is {@link #createdNanos()} (the connect counts).
     *
     * @since 1.2.0 (on {@code Session})
     */
    default long lastReadNanos() {
        return createdNanos();
    }

    /**
     * True while the session's reads are held off by local back-pressure (a stream's reader is slower than the
     * peer): data the peer sent, a keep-alive answer included, may be sitting unread. Neither a liveness monitor nor
     * a watchdog may judge the peer during such time, and the pool does not place a new stream on such a session.
     *
     * @since 1.2.0 (on {@code Session})
     */
    default boolean readsPaused() {
        return false;
    }

    /**
     * The total time, on the host's ticker, during which the session's reads were held off by local back-pressure
     * since it was created, an ongoing pause included. A monitor compares two readings to learn whether reads
     * were paused at any moment of a window (then it cannot judge the peer for that window).
     *
     * @since 1.2.0 (on {@code Session})
     */
    default long readsPausedNanos() {
        return 0;
    }

    /**
     * An optional capability of this session's transport, e.g. {@link org.anytls4j.api.outbound.Heartbeat}. Empty
     * when the transport does not offer it.
     */
    default <T> Optional<T> capability(Class<T> type) {
        return Optional.empty();
    }
}
