package org.anytls4j.core.inbound;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.anytls4j.api.Addresses;
import org.anytls4j.api.Destination;
import org.anytls4j.api.inbound.Inbound;
import org.anytls4j.api.inbound.InboundContext;
import org.anytls4j.api.inbound.ListenerGuard;
import org.anytls4j.api.outbound.Outbound;
import org.anytls4j.core.relay.LoopMove;
import org.anytls4j.core.relay.StreamOpener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local proxy listener: {@code mixed}, {@code socks} or {@code http}. Each accepted connection is told apart by
 * its first byte ({@link ProtocolDetector}), then handled by {@link Socks5ServerHandler},
 * {@link Socks4ServerHandler} or {@link HttpProxyHandler}, which open a stream on {@link InboundContext#route()}
 * and relay.
 *
 * <h2>Threading</h2>
 * {@link #start()} and {@link #stop()} may be called from any thread. Each connection lives on one worker event
 * loop; its outbound stream is opened with that loop, and completion callbacks hop back onto it. A stream that
 * came on another loop of the workers (a pooled session's) takes the connection with it: the connection moves to
 * the stream's loop before the relay starts ({@link LoopMove}), so the relay runs on one thread.
 *
 * <h2>Lifecycle</h2>
 * {@code start()} binds once; {@code stop()} closes the listening socket and every accepted connection (their
 * streams close with them through the relay). The host owns the event loops.
 */
public final class ProxyInbound implements Inbound {
    private static final Logger log = LoggerFactory.getLogger(ProxyInbound.class);

    private final ProxyKind kind;
    private final ProxyInboundSettings settings;
    private final InboundContext context;
    private final InboundMetrics metrics;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicBoolean started = new AtomicBoolean();

    ProxyInbound(ProxyKind kind, ProxyInboundSettings settings, InboundContext context) {
        this.kind = requireNonNull(kind, "kind");
        this.settings = requireNonNull(settings, "settings");
        this.context = requireNonNull(context, "context");
        this.metrics = new InboundMetrics(context.meterRegistry(), context.inboundTag(), kind.type());
    }

    @Override
    public String tag() {
        return context.inboundTag();
    }

    @Override
    public CompletionStage<InetSocketAddress> start() {
        if (!started.compareAndSet(false, true)) {
            return CompletableFuture.failedFuture(new IllegalStateException("inbound=" + tag() + " already started"));
        }
        CompletableFuture<InetSocketAddress> result = new CompletableFuture<>();
        ChannelFuture bind = new ServerBootstrap()
                .group(context.netty().bossGroup(), context.netty().workerGroup())
                .channel(context.netty().serverSocketChannelClass())
                .handler(new ListenerGuard("inbound=" + tag()))
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.RECVBUF_ALLOCATOR, context.netty().streamReadAllocator())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        channels.add(ch);
                        ch.pipeline().addLast("metrics", new ConnectionCounter());
                        ch.pipeline().addLast(ProtocolDetector.NAME, new ProtocolDetector(ProxyInbound.this));
                    }
                })
                .bind(settings.listen(), settings.listenPort());
        bind.addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                channels.add(f.channel());
                InetSocketAddress bound = (InetSocketAddress) f.channel().localAddress();
                log.info("inbound={} type={} listening on {} auth={}", tag(), kind.type(), bound,
                        settings.authRequired() ? "username" : "none");
                openProxyWarning(context.route().tag()).ifPresent(log::warn);
                result.complete(bound);
            } else {
                log.error("inbound={} type={} cannot listen on {}: {}", tag(), kind.type(),
                        Addresses.hostPort(settings.listen(), settings.listenPort()), f.cause().toString());
                result.completeExceptionally(f.cause());
            }
        });
        return result;
    }

    /**
     * What to tell the operator of an inbound that anyone who reaches it can use: no {@code users}, and an address
     * other than loopback. It is then an open proxy, to wherever {@code outboundTag} goes (through an anytls
     * outbound: from its server's address). {@code anytls4j check} prints it as a warning and the start logs it at
     * WARN; empty for a loopback or authenticated inbound.
     */
    public Optional<String> openProxyWarning(String outboundTag) {
        if (settings.authRequired() || isLoopback(settings.listen())) {
            return Optional.empty();
        }
        return Optional.of("inbound '" + tag() + "' (" + kind.type() + ") listens on "
                + Addresses.hostPort(settings.listen(), settings.listenPort()) + " without users: anyone who can reach "
                + "that address can proxy through it (outbound '" + outboundTag + "'); set users, or listen on "
                + "127.0.0.1");
    }

    private static boolean isLoopback(String ipLiteral) {
        try {
            return InetAddress.getByName(ipLiteral).isLoopbackAddress(); // a literal (ListenAddress): no lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Override
    public CompletionStage<Void> stop() {
        CompletableFuture<Void> result = new CompletableFuture<>();
        channels.close().addListener(f -> {
            log.info("inbound={} type={} stopped", tag(), kind.type());
            result.complete(null);
        });
        return result;
    }

    ProxyKind kind() {
        return kind;
    }

    ProxyInboundSettings settings() {
        return settings;
    }

    InboundContext context() {
        return context;
    }

    InboundMetrics metrics() {
        return metrics;
    }

    /**
     * Opens a stream for {@code client} to {@code destination}. The client's {@code autoRead} is turned off until
     * the caller's callback starts the relay. Exactly one callback runs, on the client's event loop; if the client
     * went away meanwhile, the new stream is closed and neither runs.
     *
     * @param onOpen    gets the stream, which it now owns, and the outbound's tag; the stream delivers nothing
     *                  until {@code onOpen} starts reading it (a {@link org.anytls4j.core.relay.Relay}), after
     *                  installing its handlers
     * @param onFailure gets the classified failure and its cause, already logged and counted
     */
    void openStream(Channel client, Destination destination, String protocol, BiConsumer<Channel, String> onOpen,
            BiConsumer<OpenFailure, Throwable> onFailure) {
        RequestDeadline.met(client);
        Outbound outbound = context.route();
        client.config().setAutoRead(false);
        StreamOpener.open(outbound, destination, client.eventLoop()).whenComplete((stream, failure) -> {
            if (client.eventLoop().inEventLoop()) {
                opened(client, destination, protocol, outbound, stream, failure, onOpen, onFailure);
            } else {
                client.eventLoop().execute(() ->
                        opened(client, destination, protocol, outbound, stream, failure, onOpen, onFailure));
            }
        });
    }

    private void opened(Channel client, Destination destination, String protocol, Outbound outbound,
            Channel stream, Throwable failure, BiConsumer<Channel, String> onOpen, BiConsumer<OpenFailure, Throwable> onFailure) {
        if (failure == null) {
            // relayed on one loop, the relay's writes are plain calls instead of tasks and wake-ups (LoopMove)
            LoopMove.moveTo(client, stream.eventLoop(), context.netty().workerGroup(), moveFailed -> {
                if (moveFailed != null) { // on no loop any more: LoopMove closed it
                    log.info("inbound={} client={} dest={} connection lost while moving to its stream's event loop:"
                            + " {}; closing", tag(), client.remoteAddress(), destination, moveFailed.toString());
                    stream.close();
                    return;
                }
                handOut(client, destination, protocol, outbound, stream, onOpen);
            });
            return;
        }
        OpenFailure kindOfFailure = OpenFailure.classify(failure);
        metrics.streamFailed(outbound.tag(), kindOfFailure.reason());
        log.info("inbound={} client={} {} dest={} outbound={} open failed reason={}: {}", tag(),
                client.remoteAddress(), protocol, destination, outbound.tag(), kindOfFailure.reason(),
                OpenFailure.describe(failure));
        if (client.isActive()) {
            onFailure.accept(kindOfFailure, OpenFailure.unwrap(failure));
        }
    }

    /** Gives the opened stream to {@code onOpen}, unless the client left meanwhile. On the client's event loop. */
    private void handOut(Channel client, Destination destination, String protocol, Outbound outbound, Channel stream,
            BiConsumer<Channel, String> onOpen) {
        if (!client.isActive()) {
            log.debug("inbound={} client={} dest={} client left before the stream opened", tag(),
                    client.remoteAddress(), destination);
            stream.close();
            return;
        }
        metrics.streamOpened(outbound.tag());
        log.debug("inbound={} client={} {} dest={} outbound={} opened", tag(), client.remoteAddress(), protocol,
                destination, outbound.tag());
        onOpen.accept(stream, outbound.tag());
    }

    /** Counts connections; first in every accepted pipeline. */
    private final class ConnectionCounter extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            metrics.connectionOpened();
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            metrics.connectionClosed();
            ctx.fireChannelInactive();
        }
    }

    @Override
    public String toString() {
        return "ProxyInbound[" + kind.type() + " " + tag() + "]";
    }
}
