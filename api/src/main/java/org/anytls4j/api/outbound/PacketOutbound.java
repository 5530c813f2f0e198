package org.anytls4j.api.outbound;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.concurrent.CompletionStage;
import org.anytls4j.api.Stable;

/**
 * An {@link Outbound} that also relays datagrams: a pooled outbound whose transport's sessions offer
 * {@link PacketStreams} (the stream is placed on a pooled session like any other), or {@code direct} (a plain UDP
 * socket). Inbounds that carry UDP (SOCKS5 UDP ASSOCIATE) look for it with {@code instanceof}; an outbound that
 * does not implement it cannot carry UDP.
 *
 * <h2>Threading</h2>
 * Thread-safe. The stage completes on an event loop; callbacks must not block.
 *
 * @since 2.0.0
 */
@Stable
public interface PacketOutbound extends Outbound {
    /**
     * Opens a packet channel: writes take {@link Packet}s (each names its destination), reads deliver
     * {@link Packet}s (each names its source). It is handed out with {@code autoRead} off, as {@link Outbound#open}
     * hands out streams.
     *
     * @param eventLoop the caller's event loop, where an outbound that makes a fresh socket registers it
     * @return completes with the channel, or fails: {@link UnsupportedOperationException} when this outbound's
     *     sessions cannot carry packets, another exception when no session or socket could be made
     */
    CompletionStage<Channel> openPackets(EventLoop eventLoop);
}
