package org.anytls4j.transport.anytls.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.function.Supplier;
import org.anytls4j.api.Destination;
import org.anytls4j.api.inbound.ListenerGuard;

/**
 * Hands a connection that failed authentication to the fallback service (PROTOCOL.md section 3, step 6): it
 * resolves and connects to {@code fallback { server, server_port }}, replays every byte already read from the
 * client, then relays both ways until either side closes, so an active probe meets an ordinary service.
 *
 * <p>Back-pressure: both channels run with {@code autoRead} off and each side reads its next chunk only after
 * the previous one was written to the other side (Netty's {@code HexDumpProxy} pattern).
 *
 * <h2>Threading and lifecycle</h2>
 * Runs on the client connection's event loop; the fallback connection is registered on the same loop. When
 * one side closes, the other is closed after its pending writes. If the fallback cannot be reached, the client
 * connection is closed without a reply.
 */
final class FallbackRelay {
    static final String PIPE = "anytls-fallback-pipe";

    private final ServerRuntime runtime;
    private final long sessionNumber;
    private final Destination target;

    FallbackRelay(ServerRuntime runtime, long sessionNumber, Destination target) {
        this.runtime = runtime;
        this.sessionNumber = sessionNumber;
        this.target = target;
    }

    /**
     * Starts the relay. {@code takeOver} is called once connected; it returns the bytes read so far (ownership
     * passes here) or null if the client went away.
     */
    void start(Channel client, Supplier<ByteBuf> takeOver) {
        runtime.resolver.resolve(target, client.eventLoop()).addListener(resolved -> {
            if (!resolved.isSuccess()) {
                giveUp(client, "cannot resolve " + target.host() + ": " + resolved.cause());
                return;
            }
            connect(client, (InetSocketAddress) resolved.getNow(), takeOver);
        });
    }

    private void connect(Channel client, InetSocketAddress address, Supplier<ByteBuf> takeOver) {
        new Bootstrap()
                .group(client.eventLoop())
                .channel(runtime.context.netty().socketChannelClass())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(address)
                .addListener((ChannelFutureListener) connected -> {
                    if (!connected.isSuccess()) {
                        giveUp(client, "cannot connect to " + target + ": " + connected.cause());
                        return;
                    }
                    Channel fallback = connected.channel();
                    ByteBuf replay = takeOver.get();
                    if (replay == null) {
                        fallback.close();
                        return;
                    }
                    client.pipeline().remove(AuthHandler.NAME);
                    client.pipeline().addLast(PIPE, new Pipe(fallback));
                    fallback.pipeline().addLast(PIPE, new Pipe(client));
                    fallback.writeAndFlush(replay).addListener((ChannelFutureListener) written -> {
                        if (written.isSuccess()) {
                            client.read();
                            fallback.read();
                        } else {
                            written.channel().close();
                        }
                    });
                });
    }

    private void giveUp(Channel client, String why) {
        ServerRuntime.LOG.warn("inbound={} session=#{} fallback failed: {}; closing", runtime.tag, sessionNumber,
                why);
        client.close();
    }

    /** Copies what one channel reads to the other, reading the next chunk only once the last was written. */
    static final class Pipe extends ChannelInboundHandlerAdapter {
        private final Channel other;

        Pipe(Channel other) {
            this.other = other;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!other.isActive()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            other.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    ctx.channel().read();
                } else {
                    f.channel().close();
                }
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (other.isActive()) {
                other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ListenerGuard.handOffIfFatal(cause); // an Error (OOM) ends the process; see FatalErrors
            ctx.close();
        }
    }
}
