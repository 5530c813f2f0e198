package org.anytls4j.core.inbound;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.socksx.v5.DefaultSocks5CommandResponse;
import io.netty.handler.codec.socksx.v5.DefaultSocks5InitialResponse;
import io.netty.handler.codec.socksx.v5.DefaultSocks5PasswordAuthResponse;
import io.netty.handler.codec.socksx.v5.Socks5AddressType;
import io.netty.handler.codec.socksx.v5.Socks5AuthMethod;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequest;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import io.netty.handler.codec.socksx.v5.Socks5CommandType;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequest;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthRequest;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthStatus;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import org.anytls4j.api.Destination;
import org.anytls4j.api.inbound.ListenerGuard;
import org.anytls4j.api.outbound.Outbound;
import org.anytls4j.api.outbound.PacketOutbound;
import org.anytls4j.core.relay.Relay;
import org.anytls4j.core.udp.UdpAssociation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SOCKS5 server side (RFC 1928, with RFC 1929 username/password when the inbound has {@code users}):
 * method negotiation, authentication, then CONNECT (a relayed stream) or UDP ASSOCIATE (through the outbound's
 * packet channel, {@link UdpAssociation}; {@code 0x07} when the outbound cannot carry UDP). BIND and unknown commands are answered {@code 0x07 command not supported}; a malformed
 * request (wrong version byte, unknown address type) gets {@code 0x01} or {@code 0x08} and a WARN line naming the
 * problem; failed opens get the reply of {@link OpenFailure}. Every refusal closes only this connection.
 *
 * <h2>Threading and ownership</h2>
 * One instance per connection, on its event loop. Decoded SOCKS messages hold no buffers; anything unexpected is
 * released here. Once the relay starts, the SOCKS codec and this handler leave the pipeline.
 */
