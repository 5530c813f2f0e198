package org.anytls4j.core.runtime;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.util.concurrent.Future;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The host's event loops, lent to transports and inbounds through {@link org.anytls4j.api.NettyResources}: a plugin
 * registers channels on them and schedules on them, but only the host may shut them down. Shutting down the group,
 * or one of its loops (e.g. {@code channel.eventLoop().shutdownGracefully()}), throws
 * {@link UnsupportedOperationException} until the host itself is closing; a plugin that is done closes its channels.
 *
 * <h2>Threading</h2>
 * Netty's; {@code hostClosing} is read on the caller's thread.
 */
final class HostEventLoopGroup extends MultiThreadIoEventLoopGroup {
    private static final String REFUSAL = "the host's event loops are shut down by the host only, when it stops;"
            + " close your channels instead";

    private final BooleanSupplier hostClosing;

    HostEventLoopGroup(int threads, ThreadFactory threadFactory, IoHandlerFactory factory,
                       BooleanSupplier hostClosing) {
        super(threads, threadFactory, factory, hostClosing);
        this.hostClosing = hostClosing;
    }

    @Override
    protected IoEventLoop newChild(Executor executor, IoHandlerFactory ioHandlerFactory, Object... args) {
        BooleanSupplier closing = (BooleanSupplier) args[0]; // the super constructor's extra argument
        return new SingleThreadIoEventLoop(this, executor, ioHandlerFactory) {
            @Override
            public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
                refuseUnless(closing);
                return super.shutdownGracefully(quietPeriod, timeout, unit);
            }

            @Override
            @Deprecated
            public void shutdown() {
                refuseUnless(closing);
                super.shutdown();
            }
        };
    }

    @Override
    public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
        refuseUnless(hostClosing);
        return super.shutdownGracefully(quietPeriod, timeout, unit);
    }

    @Override
    @Deprecated
    public void shutdown() {
        refuseUnless(hostClosing);
        super.shutdown();
    }

    private static void refuseUnless(BooleanSupplier closing) {
        if (!closing.getAsBoolean()) {
            throw new UnsupportedOperationException(REFUSAL);
        }
    }
}
