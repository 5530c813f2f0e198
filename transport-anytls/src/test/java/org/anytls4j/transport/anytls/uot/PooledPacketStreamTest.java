package org.anytls4j.transport.anytls.uot;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.anytls4j.api.Destination;
import org.anytls4j.api.Ticker;
import org.anytls4j.api.outbound.Packet;
import org.anytls4j.core.pool.PoolEnvironment;
import org.anytls4j.core.pool.SessionPool;
import org.anytls4j.core.relay.LeakCheck;
import org.anytls4j.testkit.PoolConfigs;
import org.anytls4j.transport.anytls.AnytlsTransportFactory;
import org.anytls4j.transport.anytls.TestContext;
import org.anytls4j.transport.anytls.client.AnytlsSessionConnector;
import org.anytls4j.transport.anytls.server.ServerHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pooled outbound's packet channel over the real client and server: a UoT v2 stream placed on a pooled
 * session, counted as one of its streams while it is open, that carries {@link Packet}s to a UDP echo and back,
 * each reply naming its source.
 */
@ExtendWith(LeakCheck.class)
@Timeout(60)
class PooledPacketStreamTest {
    @Test
    void packetsGoThroughAPooledSessionAndTheSessionIsReleasedWhenTheStreamCloses() throws Exception {
        try (ServerHarness server = ServerHarness.start("")) {
            Channel echo = new Bootstrap().group(server.netty.workerGroup()).channel(NioDatagramChannel.class)
                    .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                            ctx.writeAndFlush(new DatagramPacket(p.content().retain(), p.sender()));
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            Destination echoAt = new Destination("127.0.0.1", ((InetSocketAddress) echo.localAddress()).getPort());
            TestContext context = TestContext.client("udp", server.netty);
            AnytlsSessionConnector connector = (AnytlsSessionConnector) new AnytlsTransportFactory().create(
                    TestContext.outboundBlock("server = \"127.0.0.1\", server_port = " + server.address.getPort()
                            + ", password = " + ServerHarness.PASSWORD + ", tls { insecure = true }"), context);
            SessionPool pool = SessionPool.create("udp", PoolConfigs.withDefaults(ConfigFactory.empty()), connector,
                    List.of(), List.of(), new PoolEnvironment(Ticker.SYSTEM, context.scheduler(),
                            context.meterRegistry(), () -> new SplittableRandom(1), factory -> context));
            try {
                pool.start();
                Channel packets = pool.openPackets(server.netty.workerGroup().next())
                        .toCompletableFuture().get(10, TimeUnit.SECONDS);
                assertThat(pool.snapshot().busy()).hasSize(1);
                LinkedBlockingQueue<String> replies = new LinkedBlockingQueue<>();
                packets.pipeline().addLast(new SimpleChannelInboundHandler<Packet>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, Packet packet) {
                        replies.add(packet.peer() + " " + packet.content().toString(StandardCharsets.UTF_8));
                    }
                });
                packets.config().setAutoRead(true); // handed out with autoRead off
                for (String text : List.of("one", "two")) {
                    packets.writeAndFlush(new Packet(echoAt, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)))
                            .sync();
                    assertThat(replies.poll(10, TimeUnit.SECONDS)).isEqualTo(echoAt + " " + text);
                }
                packets.close().sync();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (pool.snapshot().idle().size() != 1 && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // polls the release, not a sync
                }
                assertThat(pool.snapshot().idle()).as("released to the pool").hasSize(1);
                assertThat(pool.snapshot().busy()).isEmpty();
            } finally {
                pool.close();
                connector.close();
                context.close();
                echo.close().sync();
            }
        }
    }
}
