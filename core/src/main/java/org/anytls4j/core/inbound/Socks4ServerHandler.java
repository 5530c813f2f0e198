package org.anytls4j.core.inbound;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.socksx.v4.DefaultSocks4CommandResponse;
import io.netty.handler.codec.socksx.v4.Socks4CommandRequest;
import io.netty.handler.codec.socksx.v4.Socks4CommandStatus;
import io.netty.handler.codec.socksx.v4.Socks4CommandType;
import io.netty.util.ReferenceCountUtil;
import org.anytls4j.api.Destination;
import org.anytls4j.api.inbound.ListenerGuard;
import org.anytls4j.core.relay.Relay;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SOCKS4 and SOCKS4a server side: CONNECT only, to an IPv4 address (SOCKS4) or a host name (SOCKS4a, decoded
 * by Netty's {@code Socks4ServerDecoder}). SOCKS4 has no passwords, so an inbound with {@code users} refuses it
 * rather than let it bypass authentication. Every refusal and failed open is answered {@code 0x5B} (request
 * rejected or failed) with a log line naming the reason, then only this connection closes.
 *
 * <h2>Threading and ownership</h2>
 * One instance per connection, on its event loop. Bytes the client sends after its request are held in
 * {@link EarlyData} until the stream opens. Once the relay starts, the codec and this handler leave the pipeline.
 */
final class Socks4ServerHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(Socks4ServerHandler.class);

    private final ProxyInbound inbound;
    private final EarlyData early = new EarlyData();

    Socks4ServerHandler(ProxyInbound inbound) {
        this.inbound = inbound;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf) {
            early.add(msg);
            return;
        }
        try {
            if (msg instanceof Socks4CommandRequest request) {
                onRequest(ctx, request);
            } else {
                reject(ctx, "unexpected SOCKS4 message " + msg.getClass().getSimpleName());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequest(ChannelHandlerContext ctx, Socks4CommandRequest request) {
        if (request.decoderResult().isFailure()) {
            reject(ctx, "malformed SOCKS4 request: " + request.decoderResult().cause().getMessage());
            return;
        }
        if (request.type() != Socks4CommandType.CONNECT) {
            reject(ctx, String.format("unsupported SOCKS4 command 0x%02X (%s); supported: 0x01 CONNECT",
                    request.type().byteValue(), request.type()));
            return;
        }
        if (inbound.settings().authRequired()) {
            reject(ctx, "SOCKS4 has no password authentication and this inbound has users; use SOCKS5");
            return;
        }
        Destination destination;
        try {
            destination = new Destination(request.dstAddr(), request.dstPort());
        } catch (IllegalArgumentException e) {
            reject(ctx, "bad SOCKS4 destination: " + e.getMessage());
            return;
        }
        Channel client = ctx.channel();
        inbound.openStream(client, destination, "socks4", (stream, outbound) -> {
            client.writeAndFlush(new DefaultSocks4CommandResponse(Socks4CommandStatus.SUCCESS));
            early.writeTo(stream);
            Relay.start(client, stream, inbound.metrics().upload(outbound), inbound.metrics().download(outbound),
                    "inbound=" + inbound.tag() + " dest=" + destination);
            ctx.pipeline().remove(ProtocolDetector.CODEC_ENCODER);
            ctx.pipeline().remove(this);
            ctx.pipeline().remove(ProtocolDetector.CODEC_DECODER);
        }, (failure, cause) -> replyRejected(ctx));
    }

    private void reject(ChannelHandlerContext ctx, String problem) {
        log.warn("inbound={} client={} {}; closing", inbound.tag(), ctx.channel().remoteAddress(), problem);
        replyRejected(ctx);
    }

    private static void replyRejected(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(new DefaultSocks4CommandResponse(Socks4CommandStatus.REJECTED_OR_FAILED))
                .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        early.release();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ListenerGuard.handOffIfFatal(cause); // an Error (OOM) ends the process; see FatalErrors
        log.debug("inbound={} client={} SOCKS4 connection error: {}", inbound.tag(), ctx.channel().remoteAddress(),
                cause.toString());
        ctx.close();
    }
}
