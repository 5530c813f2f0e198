package org.anytls4j.transport.anytls.client;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.anytls4j.core.inbound.TestNetty;
import org.anytls4j.transport.anytls.tls.SelfSignedCertificate;

/**
 * A plain TLS server on 127.0.0.1 (not AnyTLS) that records the client's TLS records: a handler in front of
 * its {@link SslHandler} parses the 5-byte header of every record the client sent, and a handler behind it keeps
 * the decrypted bytes. It never answers at the AnyTLS level. One connection at a time is recorded.
 */
final class RecordingTlsServer implements AutoCloseable {
    /** A TLS record header: content type and length. */
    record RecordHeader(int contentType, int length) {
    }

    private static final SelfSignedCertificate CERTIFICATE = SelfSignedCertificate.generate("localhost");
    final SelfSignedCertificate certificate = CERTIFICATE;
    final List<RecordHeader> records = new ArrayList<>();
    private final Channel server;
    private final ByteBuf decrypted = Unpooled.buffer();
    private volatile SslHandler ssl;
    private long waitedFor = Long.MAX_VALUE;
    private CompletableFuture<Void> received = new CompletableFuture<>();

    /**
     * @param protocol  the only TLS version offered, {@code TLSv1.3} or {@code TLSv1.2}
     * @param cipher    the only cipher suite offered
     */
    RecordingTlsServer(TestNetty netty, String protocol, String cipher) throws Exception {
        this(netty, SslContextBuilder.forServer(certificate().keyPair().getPrivate(), CERTIFICATE.certificate())
                .sslProvider(SslProvider.JDK)
                .protocols(protocol)
                .ciphers(List.of(cipher))
                .build());
    }

    /** A server with the given context, which must use {@link #certificate()}. */
    RecordingTlsServer(TestNetty netty, SslContext context) throws Exception {
        server = new ServerBootstrap()
                .group(netty.bossGroup(), netty.workerGroup())
                .channel(netty.serverSocketChannelClass())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ssl = context.newHandler(ch.alloc());
                        ch.pipeline().addLast(new HeaderRecorder(), ssl, new Collector());
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    /** The server's certificate (SAN localhost and 127.0.0.1), shared by all instances. */
    static SelfSignedCertificate certificate() {
        return CERTIFICATE;
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** The protocol the last connection negotiated. */
    String negotiatedProtocol() {
        return ssl.engine().getSession().getProtocol();
    }

    /** The SNI host names the last client sent (empty when it sent no SNI extension). */
    List<String> requestedServerNames() {
        return ((javax.net.ssl.ExtendedSSLSession) ssl.engine().getSession()).getRequestedServerNames().stream()
                .map(n -> ((javax.net.ssl.SNIHostName) n).getAsciiName()).toList();
    }

    /** The ALPN protocol the last connection selected, or null. */
    String applicationProtocol() {
        return ssl.applicationProtocol();
    }

    /** Completes once at least {@code bytes} decrypted bytes arrived. */
    synchronized CompletableFuture<Void> whenReceived(long bytes) {
        waitedFor = bytes;
        received = new CompletableFuture<>();
        if (decrypted.readableBytes() >= bytes) {
            received.complete(null);
        }
        return received;
    }

    /** Application-data records (content type 23) seen so far. */
    synchronized List<Integer> applicationDataLengths() {
        return records.stream().filter(r -> r.contentType() == 23).map(RecordHeader::length).toList();
    }

    synchronized byte[] decryptedBytes() {
        byte[] out = new byte[decrypted.readableBytes()];
        decrypted.getBytes(decrypted.readerIndex(), out);
        return out;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        synchronized (this) {
            decrypted.release();
        }
    }

    /** Parses record headers out of the raw byte stream and passes the bytes on untouched. */
    private final class HeaderRecorder extends ChannelInboundHandlerAdapter {
        private final ByteBuf pending = Unpooled.buffer();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            pending.writeBytes(in, in.readerIndex(), in.readableBytes());
            while (pending.readableBytes() >= 5) {
                int length = pending.getUnsignedShort(pending.readerIndex() + 3);
                if (pending.readableBytes() < 5 + length) {
                    break;
                }
                synchronized (RecordingTlsServer.this) {
                    records.add(new RecordHeader(pending.getUnsignedByte(pending.readerIndex()), length));
                }
                pending.skipBytes(5 + length);
            }
            pending.discardReadBytes();
            ctx.fireChannelRead(in);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            pending.release();
        }
    }

    /** Keeps what TLS decrypted. */
    private final class Collector extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                synchronized (RecordingTlsServer.this) {
                    decrypted.writeBytes(in);
                    if (decrypted.readableBytes() >= waitedFor) {
                        received.complete(null);
                    }
                }
            } finally {
                in.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
