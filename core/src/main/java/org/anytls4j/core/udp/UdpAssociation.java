package org.anytls4j.core.udp;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.anytls4j.api.Destination;
import org.anytls4j.api.NettyResources;
import org.anytls4j.api.outbound.Packet;
import org.anytls4j.api.outbound.PacketOutbound;
import org.anytls4j.core.relay.Relay;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A SOCKS5 UDP ASSOCIATE (RFC 1928 section 7) relayed through an outbound's packet channel
 * ({@link PacketOutbound#openPackets}): for a pooled outbound a packet stream on a pooled session (for AnyTLS,
 * UDP over TCP v2, framed by the transport), for {@code direct} a plain UDP socket. Core knows only the SOCKS5
 * datagram framing, which is the inbound's wire format ({@link Socks5Datagram}).
 *
 * <p>{@link #open} opens the packet channel and binds a UDP relay socket on the control connection's local
 * address. Datagrams the SOCKS client sends there ({@code RSV | FRAG | ATYP | DST.ADDR | DST.PORT | DATA}) become
 * {@link Packet}s to their destination; packets read from the channel are turned back into SOCKS5 UDP datagrams
 * naming their source and sent to the client's UDP address.
 *
 * <h2>Who may send</h2>
 * Only datagrams from the control connection's client IP are accepted; the first one fixes the client's UDP port,
 * later ones from another port are dropped. Fragmented datagrams ({@code FRAG != 0}) are dropped (RFC 1928 lets a
 * server without reassembly do so). A datagram that arrives while the channel is unwritable is dropped, as UDP
 * may, and so is one the channel cannot carry (its write fails).
 *
 * <h2>Lifecycle</h2>
 * The control connection, the packet channel and the UDP socket live and die together: when any of them closes,
 * the other two are closed. {@code udp_timeout} without a datagram in either direction closes all three. A packet
 * channel that fails (e.g. a stream cut because its session died) resets the control connection (an RST), so the
 * client sees an error.
 *
 * <h2>Threading and ownership</h2>
 * The UDP socket is registered on the control connection's event loop; the packet channel may be on another loop
 * (a pooled session's), so the client's UDP address is published through a volatile field. Each received
 * datagram's payload goes on as a retained slice in the packet written; each packet read is released after its
 * datagram was built.
 */
public final class UdpAssociation {
    private static final Logger log = LoggerFactory.getLogger(UdpAssociation.class);

    /** Pipeline name of {@link #controlHandler()} on the SOCKS5 control connection. */
    public static final String CONTROL_HANDLER = "udp-control";

    /** Large enough for any UDP datagram, so none is truncated on receipt. */
    private static final int MAX_DATAGRAM = 65536;

    private final Channel control;
    private final Channel stream;
    private final Counter upload;
    private final Counter download;
    private final String logTag;
    private volatile InetSocketAddress client;
    private volatile Channel udp;
    private final AtomicBoolean ended = new AtomicBoolean();

    private UdpAssociation(Channel control, Channel stream, Counter upload, Counter download, String logTag) {
        this.control = control;
        this.stream = stream;
        this.upload = upload;
        this.download = download;
        this.logTag = logTag;
    }

    /**
     * Opens the packet channel, binds the relay socket and ties their lifetimes to {@code control}. Call on
     * {@code control}'s event loop.
     *
     * @param upload   counts payload bytes sent from the client to the stream
     * @param download counts payload bytes sent from the stream to the client
     * @param logTag   prefix of log lines, e.g. {@code inbound=mixed outbound=direct}
     * @return completes with the relay socket's address (the SOCKS5 reply's BND.ADDR and BND.PORT), or fails with
     *     the packet channel open's or the bind's failure, having closed whatever had been opened
     */
    public static CompletionStage<InetSocketAddress> open(Channel control, PacketOutbound outbound,
            NettyResources netty,
            Duration idleTimeout, Counter upload, Counter download, String logTag) {
        requireNonNull(control, "control");
        requireNonNull(outbound, "outbound");
        requireNonNull(idleTimeout, "idleTimeout");
        CompletableFuture<InetSocketAddress> result = new CompletableFuture<>();
        CompletionStage<Channel> opening;
        try {
            opening = outbound.openPackets(control.eventLoop());
        } catch (RuntimeException e) {
            opening = CompletableFuture.failedFuture(e);
        }
        opening.whenComplete((stream, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
                return;
            }
            UdpAssociation association = new UdpAssociation(control, stream, upload, download, logTag);
            control.eventLoop().execute(() -> association.bind(netty, idleTimeout, result));
        });
        return result;
    }

    /** Discards anything the client sends on the control connection after UDP ASSOCIATE. */
    public static ChannelHandler controlHandler() {
        return ControlHandler.INSTANCE;
    }

    private void bind(NettyResources netty, Duration idleTimeout, CompletableFuture<InetSocketAddress> result) {
        if (!control.isActive()) {
            stream.close();
            result.completeExceptionally(new IllegalStateException("control connection closed"));
            return;
        }
        InetSocketAddress local = (InetSocketAddress) control.localAddress();
        long idleNanos = idleTimeout.toNanos();
        ChannelFuture bind = new Bootstrap()
                .group(control.eventLoop())
                .channel(netty.datagramChannelClass())
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM))
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, idleNanos, TimeUnit.NANOSECONDS));
                        ch.pipeline().addLast("from-client", new FromClient());
                    }
                })
                .bind(local.getAddress(), 0);
        bind.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                stream.close();
                result.completeExceptionally(f.cause());
                return;
            }
            udp = f.channel();
            control.closeFuture().addListener(c -> closeAll("control connection closed"));
            stream.closeFuture().addListener(c -> closeAll("stream closed"));
            udp.closeFuture().addListener(c -> closeAll("udp socket closed"));
            // The stream delivers nothing until it is asked to read (Outbound's hand-out contract): the handlers
            // go in first, then reading starts.
            stream.pipeline().addLast("to-client", new ToClient());
            stream.config().setAutoRead(true);
            InetSocketAddress relay = (InetSocketAddress) udp.localAddress();
            log.debug("{} client={} UDP association relay={}", logTag, control.remoteAddress(), relay);
            result.complete(relay);
        });
    }

    private void closeAll(String why) {
        if (ended.compareAndSet(false, true)) {
            log.debug("{} client={} UDP association ends: {}", logTag, control.remoteAddress(), why);
        }
        control.close();
        stream.close();
        udp.close();
    }

    /** SOCKS5 UDP datagrams from the client to UoT packets on the stream. On the UDP socket's loop. */
    private final class FromClient extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            InetSocketAddress sender = packet.sender();
            InetSocketAddress controlPeer = (InetSocketAddress) control.remoteAddress();
            if (controlPeer == null || !sender.getAddress().equals(controlPeer.getAddress())) {
                log.debug("{} dropping datagram from {}: not the client {}", logTag, sender, controlPeer);
                return;
            }
            if (client == null) {
                client = sender;
            } else if (!client.equals(sender)) {
                log.debug("{} dropping datagram from {}: the association's client is {}", logTag, sender, client);
                return;
            }
            ByteBuf in = packet.content();
            Destination destination;
            try {
                destination = Socks5Datagram.read(in);
            } catch (IllegalArgumentException e) {
                log.debug("{} dropping datagram from {}: {}", logTag, sender, e.getMessage());
                return;
            }
            if (!stream.isWritable()) {
                log.debug("{} dropping datagram from {}: stream is not writable", logTag, sender);
                return;
            }
            int length = in.readableBytes();
            upload.increment(length);
            stream.writeAndFlush(new Packet(destination, in.retainedSlice())).addListener(f -> {
                if (!f.isSuccess()) {
                    log.debug("{} dropped datagram from {} to {}: {}", logTag, sender, destination,
                            f.cause().getMessage());
                }
            });
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                log.debug("{} client={} UDP association idle; closing", logTag, control.remoteAddress());
                ctx.close();
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("{} UDP relay socket error: {}", logTag, cause.toString());
        }
    }

    /** Packets from the packet channel to SOCKS5 UDP datagrams for the client. On the channel's loop. */
    private final class ToClient extends SimpleChannelInboundHandler<Packet> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Packet packet) {
            InetSocketAddress to = client;
            if (to == null) {
                log.debug("{} dropping packet from {}: the client has sent no datagram yet", logTag, packet.peer());
                return;
            }
            ByteBuf payload = packet.content();
            ByteBuf out = ctx.alloc().buffer(4 + 1 + 255 + 2 + payload.readableBytes());
            try {
                Socks5Datagram.write(packet.peer(), out); // throws for a name SOCKS5 cannot carry
                out.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
            } catch (RuntimeException e) {
                out.release();
                log.debug("{} dropping packet from {}: {}", logTag, packet.peer(), e.getMessage());
                return;
            }
            download.increment(payload.readableBytes());
            udp.writeAndFlush(new DatagramPacket(out, to), udp.voidPromise());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.warn("{} client={} UDP over TCP stream error: {}; closing the association", logTag,
                    control.remoteAddress(), cause.getMessage());
            Relay.reset(control); // queued on the control's loop ahead of the close the stream's end causes
            ctx.close();
        }
    }

    /** Releases bytes sent on the control connection; the association watches its close. */
    @ChannelHandler.Sharable
    private static final class ControlHandler extends ChannelInboundHandlerAdapter {
        static final ControlHandler INSTANCE = new ControlHandler();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
