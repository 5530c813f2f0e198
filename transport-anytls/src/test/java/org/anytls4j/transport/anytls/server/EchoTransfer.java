package org.anytls4j.transport.anytls.server;

import com.typesafe.config.Config;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.Destination;
import org.anytls4j.api.NettyResources;
import org.anytls4j.api.outbound.Session;
import org.anytls4j.transport.anytls.AnytlsTransportFactory;
import org.anytls4j.transport.anytls.TestContext;
import org.anytls4j.transport.anytls.client.AnytlsSessionConnector;

/**
 * A well-behaved client beside the hostile ones: our AnyTLS client opens one stream through the server to an
 * echo server on 127.0.0.1, sends random bytes (honouring the stream's writability) and checks that exactly the
 * same bytes come back.
 */
final class EchoTransfer {
    private EchoTransfer() {
    }

    /**
     * Runs one transfer of {@code size} bytes; the future completes with the elapsed nanoseconds once every byte
     * came back equal, or fails (a difference, a closed stream, or {@code timeoutSeconds}).
     */
    static CompletableFuture<Long> run(NettyResources netty, InetSocketAddress server, int echoPort, int size,
            long timeoutSeconds) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        byte[] payload = new byte[size];
        new Random(size).nextBytes(payload);
        TestContext context = TestContext.client("legit", netty);
        Config block = TestContext.outboundBlock("server = \"127.0.0.1\", server_port = " + server.getPort()
                + ", password = " + ServerHarness.PASSWORD + ", tls { insecure = true }");
        AnytlsSessionConnector connector = (AnytlsSessionConnector) new AnytlsTransportFactory().create(block,
                context);
        long started = System.nanoTime();
        connector.connect(() -> 1)
                .thenCompose(session -> session.openStream(new Destination("127.0.0.1", echoPort))
                        .thenAccept(stream -> {
                            Receiver receiver = new Receiver(payload, result, started);
                            stream.pipeline().addLast(receiver);
                            stream.config().setAutoRead(true); // a stream delivers nothing until its owner reads
                            stream.eventLoop().execute(() -> receiver.writeMore(stream));
                        })
                        .whenComplete((v, e) -> result.whenComplete((r, f) -> session.close(CloseReason.SHUTDOWN))))
                .whenComplete((v, e) -> {
                    if (e != null) {
                        result.completeExceptionally(e);
                    }
                });
        result.orTimeout(timeoutSeconds, TimeUnit.SECONDS).whenComplete((r, e) -> {
            connector.close();
            context.close();
        });
        return result;
    }

    /** Writes the payload while the stream is writable and compares what comes back. */
    private static final class Receiver extends ChannelInboundHandlerAdapter {
        private final byte[] payload;
        private final byte[] received;
        private final CompletableFuture<Long> result;
        private final long started;
        private int sent;
        private int got;

        Receiver(byte[] payload, CompletableFuture<Long> result, long started) {
            this.payload = payload;
            this.received = new byte[payload.length];
            this.result = result;
            this.started = started;
        }

        void writeMore(Channel ch) {
            while (sent < payload.length && ch.isWritable()) {
                int n = Math.min(1 << 16, payload.length - sent);
                int offset = sent;
                sent += n; // before the write: a write may re-enter here through channelWritabilityChanged
                ch.write(Unpooled.wrappedBuffer(payload, offset, n));
            }
            ch.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            writeMore(ctx.channel());
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            try {
                int n = Math.min(b.readableBytes(), received.length - got);
                b.readBytes(received, got, n);
                got += n;
            } finally {
                b.release();
            }
            if (got == received.length) {
                if (Arrays.equals(payload, received)) {
                    result.complete(System.nanoTime() - started);
                } else {
                    result.completeExceptionally(new AssertionError("the echoed bytes differ from those sent, first"
                            + " at offset " + Arrays.mismatch(payload, received) + " of " + payload.length));
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.completeExceptionally(new IllegalStateException("stream closed after " + got + " bytes"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.completeExceptionally(cause);
        }
    }
}