final class Socks5ServerHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(Socks5ServerHandler.class);

    private final ProxyInbound inbound;
    private final EarlyData early = new EarlyData();

    Socks5ServerHandler(ProxyInbound inbound) {
        this.inbound = inbound;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof io.netty.buffer.ByteBuf) {
            early.add(msg); // bytes after the CONNECT request, before the stream is open
            return;
        }
        try {
            if (msg instanceof Socks5InitialRequest initial) {
                onInitial(ctx, initial);
            } else if (msg instanceof Socks5PasswordAuthRequest auth) {
                onAuth(ctx, auth);
            } else if (msg instanceof Socks5CommandRequest command) {
                onCommand(ctx, command);
            } else {
                log.warn("inbound={} client={} unexpected SOCKS5 message {}; closing", inbound.tag(),
                        ctx.channel().remoteAddress(), msg.getClass().getSimpleName());
                ctx.close();
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onInitial(ChannelHandlerContext ctx, Socks5InitialRequest initial) {
        if (failed(ctx, initial.decoderResult(), "greeting")) {
            replyAndClose(ctx, new DefaultSocks5InitialResponse(Socks5AuthMethod.UNACCEPTED));
            return;
        }
        Socks5AuthMethod wanted = inbound.settings().authRequired() ? Socks5AuthMethod.PASSWORD
                : Socks5AuthMethod.NO_AUTH;
        if (!initial.authMethods().contains(wanted)) {
            log.warn("inbound={} client={} SOCKS5 client offers methods {} but this inbound requires {}; closing",
                    inbound.tag(), ctx.channel().remoteAddress(), initial.authMethods(), wanted);
            replyAndClose(ctx, new DefaultSocks5InitialResponse(Socks5AuthMethod.UNACCEPTED));
            return;
        }
        ctx.pipeline().replace(ProtocolDetector.CODEC_DECODER, ProtocolDetector.CODEC_DECODER,
                wanted == Socks5AuthMethod.PASSWORD ? new Socks5PasswordAuthRequestDecoder()
                        : new Socks5CommandRequestDecoder());
        ctx.writeAndFlush(new DefaultSocks5InitialResponse(wanted));
    }

    private void onAuth(ChannelHandlerContext ctx, Socks5PasswordAuthRequest auth) {
        if (failed(ctx, auth.decoderResult(), "username/password request")) {
            replyAndClose(ctx, new DefaultSocks5PasswordAuthResponse(Socks5PasswordAuthStatus.FAILURE));
            return;
        }
        if (!inbound.settings().authenticate(auth.username(), auth.password())) {
            log.warn("inbound={} client={} SOCKS5 authentication failed for user '{}'; closing", inbound.tag(),
                    ctx.channel().remoteAddress(), auth.username());
            replyAndClose(ctx, new DefaultSocks5PasswordAuthResponse(Socks5PasswordAuthStatus.FAILURE));
            return;
        }
        ctx.pipeline().replace(ProtocolDetector.CODEC_DECODER, ProtocolDetector.CODEC_DECODER,
                new Socks5CommandRequestDecoder());
        ctx.writeAndFlush(new DefaultSocks5PasswordAuthResponse(Socks5PasswordAuthStatus.SUCCESS));
    }

    private void onCommand(ChannelHandlerContext ctx, Socks5CommandRequest request) {
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            boolean badAddress = String.valueOf(cause.getMessage()).contains("address type");
            failed(ctx, request.decoderResult(), "command request");
            replyAndClose(ctx, new DefaultSocks5CommandResponse(badAddress ? Socks5CommandStatus.ADDRESS_UNSUPPORTED
                    : Socks5CommandStatus.FAILURE, Socks5AddressType.IPv4));
            return;
        }
        Socks5CommandType type = request.type();
        if (type == Socks5CommandType.CONNECT) {
            connect(ctx, request);
        } else if (type == Socks5CommandType.UDP_ASSOCIATE && inbound.kind().acceptsUdp()) {
            associate(ctx, request);
        } else {
            log.warn("inbound={} client={} unsupported SOCKS5 command 0x{} ({}); supported: 0x01 CONNECT, "
                    + "0x03 UDP ASSOCIATE; closing", inbound.tag(), ctx.channel().remoteAddress(),
                    String.format("%02X", type.byteValue()), type);
            replyAndClose(ctx, new DefaultSocks5CommandResponse(Socks5CommandStatus.COMMAND_UNSUPPORTED,
                    Socks5AddressType.IPv4));
        }
    }

    private void connect(ChannelHandlerContext ctx, Socks5CommandRequest request) {
        Channel client = ctx.channel();
        Destination destination;
        try {
            destination = new Destination(request.dstAddr(), request.dstPort());
        } catch (IllegalArgumentException e) {
            log.warn("inbound={} client={} bad SOCKS5 destination: {}; closing", inbound.tag(),
                    client.remoteAddress(), e.getMessage());
            replyAndClose(ctx, new DefaultSocks5CommandResponse(Socks5CommandStatus.ADDRESS_UNSUPPORTED,
                    Socks5AddressType.IPv4));
            return;
        }
        inbound.openStream(client, destination, "socks5", (stream, outbound) -> {
            InetSocketAddress bound = stream.localAddress() instanceof InetSocketAddress a ? a : null;
            client.writeAndFlush(bound == null || bound.getAddress() == null
                    ? new DefaultSocks5CommandResponse(Socks5CommandStatus.SUCCESS, Socks5AddressType.IPv4)
                    : new DefaultSocks5CommandResponse(Socks5CommandStatus.SUCCESS, addressType(bound),
                            bound.getAddress().getHostAddress(), bound.getPort()));
            early.writeTo(stream);
            Relay.start(client, stream, inbound.metrics().upload(outbound), inbound.metrics().download(outbound),
                    "inbound=" + inbound.tag() + " dest=" + destination);
            removeCodec(ctx);
        }, (failure, cause) -> replyAndClose(ctx, new DefaultSocks5CommandResponse(failure.socks5(),
                Socks5AddressType.IPv4)));
    }

    private void associate(ChannelHandlerContext ctx, Socks5CommandRequest request) {
        RequestDeadline.met(ctx.channel());
        Channel control = ctx.channel();
        control.config().setAutoRead(false);
        Outbound route = inbound.context().route();
        String outbound = route.tag();
        if (!(route instanceof PacketOutbound packets)) {
            log.info("inbound={} client={} socks5 UDP ASSOCIATE refused: outbound={} cannot carry UDP; closing",
                    inbound.tag(), control.remoteAddress(), outbound);
            replyAndClose(ctx, new DefaultSocks5CommandResponse(Socks5CommandStatus.COMMAND_UNSUPPORTED,
                    Socks5AddressType.IPv4));
            return;
        }
        UdpAssociation.open(control, packets, inbound.context().netty(), inbound.settings().udpTimeout(),
                inbound.metrics().upload(outbound), inbound.metrics().download(outbound),
                "inbound=" + inbound.tag() + " outbound=" + outbound)
                .whenComplete((relayAddress, failure) -> control.eventLoop().execute(() -> {
                    if (failure != null) {
                        OpenFailure kind = OpenFailure.classify(failure);
                        inbound.metrics().streamFailed(outbound, kind.reason());
                        log.info("inbound={} client={} socks5 UDP ASSOCIATE failed reason={}: {}", inbound.tag(),
                                control.remoteAddress(), kind.reason(), OpenFailure.describe(failure));
                        replyAndClose(ctx, new DefaultSocks5CommandResponse(kind.socks5(), Socks5AddressType.IPv4));
                        return;
                    }
                    inbound.metrics().streamOpened(outbound);
                    log.debug("inbound={} client={} socks5 UDP ASSOCIATE relay={} (client hint {}:{})",
                            inbound.tag(), control.remoteAddress(), relayAddress, request.dstAddr(),
                            request.dstPort());
                    control.writeAndFlush(new DefaultSocks5CommandResponse(Socks5CommandStatus.SUCCESS,
                            addressType(relayAddress), relayAddress.getAddress().getHostAddress(),
                            relayAddress.getPort()));
                    removeCodec(ctx);
                    control.pipeline().addLast(UdpAssociation.CONTROL_HANDLER, UdpAssociation.controlHandler());
                    control.config().setAutoRead(true);
                }));
    }

    private static Socks5AddressType addressType(InetSocketAddress address) {
        return NetUtil.isValidIpV4Address(address.getAddress().getHostAddress()) ? Socks5AddressType.IPv4
                : Socks5AddressType.IPv6;
    }

    private boolean failed(ChannelHandlerContext ctx, DecoderResult result, String what) {
        if (result.isSuccess()) {
            return false;
        }
        log.warn("inbound={} client={} malformed SOCKS5 {}: {}; closing", inbound.tag(),
                ctx.channel().remoteAddress(), what, result.cause().getMessage());
        return true;
    }

    private static void replyAndClose(ChannelHandlerContext ctx, Object reply) {
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
    }

    /** Leaves only the relay: the codec's left-over bytes flow into it. */
    private void removeCodec(ChannelHandlerContext ctx) {
        ctx.pipeline().remove(ProtocolDetector.CODEC_ENCODER);
        ctx.pipeline().remove(this);
        ctx.pipeline().remove(ProtocolDetector.CODEC_DECODER);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        early.release();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ListenerGuard.handOffIfFatal(cause); // an Error (OOM) ends the process; see FatalErrors
        log.debug("inbound={} client={} SOCKS5 connection error: {}", inbound.tag(), ctx.channel().remoteAddress(),
                cause.toString());
        ctx.close();
    }
}
