package org.anytls4j.transport.anytls.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.Frame;
import org.anytls4j.transport.anytls.frame.FrameDecoder;
import org.anytls4j.transport.anytls.frame.FrameEncoder;
import org.anytls4j.transport.anytls.frame.WholeFrames;

/**
 * A scripted AnyTLS client for server tests: it speaks raw bytes and frames over real TLS, sends
 * each {@link #sendRecord} as exactly one TLS record, and queues every frame the server sends (in raw mode it
 * collects the bytes instead).
 */
public final class RawTlsClient implements AutoCloseable {
    /** A TLS client context that trusts any certificate (the test servers' are self-signed). */
    static final SslContext CLIENT_TLS;

    static {
        try {
            CLIENT_TLS = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    /** Bytes received in raw mode (no frame decoding), e.g. a fallback's answer. */
    private final java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
    /** If set, sees every frame first; returns true when it consumed (and released) the frame. */
    public volatile java.util.function.Predicate<Frame> tap;
    /** Completes when the channel closes. */
    public final CompletableFuture<Void> closed = new CompletableFuture<>();
    /** Completes when the server's close_notify arrives. */
    public final CompletableFuture<Void> closeNotify = new CompletableFuture<>();
    private final Channel channel;
    private final java.io.ByteArrayOutputStream ciphertext = new java.io.ByteArrayOutputStream();

    private RawTlsClient(EventLoopGroup group, InetSocketAddress server, boolean rawMode) throws Exception {
        channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                io.netty.buffer.ByteBuf b = (io.netty.buffer.ByteBuf) msg;
                                synchronized (ciphertext) {
                                    ciphertext.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(b));
                                }
                                ctx.fireChannelRead(msg);
                            }
                        });
                        ch.pipeline().addLast(CLIENT_TLS.newHandler(ch.alloc(), "127.0.0.1", server.getPort()));
                        if (!rawMode) {
                            ch.pipeline().addLast(new FrameDecoder(), new WholeFrames()); // frames as sent
                        }
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                java.util.function.Predicate<Frame> t = tap;
                                if (msg instanceof Frame f) {
                                    if (t == null || !t.test(f)) {
                                        frames.add(f);
                                    }
                                } else if (msg instanceof io.netty.buffer.ByteBuf b) {
                                    synchronized (raw) {
                                        raw.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(b));
                                    }
                                    b.release();
                                } else {
                                    ReferenceCountUtil.release(msg);
                                }
                            }

                            @Override
                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                if (evt instanceof SslCloseCompletionEvent) {
                                    closeNotify.complete(null);
                                }
                                ctx.fireUserEventTriggered(evt);
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                closed.complete(null);
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                    }
                })
                .connect(server).sync().channel();
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl != null) {
            ssl.handshakeFuture().sync();
        }
    }

    public static RawTlsClient connect(EventLoopGroup group, InetSocketAddress server) throws Exception {
        return new RawTlsClient(group, server, false);
    }

    /** A client that does not decode frames: {@link #rawReceived()} holds what the server sent. */
    public static RawTlsClient connectRaw(EventLoopGroup group, InetSocketAddress server) throws Exception {
        return new RawTlsClient(group, server, true);
    }

    /** How many ciphertext bytes the server has sent so far (a mark for {@link #recordLengthsSince}). */
    public int ciphertextReceived() {
        synchronized (ciphertext) {
            return ciphertext.size();
        }
    }

    /**
     * The length fields of the TLS records the server sent from ciphertext offset {@code mark} on (a record
     * boundary, e.g. a value of {@link #ciphertextReceived()} taken while the connection was quiet).
     */
    public java.util.List<Integer> recordLengthsSince(int mark) {
        byte[] all;
        synchronized (ciphertext) {
            all = ciphertext.toByteArray();
        }
        java.util.List<Integer> lengths = new java.util.ArrayList<>();
        for (int i = mark; i + 5 <= all.length; ) {
            int length = ((all[i + 3] & 0xFF) << 8) | (all[i + 4] & 0xFF);
            lengths.add(length);
            i += 5 + length;
        }
        return lengths;
    }

    /** The record overhead of the negotiated protocol: TLS 1.3 adds a content type byte and a 16-byte tag. */
    public int recordOverhead() {
        String protocol = channel.pipeline().get(SslHandler.class).engine().getSession().getProtocol();
        return protocol.equals("TLSv1.3") ? 1 + 16 : 8 + 16;
    }

    public byte[] rawReceived() {
        synchronized (raw) {
            return raw.toByteArray();
        }
    }

    public Channel channel() {
        return channel;
    }

    /** Sends {@code bytes} as one write and flush: one TLS record when it fits 16 KiB. */
    public void sendRecord(byte[] bytes) throws InterruptedException {
        channel.writeAndFlush(Unpooled.wrappedBuffer(bytes)).sync();
    }

    /** The next frame the server sent; fails after {@code timeout}. The caller releases it. */
    public Frame next(Duration timeout) throws InterruptedException {
        Frame f = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(f).as("a frame from the server within %s", timeout).isNotNull();
        return f;
    }

    /** The next frame, checked for command and stream id, returning its data as text; released here. */
    public String expect(int command, long sid) throws InterruptedException {
        Frame f = next(Duration.ofSeconds(10));
        try {
            assertThat(Command.name(f.command()) + " sid=" + f.streamId())
                    .isEqualTo(Command.name(command) + " sid=" + sid);
            return f.data().toString(StandardCharsets.UTF_8);
        } finally {
            f.release();
        }
    }

    /** Sends TLS close_notify and keeps the TCP connection open, as the conformance probe does. */
    public void sendCloseNotify() throws InterruptedException {
        channel.pipeline().get(SslHandler.class).closeOutbound().sync();
    }

    /** Frames received and not yet taken. */
    public int pending() {
        return frames.size();
    }

    /** Waits for the server to close the connection, and checks it sent no frame (other than those taken). */
    public void expectClosedSilently(Duration timeout) throws Exception {
        closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(frames).as("frames sent before the close").isEmpty();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        Frame f;
        while ((f = frames.poll()) != null) {
            f.release();
        }
    }

    // ---- building bytes ------------------------------------------------------------------------------------

    public static byte[] sha256(String password) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The authentication preamble: hash, u16 padding length, that many zero bytes. */
    public static byte[] preamble(String password, int padding) {
        ByteBuf b = Unpooled.buffer();
        b.writeBytes(sha256(password)).writeShort(padding).writeZero(padding);
        return bytes(b);
    }

    public static byte[] frame(int command, long sid, byte[] data) {
        ByteBuf b = Unpooled.buffer();
        FrameEncoder.writeHeader(b, command, sid, data.length);
        b.writeBytes(data);
        return bytes(b);
    }

    public static byte[] frame(int command, long sid) {
        return frame(command, sid, new byte[0]);
    }

    public static byte[] settings(String text) {
        return frame(Command.SETTINGS, 0, text.getBytes(StandardCharsets.UTF_8));
    }

    /** SOCKS address of 127.0.0.1:port. */
    public static byte[] ipv4(int port) {
        return new byte[] {1, 127, 0, 0, 1, (byte) (port >> 8), (byte) port};
    }

    public static byte[] concat(byte[]... parts) {
        ByteBuf b = Unpooled.buffer();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return bytes(b);
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }
}
