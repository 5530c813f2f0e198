package org.anytls4j.api;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
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

    /**
     * How a connection that carries a byte stream (a local proxy connection, a session, a direct outbound) sizes
     * its reads, for {@code ChannelOption.RECVBUF_ALLOCATOR}: from 16 KiB, adapting between 64 bytes and 256 KiB.
     * Netty's default stops at 64 KiB; with larger reads a bulk transfer through the proxy takes fewer reads, fewer
     * passes through the pipeline and fewer TLS unwrap calls (bulk-up ~15 % less CPU per byte), for ~4 MiB more RSS
     * at 100 concurrent transfers. Each call returns a new allocator; it hands each channel its own handle.
     */
    default RecvByteBufAllocator streamReadAllocator() {
        return new AdaptiveRecvByteBufAllocator(64, 16 * 1024, 256 * 1024);
    }
}
