package org.anytls4j.transport.anytls.uot;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import org.anytls4j.api.Destination;
import org.anytls4j.transport.anytls.frame.SocksAddress;
import org.anytls4j.transport.anytls.server.HostResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits on a UoT stream's UDP socket and converts between the stream's bytes and datagrams (PROTOCOL.md section
 * 15, sing-box {@code common/uot}).
 *
 * <p>Outbound (stream bytes written to the socket): v2 first reads the request header ({@code isConnect u8 |
 * SOCKS address}); then packets are {@code length u16 | payload} to the header's destination in connected mode,
 * or {@code family-address | port u16 | length u16 | payload} in non-connected mode (and always in v1). Bytes
 * may arrive in any chunking; incomplete packets wait for the rest. Each write's promise completes as soon as its
 * bytes are parsed: UDP is lossy, so datagrams that cannot be sent (unresolvable name, socket error) are dropped
 * with a DEBUG line, as a UDP socket would.
 *
 * <p>Inbound (datagrams received): framed the same way toward the client; in non-connected mode the address is
 * the datagram's source. In connected mode datagrams from other sources than the destination are dropped, like
 * a connected UDP socket does. Datagrams that arrive before the v2 header are dropped.
 *
 * <p>A malformed header or packet address closes the socket, which ends the stream with FIN.
 *
 * <h2>Threading and ownership</h2>
 * One instance per socket, on its event loop. Names are resolved with {@link HostResolver} (never blocking).
 * The handler owns its partial-packet buffer and the payloads waiting for the connected destination to resolve,
 * and releases them when removed.
 */
final class UotServerCodec extends ChannelDuplexHandler {
    private static final Logger LOG = LoggerFactory.getLogger(UotServerCodec.class);

    private enum Mode {
        /** v2: waiting for the request header. */
        HEADER,
        /** Every packet goes to / comes from the header's destination. */
        CONNECTED,
        /** Every packet carries its own address. */
        NOT_CONNECTED
    }

    private final HostResolver resolver;
    private final String logPrefix;
    private Mode mode;
    private ByteBuf in;
    private Destination connectDestination;
    private InetSocketAddress connectTarget;
    private final ArrayDeque<ByteBuf> awaitingTarget = new ArrayDeque<>();

