package org.anytls4j.core.runtime;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.anytls4j.api.NettyResources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's event loops: epoll where the native transport loads (Linux), NIO otherwise. One boss thread accepts;
 * the worker group (Netty's default size, twice the cores) runs every connection.
 *
 * <h2>Errors</h2>
 * Every thread of both groups hands an uncaught {@link Error} to {@link FatalErrors}, which logs it and halts the
 * process; and a loop thread that ends while {@link #close()} was not called (Netty catches what ended it and only
 * logs "Unexpected exception from an event executor") is fatal too: a dead boss loop otherwise leaves a process
 * that holds the listening port and never accepts again. Errors that Netty catches inside a loop without ending it
 * reach {@link FatalErrors} by the {@code ListenerGuard} of every listener (errors of the read loop of an accepted
 * connection) and by the launcher's {@link NettyErrorWatch} (everything Netty logs at WARN or above).
 *
 * <h2>Threading and lifecycle</h2>
 * Thread-safe. Owned by the launcher: created once, shut down once by {@link #close()}, which waits (up to a few
 * seconds) for the threads to finish. Plugins must not shut the groups down.
 */
public final class DefaultNettyResources implements NettyResources, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DefaultNettyResources.class);

    private final boolean epoll;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private volatile boolean closing;

    /** Event loops whose fatal errors halt the process ({@link FatalErrors#process()}). */
    public DefaultNettyResources() {
        this(FatalErrors.process());
    }

    /** Event loops whose fatal errors go to {@code fatal} (tests record instead of halting). */
    public DefaultNettyResources(FatalErrors fatal) {
        this.epoll = Epoll.isAvailable();
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        // Lent to plugins, which may use them but not shut them down (HostEventLoopGroup).
        this.boss = new HostEventLoopGroup(1, new LoopThreadFactory("anytls4j-boss", fatal, this::closing), factory,
                this::closing);
        this.workers = new HostEventLoopGroup(0, new LoopThreadFactory("anytls4j-io", fatal, this::closing), factory,
                this::closing);
        log.debug("netty transport={}", epoll ? "epoll" : "nio");
    }

    private boolean closing() {
        return closing;
    }

    /** {@code epoll} or {@code nio}. */
    public String transportName() {
        return epoll ? "epoll" : "nio";
    }

    @Override
    public EventLoopGroup bossGroup() {
        return boss;
    }

    @Override
    public EventLoopGroup workerGroup() {
        return workers;
    }

    @Override
    public Class<? extends SocketChannel> socketChannelClass() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    @Override
    public Class<? extends ServerSocketChannel> serverSocketChannelClass() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    @Override
    public Class<? extends DatagramChannel> datagramChannelClass() {
        return epoll ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }

    /** Shuts both groups down and waits for them. Idempotent. */
    @Override
    public void close() {
        closing = true;
        var bossDone = boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        var workersDone = workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        bossDone.awaitUninterruptibly(5, TimeUnit.SECONDS);
        workersDone.awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /**
     * Daemon threads named {@code <pool>-<n>-<m>} (Netty's {@link DefaultThreadFactory}) whose uncaught errors go to
     * {@link FatalErrors}, and whose loop (the one runnable each thread runs) ending while {@code closing} is false
     * is fatal.
     */
    static final class LoopThreadFactory extends DefaultThreadFactory {
        private final FatalErrors fatal;
        private final BooleanSupplier closing;

        LoopThreadFactory(String poolName, FatalErrors fatal, BooleanSupplier closing) {
            super(poolName, true);
            this.fatal = fatal;
            this.closing = closing;
        }

        @Override
        protected Thread newThread(Runnable loop, String name) {
            Thread thread = super.newThread(() -> runLoop(loop), name);
            thread.setUncaughtExceptionHandler(fatal);
            return thread;
        }

        private void runLoop(Runnable loop) {
            try {
                loop.run();
            } catch (Error e) {
                fatal.fatal(Thread.currentThread(), e);
                return;
            } catch (RuntimeException e) {
                log.error("event loop thread {} failed", Thread.currentThread().getName(), e);
            }
            if (!closing.getAsBoolean()) {
                fatal.loopEnded(Thread.currentThread());
            }
        }
    }
}
