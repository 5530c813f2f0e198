package org.anytls4j.core.testing;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.anytls4j.core.relay.Relay;

/**
 * A fault-injecting TCP relay for tests, standing in for the network path between a client and a server on
 * 127.0.0.1: it forwards bytes both ways and misbehaves on demand, as real paths do. Faults switch at run time and
 * apply to every flow (connection) at once; a few also to one {@link Flow}.
 * <ul>
 *   <li>{@link #pass()}: forward normally (clears freeze, refuse and delay).</li>
 *   <li>{@link #freeze()}: a black hole. Nothing passes in either direction, neither bytes nor a close, but every
 *       connection stays open and new connections are accepted (and counted) without reaching the target. Bytes
 *       are held, not lost, as TCP would retransmit them: {@link #pass()} delivers what was held, then any close
 *       that was held, then resumes. The relay keeps reading while it holds (up to 4 MiB per direction and flow),
 *       so a side that closes meanwhile is seen ({@link Flow#closeFuture()}) without the other side learning it.</li>
 *   <li>{@link #dropIdleAfter(Duration)}: a NAT that forgets idle mappings. A flow with no byte in either
 *       direction for that long is dropped silently: from then on everything either side sends is discarded and
 *       neither side is told, not even of the other's close.</li>
 *   <li>{@link #reset()}: every current connection is reset (RST to both sides).</li>
 *   <li>{@link #refuse()}: new connections are accepted, counted and reset at once, as a host whose server is down
 *       answers a connect with RST. A target that refuses the relay's own connect does the same.</li>
 *   <li>{@link #delay(Duration)}: every chunk is forwarded that much later (added latency, order kept).</li>
 * </ul>
 * It counts {@link #attempts() accepted connections} and the bytes it forwarded each way. {@link #retarget} points
 * new connections at another address (a restarted server on a new port 0).
 *
 * <h2>Threading and lifecycle</h2>
 * One NIO event loop runs every socket and every state change; the fault switches may be called from any thread
 * and take effect before they return. {@link #close()} closes every socket, releases held bytes and stops the loop.
 */
public final class FaultRelay implements AutoCloseable {
    /** Bytes one direction of a flow holds while frozen (or connecting) before it stops reading. */
    private static final long HOLD_LIMIT = 4L << 20;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoop loop = group.next();
    private final Channel listener;
    private final List<Flow> flows = new CopyOnWriteArrayList<>();
    /** Conditions {@link #when} waits for, re-checked on the loop after every flow event. */
    private final List<Waiter> waiters = new CopyOnWriteArrayList<>();
    private final Map<Integer, CompletableFuture<Flow>> arrivals = new ConcurrentHashMap<>();
    private final AtomicLong bytesToServer = new AtomicLong();
    private final AtomicLong bytesToClient = new AtomicLong();
    private volatile InetSocketAddress target;
    // fault state: written and read on the loop only (volatile for the getters)
    private volatile boolean frozen;
    private volatile boolean refusing;
    private volatile long delayNanos;
    /** The longest delay ever set: delayed writes still pending are at most this far ahead. */
    private long maxDelayNanos;
    private volatile long idleLimitNanos = Long.MAX_VALUE;

