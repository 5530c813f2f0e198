package org.anytls4j.api.outbound;

import io.netty.channel.Channel;
import java.util.concurrent.CompletionStage;
import org.anytls4j.api.Destination;
import org.anytls4j.api.Stable;
import org.anytls4j.api.monitor.MonitoredSession;

/**
 * One authenticated connection to a server that carries multiplexed streams (for AnyTLS: one TLS connection).
 * Made by a {@link SessionConnector}; owned by the host's session pool, which decides when to open streams on
 * it and when to close it. What a monitor may see of it (its facts, capabilities, close and executor) is its
 * {@link MonitoredSession} side, which the transport/inbound SPI extends here with the Netty stream.
 *
 * <h2>Threading</h2>
 * Every method is thread-safe. All of the session's state changes happen on its {@link #executor()} (its Netty
 * event loop); monitors that schedule timers on it never race with the session's own I/O.
 *
 * <h2>Lifecycle</h2>
 * A session is active from the moment {@code connect} completes until it closes, for any reason: the peer
 * went away, a protocol error, a monitor or the pool closed it. It never reopens. {@link #closeFuture()}
 * completes exactly once, with the first reason given.
 */
@Stable
public interface Session extends MonitoredSession {
    /**
     * Opens a stream to {@code destination}; see {@link Outbound} for the channel's contract. The stream is handed
     * out with {@code autoRead} off and delivers nothing until the caller calls {@link Channel#read()} or turns
     * {@code autoRead} on; what the peer sends before waits in the stream, within the session's buffering bounds.
     *
     * @return completes with the stream channel, or fails with {@link StreamRefusedException} when the peer
     *     refused it, or with another exception when the session could not open it (in which case the session
     *     is closed)
     */
    CompletionStage<Channel> openStream(Destination destination);
}
