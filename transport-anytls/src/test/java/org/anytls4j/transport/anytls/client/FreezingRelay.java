package org.anytls4j.transport.anytls.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on 127.0.0.1, port 0, in front of a server, that can black-hole the connections it carries now:
 * {@link #freezeExisting()} stops reading both sides of every current connection (bytes pile up in the kernel
 * buffers, nothing passes, the connections stay open, as with a frozen server or a NAT that dropped the flow
 * without telling), while connections made later pass normally. The smallest tool to prove that a pooled session
 * whose path died silently is found and replaced.
 *
 * <h2>Threading and lifecycle</h2>
 * Thread-safe. {@link #close()} closes the listener and every connection.
 */
final class FreezingRelay implements AutoCloseable {
    private final Channel listener;
    private final List<Channel> connections = new CopyOnWriteArrayList<>();
    private final List<Channel> all = new CopyOnWriteArrayList<>();

    private FreezingRelay(EventLoopGroup group, InetSocketAddress upstream) {
        listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel downstream) {
                        connections.add(downstream);
                        all.add(downstream);
                        new Bootstrap().group(downstream.eventLoop()).channel(NioSocketChannel.class)
                                .option(ChannelOption.AUTO_READ, false)
                                .handler(new ChannelInitializer<>() {
                                    @Override
                                    protected void initChannel(Channel up) {
                                        connections.add(up);
                                        all.add(up);
                                        up.pipeline().addLast(new Pipe(downstream));
                                        downstream.pipeline().addLast(new Pipe(up));
                                    }
                                })
                                .connect(upstream).addListener((ChannelFutureListener) f -> {
                                    if (!f.isSuccess()) {
                                        downstream.close();
                                        return;
                                    }
                                    downstream.config().setAutoRead(true);
                                    f.channel().config().setAutoRead(true);
                                });
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    static FreezingRelay start(EventLoopGroup group, InetSocketAddress upstream) {
        return new FreezingRelay(group, upstream);
    }

    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Black-holes every connection open now, both directions; later connections pass. */
    void freezeExisting() {
        for (Channel channel : connections) {
            channel.eventLoop().submit(() -> channel.config().setAutoRead(false)).syncUninterruptibly();
        }
        connections.clear();
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        all.forEach(Channel::close);
    }

    /** Forwards what one side reads to the other. */
    private static final class Pipe extends ChannelInboundHandlerAdapter {
        private final Channel other;

        Pipe(Channel other) {
            this.other = other;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            other.writeAndFlush(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            other.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
