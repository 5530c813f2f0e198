package org.anytls4j.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.inbound.ListenerGuard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * An Error on one of the host's event loops reaches {@link FatalErrors} and halts, here through a recording halter
 * so that the test JVM survives: thrown by a channel handler and left to Netty, raised by the read loop of an
 * accepted connection, thrown by a task.
 */
@Timeout(30)
class FatalErrorsTest {
    private final CompletableFuture<Integer> halted = new CompletableFuture<>();
    private final FatalErrors fatal = new FatalErrors(halted::complete);
    private final DefaultNettyResources netty = new DefaultNettyResources(fatal);
    private final NettyErrorWatch watch = new NettyErrorWatch(fatal);
    private Channel server;

    @AfterEach
    void close() {
        ((LoggerContext) LoggerFactory.getILoggerFactory()).getTurboFilterList().remove(watch);
        if (server != null) {
            server.close().syncUninterruptibly();
        }
        netty.close();
    }

    private void watchNetty() {
        watch.start();
        ((LoggerContext) LoggerFactory.getILoggerFactory()).addTurboFilter(watch);
    }

    /** A listener on the host's loops, with the guard every inbound has, whose connections run {@code child}. */
    private InetSocketAddress listen(ChannelInitializer<Channel> child) {
        server = new ServerBootstrap()
                .group(netty.bossGroup(), netty.workerGroup())
                .channel(netty.serverSocketChannelClass())
                .handler(new ListenerGuard("inbound=test"))
                .childHandler(child)
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
        return (InetSocketAddress) server.localAddress();
    }

    private void connectAndSend(InetSocketAddress address) {
        Channel client = new Bootstrap().group(netty.workerGroup()).channel(netty.socketChannelClass())
                .handler(new ChannelInboundHandlerAdapter()).connect(address).syncUninterruptibly().channel();
        // the server may close first (it does when its read fails): the write's outcome does not matter
        client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})).awaitUninterruptibly();
        client.close();
    }

    @Test
    void anErrorAHandlerThrowsAndNettyCatchesHalts() throws Exception {
        watchNetty();
        InetSocketAddress address = listen(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                        throw new OutOfMemoryError("Java heap space (test)");
                    }
                });
            }
        });

        connectAndSend(address);

        assertThat(halted.get(10, TimeUnit.SECONDS)).isEqualTo(FatalErrors.EXIT_STATUS);
    }

    @Test
    void anErrorOfTheReadLoopOfAnAcceptedConnectionHalts() throws Exception {
        InetSocketAddress address = listen(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.config().setAllocator(new ExhaustedAllocator());
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        ctx.close(); // a handler that swallows what it is given, as many do
                    }
                });
            }
        });

        connectAndSend(address);

        assertThat(halted.get(10, TimeUnit.SECONDS)).isEqualTo(FatalErrors.EXIT_STATUS);
    }

    @Test
    void anErrorInATaskHalts() throws Exception {
        watchNetty();

        netty.workerGroup().next().execute(() -> {
            throw new StackOverflowError("test");
        });

        assertThat(halted.get(10, TimeUnit.SECONDS)).isEqualTo(FatalErrors.EXIT_STATUS);
    }

    @Test
    void everyLoopThreadHandsUncaughtThrowablesToFatalErrors() throws Exception {
        Thread.UncaughtExceptionHandler boss = netty.bossGroup().next()
                .submit(() -> Thread.currentThread().getUncaughtExceptionHandler()).get(5, TimeUnit.SECONDS);
        Thread.UncaughtExceptionHandler worker = netty.workerGroup().next()
                .submit(() -> Thread.currentThread().getUncaughtExceptionHandler()).get(5, TimeUnit.SECONDS);

        assertThat(boss).isSameAs(fatal);
        assertThat(worker).isSameAs(fatal);
    }

    @Test
    void anExceptionIsNotFatalAndNeitherIsAnythingBeforeClose() {
        fatal.uncaughtException(Thread.currentThread(), new IllegalStateException("a bug, not a dead process"));

        netty.close();

        assertThat(halted).isNotDone();
    }

    @Test
    void aLoopThreadEndingWhileNotClosingIsFatalAndNotWhileClosing() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
        DefaultNettyResources.LoopThreadFactory threads = new DefaultNettyResources.LoopThreadFactory("test-loop",
                fatal, closing::get);

        Thread ended = threads.newThread(() -> { });
        ended.start();
        ended.join(5000);

        assertThat(halted.get(5, TimeUnit.SECONDS)).isEqualTo(FatalErrors.EXIT_STATUS);

        CompletableFuture<Integer> again = new CompletableFuture<>();
        FatalErrors quiet = new FatalErrors(again::complete);
        closing.set(true);
        Thread stopped = new DefaultNettyResources.LoopThreadFactory("test-loop", quiet, closing::get)
                .newThread(() -> { });
        stopped.start();
        stopped.join(5000);

        assertThat(stopped.isAlive()).isFalse();
        assertThat(again).isNotDone();
    }

    @Test
    void anErrorEndingALoopThreadIsFatal() throws Exception {
        Thread thread = new DefaultNettyResources.LoopThreadFactory("test-loop", fatal, () -> false)
                .newThread(() -> {
                    throw new InternalError("test");
                });
        thread.start();
        thread.join(5000);

        assertThat(halted.get(5, TimeUnit.SECONDS)).isEqualTo(FatalErrors.EXIT_STATUS);
    }

    /** A buffer allocator that fails as an exhausted direct memory pool does. */
    private static final class ExhaustedAllocator extends AbstractByteBufAllocator {
        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            throw new OutOfMemoryError("failed to allocate " + initialCapacity + " byte(s) of heap memory (test)");
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            throw new OutOfMemoryError("failed to allocate " + initialCapacity + " byte(s) of direct memory (test)");
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }
}
