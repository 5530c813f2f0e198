package org.anytls4j.transport.anytls.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** Loopback helper servers for tests: echo, echo-once, HTTP, and a port with nothing listening. */
public final class TestServers {
    private TestServers() {
    }

    /** A server on 127.0.0.1, port 0; each connection gets a handler from {@code handler}. */
    public static Channel start(EventLoopGroup group, Supplier<ChannelHandler> handler) {
        return new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(handler.get());
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    public static int port(Channel server) {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Echoes everything, with back-pressure (reads pause while the write buffer is full). */
    public static Channel echo(EventLoopGroup group) {
        return start(group, Echo::new);
    }

    /** Echoes its first read, then closes. */
    public static Channel echoOnce(EventLoopGroup group) {
        return start(group, () -> new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ctx.writeAndFlush(msg).addListener(ChannelFutureListener.CLOSE);
            }
        });
    }

    /** A loopback port that was free a moment ago and has nothing listening. */
    public static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /**
     * An HTTP/1.1 server that answers every request (once its headers are complete) with {@code body} and closes.
     * {@code seen}, if not null, receives every byte read.
     */
    public static Channel http(EventLoopGroup group, byte[] body, ByteArrayOutputStream seen) {
        return start(group, () -> new ChannelInboundHandlerAdapter() {
            private final StringBuilder request = new StringBuilder();

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf buf = (ByteBuf) msg;
                try {
                    if (seen != null) {
                        synchronized (seen) {
                            seen.write(io.netty.buffer.ByteBufUtil.getBytes(buf), 0, buf.readableBytes());
                        }
                    }
                    request.append(buf.toString(StandardCharsets.ISO_8859_1));
                } finally {
                    buf.release();
                }
                if (request.indexOf("\r\n\r\n") >= 0) {
                    String head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                            + body.length + "\r\nConnection: close\r\n\r\n";
                    ctx.write(Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1));
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(body)).addListener(ChannelFutureListener.CLOSE);
                    request.setLength(0);
                }
            }
        });
    }

    /** Echo with back-pressure. */
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
            if (!ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
