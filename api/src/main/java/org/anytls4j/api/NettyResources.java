package org.anytls4j.api;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;

/**
 * The host's shared Netty event loops and the channel classes that match them (NIO, or epoll where the
 * native transport loads). Plugins never create event loop groups of their own: one set of I/O threads
 * serves every inbound, outbound and session.
 *
 * <p>Owned by the host: plugins must not shut the groups down.
 */
@Stable
public interface NettyResources {
    /** Accepts connections on listening sockets. */
    EventLoopGroup bossGroup();

    /** Runs every connection: sessions, streams, relays. */
    EventLoopGroup workerGroup();

    Class<? extends SocketChannel> socketChannelClass();

    Class<? extends ServerSocketChannel> serverSocketChannelClass();

    Class<? extends DatagramChannel> datagramChannelClass();
}
