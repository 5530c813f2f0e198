package org.anytls4j.transport.anytls.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.Session;
import org.anytls4j.transport.anytls.AnytlsTransportFactory;
import org.anytls4j.transport.anytls.TestContext;
import org.anytls4j.transport.anytls.client.AnytlsSessionConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Our client through our server over real TLS on 127.0.0.1: an HTTP exchange and 256 MiB each way. */
@Timeout(300)
class ClientServerTransferTest {
    private ServerHarness server;
    private TestContext clientContext;
    private AnytlsSessionConnector connector;

    @BeforeEach
    void start() throws Exception {
        server = ServerHarness.start("");
        Config block = TestContext.outboundBlock("server = \"127.0.0.1\", server_port = "
                + server.address.getPort() + ", password = " + ServerHarness.PASSWORD + ", tls { insecure = true }");
        clientContext = TestContext.client("e2e", server.netty);
        connector = (AnytlsSessionConnector) new AnytlsTransportFactory().create(block, clientContext);
    }

    @AfterEach
    void stop() throws Exception {
        connector.close();
        clientContext.close();
        server.close();
    }

    private Session session() throws Exception {
        return connector.connect(() -> 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void httpRequestThroughClientAndServerReturnsTheWholeBody() throws Exception {
        byte[] body = new byte[1 << 20];
        new Random(7).nextBytes(body);
        Channel web = TestServers.http(server.netty.workerGroup(), body, null);
        try {
            Session session = session();
            Channel stream = session.openStream(new Destination("127.0.0.1", TestServers.port(web)))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            CompletableFuture<Void> ended = new CompletableFuture<>();
            stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ByteBuf b = (ByteBuf) msg;
                    response.writeBytes(ByteBufUtil.getBytes(b));
                    b.release();
                }

                @Override
                public void channelInactive(ChannelHandlerContext ctx) {
                    ended.complete(null); // the web server closed: the server's FIN ended the stream
                }
            });
            stream.config().setAutoRead(true); // a stream delivers nothing until its owner reads
            stream.writeAndFlush(Unpooled.copiedBuffer("GET /file HTTP/1.1\r\nHost: local\r\n\r\n",
                    StandardCharsets.US_ASCII));
            ended.get(30, TimeUnit.SECONDS);
            byte[] all = response.toByteArray();
            String head = new String(all, 0, 200, StandardCharsets.ISO_8859_1);
            assertThat(head).startsWith("HTTP/1.1 200 OK").contains("Content-Length: " + body.length);
            assertThat(Arrays.copyOfRange(all, head.indexOf("\r\n\r\n") + 4, all.length)).isEqualTo(body);
            session.close(CloseReason.SHUTDOWN);
        } finally {
            web.close().sync();
        }
    }

    /**
     * 256 MiB each way through one stream to an echo server, CRC32 on both ends; the writer honours the stream's
     * writability, so both relays' back-pressure is exercised.
     */
    @Test
    void twoHundredFiftySixMebibytesEachWayKeepEveryByte() throws Exception {
        long total = Long.getLong("anytls4j.test.bulkBytes", 256L << 20);
        Channel echo = TestServers.echo(server.netty.workerGroup());
        try {
            Session session = session();
            Channel stream = session.openStream(new Destination("127.0.0.1", TestServers.port(echo)))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            Bulk bulk = new Bulk(total);
            long started = System.nanoTime();
            stream.pipeline().addLast(bulk);
            stream.config().setAutoRead(true);
            stream.eventLoop().execute(() -> bulk.writeMore(stream));
            bulk.done.get(240, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("client->server->echo: %d MiB each way in %.2f s (%.0f MiB/s per direction)%n",
                    total >> 20, seconds, (total >> 20) / seconds);
            assertThat(bulk.received).isEqualTo(total);
            assertThat(bulk.receivedCrc.getValue()).isEqualTo(bulk.sentCrc.getValue());
            session.close(CloseReason.SHUTDOWN);
        } finally {
            echo.close().sync();
        }
    }

    /** Writes {@code total} reorder-sensitive bytes while the stream is writable, and checksums what comes back. */
    private static final class Bulk extends ChannelInboundHandlerAdapter {
        private static final int CHUNK = 1 << 16;
        private static final int PERIOD = 65521; // prime: consecutive chunks differ
        private final byte[] pattern = new byte[PERIOD + CHUNK];
        private final long total;
        final CRC32 sentCrc = new CRC32();
        final CRC32 receivedCrc = new CRC32();
        long sent;
        long received;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Bulk(long total) {
            this.total = total;
            new Random(42).nextBytes(pattern);
        }

        void writeMore(Channel ch) {
            while (sent < total && ch.isWritable()) {
                int n = (int) Math.min(CHUNK, total - sent);
                int offset = (int) (sent % PERIOD);
                sentCrc.update(pattern, offset, n);
                sent += n; // before the write: a write may re-enter here through channelWritabilityChanged
                ch.write(Unpooled.wrappedBuffer(pattern, offset, n));
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
                received += b.readableBytes();
                receivedCrc.update(b.nioBuffer());
            } finally {
                b.release();
            }
            if (received >= total) {
                done.complete(null);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new IllegalStateException("stream closed after " + received + " bytes"));
        }
    }
}
