package org.anytls4j.transport.anytls.server;

import static org.anytls4j.transport.anytls.server.RawTlsClient.concat;
import static org.anytls4j.transport.anytls.server.RawTlsClient.frame;
import static org.anytls4j.transport.anytls.server.RawTlsClient.preamble;
import static org.anytls4j.transport.anytls.server.RawTlsClient.settings;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.Frame;
import org.anytls4j.transport.anytls.frame.FrameEncoder;
import org.anytls4j.transport.anytls.padding.PaddingScheme;

/**
 * A hostile AnyTLS client for server tests: it authenticates over real TLS, then runs one {@link Case} and never
 * reads its socket (after the handshake its reads are off and its receive buffer is small), which is the point:
 * whatever the server answers piles up on the server's side. It honours its own writability, so the sender does
 * not buffer without bound either; it stops when it has sent its budget or the server closes the connection.
 */
public final class HostileClient implements AutoCloseable {
    /** What the client sends after the preamble. */
    public enum Case {
        /** Settings, then HeartRequest frames, each asking for a HeartResponse. */
        HEART_FLOOD,
        /** Settings, then SYN frames with new ids: past {@code max_streams_per_session} each is refused. */
        SYN_FLOOD,
        /** Settings frames of ~9,000 keys each, each with a padding-md5 the server does not have. */
        SETTINGS_FLOOD,
        /** Random bytes where frames are expected. */
        RANDOM_BYTES,
        /** Settings, a header announcing 65,535 bytes, 100 of them, then silence. */
        MID_FRAME_STALL,
        /** Settings, then PSH frames with data to streams that were never opened. */
        PSH_UNKNOWN,
        /** Settings, a stream to {@code target}, then empty Waste and 1-byte PSH frames on it, alternating. */
        TINY_FRAMES
    }

    private static final int CHUNK = 64 << 10;

    /**
     * Completes when the connection closed here or a write failed on it; a client that does not read cannot see the
     * server's close otherwise (ask the server).
     */
    public final CompletableFuture<Void> closed = new CompletableFuture<>();
    /** Completes when the case has sent all it was to send (never for a stall: it sends once and waits). */
    public final CompletableFuture<Void> sent = new CompletableFuture<>();
    private final Channel channel;
    private final AtomicLong bytesSent = new AtomicLong();
    private final Random random = new Random(13);
    private Case running;
    private long budget;
    private long nextId = 1;
    private int targetPort;