    UotServerCodec(UotServer.Version version, HostResolver resolver, String logPrefix) {
        this.mode = version == UotServer.Version.V2 ? Mode.HEADER : Mode.NOT_CONNECTED;
        this.resolver = resolver;
        this.logPrefix = logPrefix;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf bytes)) {
            ctx.write(msg, promise);
            return;
        }
        try {
            if (in == null) {
                in = ctx.alloc().buffer(bytes.readableBytes());
            }
            in.writeBytes(bytes);
        } finally {
            bytes.release();
        }
        promise.trySuccess();
        try {
            decode(ctx);
        } catch (IllegalArgumentException e) {
            LOG.debug("{} udp-over-tcp: {}; closing the stream", logPrefix, e.getMessage());
            ctx.close();
        }
    }

    private void decode(ChannelHandlerContext ctx) {
        while (in.isReadable()) {
            int start = in.readerIndex();
            switch (mode) {
                case HEADER -> {
                    in.skipBytes(1);
                    boolean connect = in.getByte(start) != 0;
                    Destination destination;
                    try {
                        destination = SocksAddress.read(in);
                    } catch (SocksAddress.MalformedAddressException e) {
                        throw new IllegalArgumentException("bad request header: " + e.getMessage());
                    }
                    if (destination == null) {
                        in.readerIndex(start);
                        return;
                    }
                    if (connect) {
                        mode = Mode.CONNECTED;
                        resolveConnectTarget(ctx, destination);
                    } else {
                        mode = Mode.NOT_CONNECTED;
                    }
                    LOG.debug("{} udp-over-tcp v2 connect={} destination={}", logPrefix, connect, destination);
                }
                case CONNECTED -> {
                    ByteBuf payload = readPayload(start);
                    if (payload == null) {
                        return;
                    }
                    if (connectTarget != null) {
                        send(ctx, payload, connectTarget);
                    } else {
                        awaitingTarget.add(payload);
                    }
                }
                case NOT_CONNECTED -> {
                    Destination destination = UotAddress.read(in);
                    if (destination == null) {
                        return;
                    }
                    ByteBuf payload = readPayload(start);
                    if (payload == null) {
                        return;
                    }
                    resolver.resolve(destination, ctx.channel().eventLoop()).addListener(resolved -> {
                        if (resolved.isSuccess()) {
                            send(ctx, payload, (InetSocketAddress) resolved.getNow());
                        } else {
                            payload.release();
                            LOG.debug("{} udp-over-tcp: datagram to {} dropped: {}", logPrefix, destination,
                                    resolved.cause().toString());
                        }
                    });
                }
                default -> throw new IllegalStateException(mode.toString());
            }
        }
        if (in.refCnt() == 1) { // payload slices still in flight share these bytes: never move them
            in.discardSomeReadBytes();
        }
    }

    /** Reads {@code length u16 | payload} at the reader index, or rewinds to {@code start} and returns null. */
    private ByteBuf readPayload(int start) {
        if (in.readableBytes() < 2 || in.readableBytes() < 2 + in.getUnsignedShort(in.readerIndex())) {
            in.readerIndex(start);
            return null;
        }
        int length = in.readUnsignedShort();
        return in.readRetainedSlice(length);
    }

    private void resolveConnectTarget(ChannelHandlerContext ctx, Destination destination) {
        connectDestination = destination;
        Future<InetSocketAddress> resolving = resolver.resolve(destination, ctx.channel().eventLoop());
        resolving.addListener(resolved -> {
            if (!resolved.isSuccess()) {
                LOG.debug("{} udp-over-tcp: cannot resolve {}: {}; closing the stream", logPrefix, destination,
                        resolved.cause().toString());
                ctx.close();
                return;
            }
            connectTarget = (InetSocketAddress) resolved.getNow();
            while (!awaitingTarget.isEmpty()) {
                send(ctx, awaitingTarget.poll(), connectTarget);
            }
        });
    }

    private void send(ChannelHandlerContext ctx, ByteBuf payload, InetSocketAddress recipient) {
        if (!ctx.channel().isActive()) {
            payload.release();
            return;
        }
        ctx.writeAndFlush(new DatagramPacket(payload, recipient)).addListener(f -> {
            if (!f.isSuccess()) {
                LOG.debug("{} udp-over-tcp: datagram to {} dropped: {}", logPrefix, recipient, f.cause().toString());
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            ByteBuf content = packet.content();
            InetSocketAddress sender = packet.sender();
            ByteBuf out;
            switch (mode) {
                case CONNECTED -> {
                    if (connectTarget == null || !connectTarget.equals(sender)) {
                        LOG.trace("{} udp-over-tcp: datagram from {} (not {}) dropped", logPrefix, sender,
                                connectDestination);
                        return;
                    }
                    out = ctx.alloc().buffer(2 + content.readableBytes());
                }
                case NOT_CONNECTED -> {
                    out = ctx.alloc().buffer(1 + 16 + 2 + 2 + content.readableBytes());
                    UotAddress.write(sender, out);
                }
                default -> {
                    return; // no header yet: the framing toward the client is not known
                }
            }
            out.writeShort(content.readableBytes());
            out.writeBytes(content);
            ctx.fireChannelRead(out);
        } finally {
            packet.release();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (in != null) {
            in.release();
            in = null;
        }
        while (!awaitingTarget.isEmpty()) {
            awaitingTarget.poll().release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        handlerRemoved(ctx);
        ctx.fireChannelInactive();
    }
}