    private FaultRelay(InetSocketAddress target) {
        this.target = requireNonNull(target, "target");
        this.listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accepted(ch);
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).syncUninterruptibly().channel();
        loop.scheduleAtFixedRate(this::dropIdleFlows, 20, 20, TimeUnit.MILLISECONDS);
    }

    /** Starts a relay on 127.0.0.1, port 0, forwarding to {@code target}. */
    public static FaultRelay start(InetSocketAddress target) {
        return new FaultRelay(target);
    }

    /** Where clients connect. */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** New connections go to {@code newTarget} from now on (current ones stay where they are). */
    public void retarget(InetSocketAddress newTarget) {
        target = requireNonNull(newTarget, "newTarget");
    }

    // ---- faults ---------------------------------------------------------------------------------------------

    /** Back to normal: clears {@link #freeze()}, {@link #refuse()} and {@link #delay}; delivers what was held. */
    public void pass() {
        onLoop(() -> {
            refusing = false;
            delayNanos = 0;
            frozen = false;
            flows.forEach(Flow::resumeIfFree);
            return null;
        });
    }

    /** Black hole for every flow, current and new, until {@link #pass()}. */
    public void freeze() {
        onLoop(() -> {
            frozen = true;
            return null;
        });
    }

    /** Resets every current connection (both sides get an RST). */
    public void reset() {
        onLoop(() -> {
            flows.forEach(Flow::reset);
            return null;
        });
    }

    /** New connections are accepted, counted and reset at once, until {@link #pass()}. */
    public void refuse() {
        onLoop(() -> refusing = true);
    }

    /** Forwards every chunk {@code delay} later from now on; {@link Duration#ZERO} or {@link #pass()} ends it. */
    public void delay(Duration delay) {
        long nanos = delay.toNanos();
        onLoop(() -> {
            maxDelayNanos = Math.max(maxDelayNanos, nanos);
            return delayNanos = nanos;
        });
    }

    /** From now on, drop (silently) every flow idle in both directions for longer than {@code limit}. */
    public void dropIdleAfter(Duration limit) {
        long nanos = limit.toNanos();
        onLoop(() -> idleLimitNanos = nanos);
    }

    /** Stops dropping idle flows (flows dropped already stay dropped). */
    public void keepIdleFlows() {
        onLoop(() -> idleLimitNanos = Long.MAX_VALUE);
    }

    // ---- observation ----------------------------------------------------------------------------------------

    /** Connections accepted so far, refused ones included. */
    public int attempts() {
        return flows.size();
    }

    /** Every flow accepted so far, in order. */
    public List<Flow> flows() {
        return List.copyOf(flows);
    }

    /** Completes when the {@code n}-th connection (from 1) has been accepted. */
    public CompletableFuture<Flow> flow(int n) {
        return arrivals.computeIfAbsent(n, k -> new CompletableFuture<>());
    }

    /** Bytes forwarded from clients to the target, over all flows. */
    public long bytesToServer() {
        return bytesToServer.get();
    }

    /** Bytes forwarded from the target to clients, over all flows. */
    public long bytesToClient() {
        return bytesToClient.get();
    }

    /** Flows whose client side is still open. */
    public long openFlows() {
        return flows.stream().filter(f -> !f.isClosed()).count();
    }

    /**
     * Flows that are open, neither dropped nor refused, and on which the target has answered (a byte came back):
     * the sessions a client can use, as far as the network can tell.
     */
    public long liveFlows() {
        return flows.stream().filter(f -> !f.isClosed() && !f.dropped && !f.refused && f.down.get() > 0).count();
    }

    /**
     * Completes once {@code condition} holds; checked now and after every accepted, connected, answered (first
     * byte back), dropped or closed flow. Wait on it with a timeout; {@code assertThat(..).failsWithin(..)} on
     * it checks that something does not happen within a period (and fails as soon as it does).
     */
    public CompletableFuture<Void> when(Predicate<FaultRelay> condition) {
        Waiter waiter = new Waiter(condition, new CompletableFuture<>());
        waiters.add(waiter);
        loop.execute(this::checkWaiters);
        return waiter.future;
    }

    private record Waiter(Predicate<FaultRelay> condition, CompletableFuture<Void> future) {
    }

    private void checkWaiters() {
        for (Waiter waiter : waiters) {
            boolean met;
            try {
                met = waiter.condition.test(this);
            } catch (RuntimeException e) {
                waiters.remove(waiter);
                waiter.future.completeExceptionally(e);
                continue;
            }
            if (met) {
                waiters.remove(waiter);
                waiter.future.complete(null);
            }
        }
    }

    @Override
    public void close() {
        onLoop(() -> {
            listener.close();
            flows.forEach(Flow::close);
            return null;
        });
        // delayed writes still scheduled hold buffers: let them run (they release what they cannot deliver)
        try {
            loop.schedule(() -> null, maxDelayNanos + 1, TimeUnit.NANOSECONDS).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("fault relay close failed", e);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    // ---- internals, on the loop -----------------------------------------------------------------------------

    private <T> T onLoop(Callable<T> task) {
        try {
            if (loop.inEventLoop()) {
                return task.call();
            }
            return loop.submit(task).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            throw new IllegalStateException("fault relay task failed", e);
        }
    }

    private void accepted(SocketChannel client) {
        Flow flow = new Flow(flows.size() + 1, client);
        flows.add(flow);
        flow(flow.index).complete(flow);
        checkWaiters();
        client.pipeline().addLast(flow.fromClient);
        client.config().setAutoRead(!refusing); // held until connected, but a close is seen
        if (refusing) {
            flow.refused = true;
            resetChannel(client);
        } else if (!frozen) {
            flow.connect();
        } // frozen: connects on thaw
    }

    private void dropIdleFlows() {
        long now = System.nanoTime();
        for (Flow flow : flows) {
            if (!flow.dropped && !flow.isClosed() && now - flow.lastByteNanos > idleLimitNanos) {
                flow.droppedForIdleness = true;
                flow.drop();
            }
        }
    }

    private static void resetChannel(Channel ch) {
        lingerZero(ch);
        ch.close();
    }

    /** The next close of {@code ch} sends an RST. */
    private static void lingerZero(Channel ch) {
        if (ch.isActive()) {
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
        }
    }

    /** One relayed TCP connection: the accepted client side and the relay's connection to the target. */
    public final class Flow {
        private final int index;
        private final Channel client;
        private Channel server;
        private final Side fromClient = new Side(true);
        private final Side fromServer = new Side(false);
        private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
        private final CompletableFuture<Void> dropFuture = new CompletableFuture<>();
        private final AtomicLong up = new AtomicLong();
        private final AtomicLong down = new AtomicLong();
        private boolean frozenAlone;
        private volatile boolean refused;
        private volatile boolean dropped;
        private volatile boolean droppedForIdleness;
        private volatile long lastByteNanos = System.nanoTime();
        private final long acceptedNanos = System.nanoTime();

        private Flow(int index, Channel client) {
            this.index = index;
            this.client = client;
            client.closeFuture().addListener(f -> {
                closeFuture.complete(null);
                checkWaiters();
            });
        }

        /** When it was accepted, on {@link System#nanoTime()}'s clock. */
        public long acceptedNanos() {
            return acceptedNanos;
        }

        /** 1 for the first connection accepted. */
        public int index() {
            return index;
        }

        /** A black hole for this flow only, until {@link #thaw()} (and the relay is not frozen). */
        public void freeze() {
            onLoop(() -> {
                frozenAlone = true;
                return null;
            });
        }

        /** Ends {@link #freeze()} of this flow. */
        public void thaw() {
            onLoop(() -> {
                frozenAlone = false;
                resumeIfFree();
                return null;
            });
        }

        /** Drops this flow silently now, as a NAT that lost its mapping. */
        public void dropNow() {
            onLoop(() -> {
                drop();
                return null;
            });
        }

        /** Resets both sides of this flow. */
        public void resetNow() {
            onLoop(() -> {
                reset();
                return null;
            });
        }

        /**
         * Whether the flow is over for the client: the client closed its end (seen even while frozen, when the
         * close is held from the target), or the connection was closed (by the target's close, a reset, the relay).
         */
        public boolean isClosed() {
            return closeFuture.isDone();
        }

        /** Completes when {@link #isClosed()} turns true. */
        public CompletableFuture<Void> closeFuture() {
            return closeFuture;
        }

        /** Whether the relay reset it at once because it was {@link #refuse() refusing}. */
        public boolean refused() {
            return refused;
        }

        /** Whether it was dropped silently ({@link #dropNow()} or idle). */
        public boolean dropped() {
            return dropped;
        }

        /** Completes when it is dropped ({@link #dropNow()} or idle). */
        public CompletableFuture<Void> dropFuture() {
            return dropFuture;
        }

        /** Whether it was dropped for being idle ({@link FaultRelay#dropIdleAfter}). */
        public boolean droppedForIdleness() {
            return droppedForIdleness;
        }

        /** Bytes forwarded from the client to the target. */
        public long bytesUp() {
            return up.get();
        }

        /** Bytes forwarded from the target to the client. */
        public long bytesDown() {
            return down.get();
        }

        @Override
        public String toString() {
            return "Flow#" + index + (refused ? " refused" : "") + (dropped ? " dropped" : "")
                    + (isClosed() ? " closed" : " open") + " up=" + up + " down=" + down;
        }

        private boolean held() {
            return frozen || frozenAlone;
        }

        private void connect() {
            new Bootstrap()
                    .group(loop)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .handler(fromServer)
                    .connect(target)
                    .addListener((ChannelFuture f) -> {
                        if (!f.isSuccess()) {
                            resetChannel(client); // the target refused: the client sees a reset, as from a dead host
                            return;
                        }
                        server = f.channel();
                        if (!client.isActive()) {
                            server.close();
                            return;
                        }
                        resumeIfFree();
                    });
        }

        private void resumeIfFree() {
            if (held() || dropped || refused) {
                return;
            }
            if (server == null) {
                if (client.isActive() && !fromClient.ended) {
                    connect();
                } else if (!client.isActive()) {
                    fromClient.releaseHeld();
                }
                return;
            }
            fromClient.release();
            fromServer.release();
            if (client.isActive() && !fromClient.ended) {
                client.config().setAutoRead(true);
                client.read();
            }
            if (server.isActive() && !fromServer.ended) {
                server.config().setAutoRead(true);
                server.read();
            }
        }

        private void drop() {
            dropped = true;
            dropFuture.complete(null);
            checkWaiters();
            fromClient.releaseHeld();
            fromServer.releaseHeld();
            // keep reading both sides and discarding, as packets vanish; closes pass no more either
            client.config().setAutoRead(true);
            client.read();
            if (server != null) {
                server.config().setAutoRead(true);
                server.read();
            }
        }

        private void reset() {
            // SO_LINGER 0 on both before closing either: the first close makes the other side close its peer
            lingerZero(client);
            if (server != null) {
                lingerZero(server);
                server.close();
            }
            client.close();
        }

        private void close() {
            fromClient.releaseHeld();
            fromServer.releaseHeld();
            client.close();
            if (server != null) {
                server.close();
            }
        }

        /** Reads one side, writes the other. */
        private final class Side extends ChannelInboundHandlerAdapter {
            private final boolean isClient;
            private final ArrayDeque<ByteBuf> heldBytes = new ArrayDeque<>();
            private long heldSize;
            /** This side closed while the flow was held; the other side is closed on release. */
            private boolean ended;

            Side(boolean isClient) {
                this.isClient = isClient;
            }

            @Override
            public boolean isSharable() {
                return false;
            }

            private Channel peer() {
                return isClient ? server : client;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (!(msg instanceof ByteBuf buf)) {
                    ReferenceCountUtil.release(msg);
                    return;
                }
                lastByteNanos = System.nanoTime();
                if (dropped) {
                    buf.release();
                } else if (held() || peer() == null || !heldBytes.isEmpty()) {
                    // held, as TCP holds what it cannot deliver yet; reading on lets a close be seen, up to a bound
                    heldBytes.add(buf);
                    heldSize += buf.readableBytes();
                    if (heldSize > HOLD_LIMIT) {
                        ctx.channel().config().setAutoRead(false);
                    }
                } else {
                    forward(ctx.channel(), buf);
                }
            }

            private void forward(Channel self, ByteBuf buf) {
                Channel peer = peer();
                long before = (isClient ? up : down).getAndAdd(buf.readableBytes());
                if (before == 0 && !waiters.isEmpty()) {
                    checkWaiters();
                }
                (isClient ? bytesToServer : bytesToClient).addAndGet(buf.readableBytes());
                long delay = delayNanos;
                if (delay > 0) {
                    loop.schedule(() -> writeTo(peer, buf), delay, TimeUnit.NANOSECONDS);
                } else {
                    writeTo(peer, buf);
                }
                if (!peer.isWritable()) {
                    self.config().setAutoRead(false); // the peer's writability change turns it back on
                }
            }

            private void writeTo(Channel peer, ByteBuf buf) {
                if (dropped || !peer.isActive()) {
                    buf.release();
                } else {
                    peer.writeAndFlush(buf, peer.voidPromise());
                }
            }

            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                Channel other = isClient ? server : client;
                if (ctx.channel().isWritable() && other != null && other.isActive() && !held() && !dropped) {
                    other.config().setAutoRead(true);
                    other.read();
                }
                ctx.fireChannelWritabilityChanged();
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                ended();
                ctx.fireChannelInactive();
            }

            /** Half-closure is allowed so that a dropped flow does not give itself away by closing its socket. */
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof ChannelInputShutdownEvent) {
                    ended();
                }
                ctx.fireUserEventTriggered(evt);
            }

            private void ended() {
                ended = true;
                if (isClient) { // the client closed its end: the flow is over for it, whatever passes on
                    closeFuture.complete(null);
                    checkWaiters();
                }
                if (dropped) {
                    releaseHeld(); // nobody is told: the mapping is gone
                } else if (!held()) {
                    release();
                } // held: the close passes on release
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }

            /** Forwards what was held, then the close if this side ended. */
            void release() {
                Channel peer = peer();
                if (peer == null) { // the client side, before the target answered the relay's connect
                    if (ended) {
                        releaseHeld(); // the client left: nothing to deliver, and the connect is abandoned
                    }
                    return;
                }
                ByteBuf buf;
                while ((buf = heldBytes.poll()) != null) {
                    heldSize -= buf.readableBytes();
                    forward(isClient ? client : server, buf);
                }
                if (ended) {
                    if (delayNanos > 0) {
                        loop.schedule(() -> Relay.closeOnFlush(peer), delayNanos, TimeUnit.NANOSECONDS);
                    } else {
                        Relay.closeOnFlush(peer);
                    }
                }
            }

            void releaseHeld() {
                ByteBuf buf;
                while ((buf = heldBytes.poll()) != null) {
                    buf.release();
                }
                heldSize = 0;
            }
        }
    }
}
