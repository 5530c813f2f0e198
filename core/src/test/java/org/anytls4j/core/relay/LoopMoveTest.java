package org.anytls4j.core.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link LoopMove} on real sockets: a connection that moves loses none of the bytes its peer sent before or during
 * the move and reads them on its new loop; one that cannot move stays; its callback runs exactly once, also when
 * the connection is closed while it moves.
 */
@ExtendWith(LeakCheck.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LoopMoveTest {
    private final EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final EventLoopGroup other = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final BlockingQueue<Channel> accepted = new LinkedBlockingQueue<>();
    private Channel server;

    @BeforeAll
    void listen() throws Exception {
        server = new ServerBootstrap().group(workers).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepted.add(ch);
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    @AfterAll
    void close() {
        server.close().syncUninterruptibly();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        other.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A client connected to the test server; returns the server's side of it (reads off). */
    private Channel connect(Channel[] client) throws Exception {
        client[0] = new Bootstrap().group(other).channel(NioSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(server.localAddress()).sync().channel();
        Channel ch = accepted.poll(10, TimeUnit.SECONDS);
        assertThat(ch).isNotNull();
        return ch;
    }

    private static EventLoop otherLoopThan(Channel ch, EventLoopGroup group) {
        for (var e : group) {
            if (e != ch.eventLoop()) {
                return (EventLoop) e;
            }
        }
        throw new AssertionError("one loop only");
    }

    @Test
    void aMovedConnectionReadsWhatWasSentBeforeAndDuringTheMoveOnItsNewLoop() throws Exception {
        Channel[] client = new Channel[1];
        Channel ch = connect(client);
        EventLoop target = otherLoopThan(ch, workers);
        client[0].writeAndFlush(Unpooled.copiedBuffer("before ", StandardCharsets.US_ASCII)).sync();
        CompletableFuture<Throwable> moved = new CompletableFuture<>();
        AtomicReference<Boolean> onTarget = new AtomicReference<>();
        ch.eventLoop().execute(() -> LoopMove.moveTo(ch, target, workers, cause -> {
            onTarget.set(target.inEventLoop());
            moved.complete(cause);
        }));
        client[0].writeAndFlush(Unpooled.copiedBuffer("during", StandardCharsets.US_ASCII)).sync();
        assertThat(moved.get(10, TimeUnit.SECONDS)).isNull();
        assertThat(onTarget.get()).as("the callback ran on the target loop").isTrue();
        assertThat(ch.eventLoop()).isSameAs(target);

        StringBuilder read = new StringBuilder();
        CompletableFuture<String> all = new CompletableFuture<>();
        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                assertThat(ctx.channel().eventLoop().inEventLoop()).isTrue();
                read.append(((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
                ((ByteBuf) msg).release();
                if (read.toString().equals("before during")) {
                    all.complete(read.toString());
                }
            }
        });
        ch.config().setAutoRead(true);
        assertThat(all.get(10, TimeUnit.SECONDS)).isEqualTo("before during");
        ch.writeAndFlush(Unpooled.copiedBuffer("answer", StandardCharsets.US_ASCII)).sync(); // writes work there too
        ch.close().sync();
        client[0].close().sync();
    }

    @Test
    void aConnectionThatIsReadingOrOutsideTheGroupOrAlreadyThereStaysAndTheCallbackRunsAtOnce() throws Exception {
        Channel[] client = new Channel[1];
        Channel ch = connect(client);
        EventLoop own = ch.eventLoop();
        AtomicInteger calls = new AtomicInteger();
        ch.eventLoop().submit(() -> {
            LoopMove.moveTo(ch, own, workers, cause -> calls.incrementAndGet()); // already there
            LoopMove.moveTo(ch, other.next(), workers, cause -> calls.incrementAndGet()); // not one of the workers
            ch.config().setAutoRead(true);
            LoopMove.moveTo(ch, otherLoopThan(ch, workers), workers, cause -> calls.incrementAndGet()); // reading
        }).sync();
        assertThat(calls).hasValue(3);
        assertThat(ch.eventLoop()).isSameAs(own);
        ch.close().sync();
        client[0].close().sync();
    }

    @Test
    void aConnectionClosedWhileItMovesEndsClosedAndTheCallbackRunsOnce() throws Exception {
        for (int i = 0; i < 20; i++) {
            boolean closeBehindDeregistration = i % 2 == 0;
            Channel[] client = new Channel[1];
            Channel ch = connect(client);
            EventLoop target = otherLoopThan(ch, workers);
            AtomicInteger calls = new AtomicInteger();
            CompletableFuture<Void> called = new CompletableFuture<>();
            ch.eventLoop().execute(() -> {
                LoopMove.moveTo(ch, target, workers, cause -> {
                    calls.incrementAndGet();
                    called.complete(null);
                });
                if (closeBehindDeregistration) {
                    ch.close(); // right behind the deregistration
                } else {
                    target.execute(ch::close); // racing the registration on the target
                }
            });
            called.get(10, TimeUnit.SECONDS);
            ch.closeFuture().await(10, TimeUnit.SECONDS);
            assertThat(ch.isOpen()).isFalse();
            assertThat(calls).hasValue(1);
            client[0].closeFuture().await(10, TimeUnit.SECONDS);
            assertThat(client[0].isActive()).as("the peer saw the close").isFalse();
        }
    }
}