    private HostileClient(EventLoopGroup group, InetSocketAddress server) throws Exception {
        channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.SO_RCVBUF, 4096) // a small window: the server's replies stay on its side
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(RawTlsClient.CLIENT_TLS.newHandler(ch.alloc(), "127.0.0.1",
                                server.getPort()));
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ReferenceCountUtil.release(msg);
                            }

                            @Override
                            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                                if (ctx.channel().isWritable()) {
                                    pump();
                                }
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                closed.complete(null);
                                sent.complete(null);
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                    }
                })
                .connect(server).sync().channel();
        channel.pipeline().get(SslHandler.class).handshakeFuture().sync();
        channel.config().setAutoRead(false); // never read again
    }

    /** Connects and completes the TLS handshake; nothing of AnyTLS is sent yet. */
    public static HostileClient connect(EventLoopGroup group, InetSocketAddress server) throws Exception {
        return new HostileClient(group, server);
    }

    /**
     * Authenticates with {@code password} and runs {@code c} until {@code bytes} have been sent (a stall sends its
     * partial frame once). {@code targetPort} is the 127.0.0.1 port of {@link Case#TINY_FRAMES}' stream.
     */
    public HostileClient run(Case c, String password, long bytes, int targetPort) {
        channel.eventLoop().execute(() -> {
            running = c;
            budget = bytes;
            this.targetPort = targetPort;
            write(opening(c, password));
            if (c == Case.MID_FRAME_STALL) {
                channel.flush();
                sent.complete(null);
            } else {
                pump();
            }
        });
        return this;
    }

    /** This end's address: the server sees it as the peer's. */
    public java.net.SocketAddress localAddress() {
        return channel.localAddress();
    }

    public long bytesSent() {
        return bytesSent.get();
    }

    private byte[] opening(Case c, String password) {
        byte[] auth = preamble(password, 0);
        String md5 = PaddingScheme.DEFAULT.md5Hex();
        return switch (c) {
            case RANDOM_BYTES, SETTINGS_FLOOD -> auth;
            case MID_FRAME_STALL -> {
                byte[] partial = new byte[Frame.HEADER_LENGTH + 100];
                partial[0] = (byte) Command.PSH;
                partial[4] = 1;
                partial[5] = (byte) 0xFF;
                partial[6] = (byte) 0xFF;
                yield concat(auth, settings("v=2\npadding-md5=" + md5), partial);
            }
            case TINY_FRAMES -> concat(auth, settings("v=2\npadding-md5=" + md5), frame(Command.SYN, 1),
                    frame(Command.PSH, 1, RawTlsClient.ipv4(targetPort)));
            default -> concat(auth, settings("v=2\npadding-md5=" + md5));
        };
    }

    /** Writes chunks while the channel is writable and budget remains. On the event loop. */
    private void pump() {
        if (running == null || running == Case.MID_FRAME_STALL || sent.isDone()) {
            return;
        }
        while (channel.isActive() && channel.isWritable() && bytesSent.get() < budget) {
            write(chunk(running));
        }
        channel.flush();
        if (bytesSent.get() >= budget) {
            sent.complete(null);
        }
    }

    private void write(byte[] bytes) {
        bytesSent.addAndGet(bytes.length);
        channel.write(Unpooled.wrappedBuffer(bytes), channel.voidPromise());
    }

    private byte[] chunk(Case c) {
        ByteBuf b = Unpooled.buffer(CHUNK + Frame.MAX_DATA_LENGTH);
        try {
            switch (c) {
                case HEART_FLOOD -> fill(b, Command.HEART_REQUEST, 0);
                case SYN_FLOOD -> {
                    while (b.readableBytes() + Frame.HEADER_LENGTH <= CHUNK) {
                        FrameEncoder.writeHeader(b, Command.SYN, nextId++, 0);
                    }
                }
                case SETTINGS_FLOOD -> {
                    StringBuilder text = new StringBuilder("v=2\npadding-md5=").append(Long.toHexString(nextId++));
                    for (int i = 0; text.length() < Frame.MAX_DATA_LENGTH - 20; i++) {
                        text.append("\nk").append(i).append("=v");
                    }
                    byte[] data = text.toString().getBytes(StandardCharsets.UTF_8);
                    FrameEncoder.writeHeader(b, Command.SETTINGS, 0, data.length);
                    b.writeBytes(data);
                }
                case RANDOM_BYTES -> {
                    byte[] noise = new byte[CHUNK];
                    random.nextBytes(noise);
                    b.writeBytes(noise);
                }
                case PSH_UNKNOWN -> {
                    while (b.readableBytes() + Frame.HEADER_LENGTH + 1024 <= CHUNK) {
                        FrameEncoder.writeHeader(b, Command.PSH, 1_000_000 + (nextId++ & 0xFFFF), 1024);
                        b.writeZero(1024);
                    }
                }
                case TINY_FRAMES -> {
                    while (b.readableBytes() + 2 * Frame.HEADER_LENGTH + 1 <= CHUNK) {
                        FrameEncoder.writeHeader(b, Command.WASTE, 0, 0);
                        FrameEncoder.writeHeader(b, Command.PSH, 1, 1);
                        b.writeByte('x');
                    }
                }
                default -> throw new IllegalStateException(c.name());
            }
            byte[] out = new byte[b.readableBytes()];
            b.readBytes(out);
            return out;
        } finally {
            b.release();
        }
    }

    private static void fill(ByteBuf b, int command, long sid) {
        while (b.readableBytes() + Frame.HEADER_LENGTH <= CHUNK) {
            FrameEncoder.writeHeader(b, command, sid, 0);
        }
    }

    /** Resets the connection: no close_notify that would wait on a server that stopped reading. */
    @Override
    public void close() {
        channel.eventLoop().submit(() -> {
            if (channel.pipeline().get(SslHandler.class) != null) {
                channel.pipeline().remove(SslHandler.class);
            }
            if (channel.isActive()) {
                channel.config().setOption(ChannelOption.SO_LINGER, 0);
            }
            return channel.close();
        }).syncUninterruptibly();
        channel.closeFuture().syncUninterruptibly();
    }
}
