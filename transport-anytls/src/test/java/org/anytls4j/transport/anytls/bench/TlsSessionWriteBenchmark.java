package org.anytls4j.transport.anytls.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The client session's write path through a real {@code SslHandler} (OpenSSL when netty-tcnative loads, else the
 * JDK; TLS 1.3), after padding stopped: a stream's {@code writeAndFlush} of {@code payload} bytes down to the
 * encrypted bytes. Unlike {@link ClientSessionWriteBenchmark} this sees how the session's writes become TLS
 * records; {@link #tearDown} prints the records and wire bytes of one write.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class TlsSessionWriteBenchmark {
    @Param({"1024", "16384", "65536"})
    public int payload;

    private EmbeddedChannel client;
    private EmbeddedChannel server;
    private Channel stream;
    private ByteBuf data;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        SelfSignedCertificate cert = new SelfSignedCertificate("bench.local");
        SslContext serverContext = SslContextBuilder.forServer(cert.key(), cert.cert()).sslProvider(provider)
                .protocols("TLSv1.3").build();
        SslContext clientContext = SslContextBuilder.forClient().sslProvider(provider).protocols("TLSv1.3")
                .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        client = new EmbeddedChannel(clientContext.newHandler(PooledByteBufAllocator.DEFAULT));
        server = new EmbeddedChannel(serverContext.newHandler(PooledByteBufAllocator.DEFAULT));
        SslHandler tls = client.pipeline().get(SslHandler.class);
        for (int i = 0; i < 100 && !tls.handshakeFuture().isDone(); i++) {
            pump(client, server);
            pump(server, client);
        }
        if (!tls.handshakeFuture().isSuccess()) {
            throw new IllegalStateException("handshake did not finish", tls.handshakeFuture().cause());
        }
        System.out.println("\nTLS engine: " + provider + " " + tls.engine().getSession().getProtocol() + " "
                + tls.engine().getSession().getCipherSuite());
        stream = ClientSessionWriteBenchmark.open(client, PaddingScheme.DEFAULT, new SplittableRandom(1));
        ByteBuf small = PooledByteBufAllocator.DEFAULT.directBuffer(16).writeZero(16);
        for (int i = 0; i < 8; i++) { // past the default scheme's stop
            stream.writeAndFlush(small.retainedDuplicate());
        }
        small.release();
        ClientSessionWriteBenchmark.drain(client);
        data = PooledByteBufAllocator.DEFAULT.directBuffer(payload).writeZero(payload);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        stream.writeAndFlush(data.retainedDuplicate());
        int records = 0;
        long bytes = 0;
        Object msg;
        while ((msg = client.readOutbound()) != null) {
            ByteBuf buf = (ByteBuf) msg;
            for (int at = buf.readerIndex(); at + 5 <= buf.writerIndex(); at += 5 + buf.getUnsignedShort(at + 3)) {
                records++;
            }
            bytes += buf.readableBytes();
            buf.release();
        }
        System.out.printf("%nOne write of %d bytes: %d TLS records, %d wire bytes%n", payload, records, bytes);
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
        data.release();
    }

    /** One write of {@code payload} bytes after padding stopped; returns the encrypted bytes. */
    @Benchmark
    public long write() {
        stream.writeAndFlush(data.retainedDuplicate());
        return ClientSessionWriteBenchmark.drain(client);
    }

    private static void pump(EmbeddedChannel from, EmbeddedChannel to) {
        Object msg;
        while ((msg = from.readOutbound()) != null) {
            to.writeInbound(msg);
        }
        to.runPendingTasks();
    }
}
