package org.anytls4j.transport.anytls.server;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.inbound.Inbound;
import org.anytls4j.api.inbound.InboundContext;
import org.anytls4j.api.inbound.ListenerGuard;

/**
 * The {@code anytls} inbound: a TLS listener whose connections authenticate (PROTOCOL.md section 3) and then
 * carry one {@link ServerSession} each.
 *
 * <p>Pipeline of an accepted connection: {@code tls} ({@link SslHandler}, unless {@code tls.enabled = false}),
 * {@link AuthHandler}; after authentication {@code FrameDecoder} and {@link ServerSession}; after a failed one
 * (with a fallback) a byte pipe to the fallback service.
 *
 * <h2>Threading and lifecycle</h2>
 * Created at start-up (this builds the TLS context, generating a self-signed certificate when none is
 * configured); {@link #start()} binds on the host's boss group, connections run on its worker group, one event
 * loop per connection. While the sessions hold more than {@code inbound_pending_bytes} (see {@link ServerSession})
 * new connections are closed as soon as they are accepted, before the TLS handshake; open sessions carry on.
 * {@link #stop()} closes the listener and every accepted connection (sessions log
 * {@code reason=shutdown}) and the DNS resolver. Thread-safe.
 */
public final class AnytlsInbound implements Inbound {
    static final String TLS = "tls";

    /**
     * Session write buffer high mark: above it every stream's target stops reading until the buffer drains below
     * a quarter of it. Sized for bulk transfer over TLS on fast links; lowered to half of a smaller
     * {@code session_pending_bytes}, so that a session over that bound is always unwritable (and hears when it
     * drained).
     */
    private static final int SESSION_HIGH_WATER_MARK = 1 << 20;

    private final ServerRuntime runtime;
    private final SslContext sslContext;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private Channel listener;
    private boolean started;

    public AnytlsInbound(AnytlsInboundSettings settings, InboundContext context) {
        requireNonNull(settings, "settings");
        requireNonNull(context, "context");
        this.runtime = new ServerRuntime(settings, context,
                new ServerMetrics(context.meterRegistry(), context.inboundTag()), new HostResolver(context.netty()));
        this.sslContext = settings.tls().enabled()
                ? settings.tls().newContext(ServerRuntime.LOG, context.inboundTag(), "tls.")
                : null;
    }

    @Override
    public String tag() {
        return runtime.tag;
    }

    @Override
    public synchronized CompletionStage<InetSocketAddress> start() {
        if (started) {
            return CompletableFuture.failedFuture(new IllegalStateException("inbound " + tag() + " already started"));
        }
        started = true;
        AnytlsInboundSettings settings = runtime.settings;
        CompletableFuture<InetSocketAddress> bound = new CompletableFuture<>();
        int high = Math.min(SESSION_HIGH_WATER_MARK, settings.sessionPendingBytes() / 2);
        WriteBufferWaterMark waterMark = new WriteBufferWaterMark(high / 4, high);
        new ServerBootstrap()
                .group(runtime.context.netty().bossGroup(), runtime.context.netty().workerGroup())
                .channel(runtime.context.netty().serverSocketChannelClass())
                .handler(new ListenerGuard("inbound=" + tag()))
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.RECVBUF_ALLOCATOR, runtime.context.netty().streamReadAllocator())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (runtime.overBudget()) {
                            refuse(ch);
                            return;
                        }
                        channels.add(ch);
                        if (sslContext != null) {
                            SslHandler tls = sslContext.newHandler(ch.alloc());
                            tls.setHandshakeTimeout(settings.authTimeoutNanos(), TimeUnit.NANOSECONDS);
                            ch.pipeline().addLast(TLS, tls);
                        }
                        ch.pipeline().addLast(AuthHandler.NAME, new AuthHandler(runtime, runtime.nextSessionNumber()));
                    }
                })
                .bind(settings.listen(), settings.listenPort())
                .addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        bound.completeExceptionally(f.cause());
                        return;
                    }
                    synchronized (this) {
                        listener = f.channel();
                    }
                    InetSocketAddress address = (InetSocketAddress) f.channel().localAddress();
                    ServerRuntime.LOG.info("inbound={} listening on {} tls={} users={} padding-md5={}", tag(),
                            address, sslContext != null, settings.users().size(), settings.paddingScheme().md5Hex());
                    bound.complete(address);
                });
        return bound;
    }

    /** Closes a connection at accept: the sessions hold more than {@code inbound_pending_bytes}. */
    private void refuse(Channel ch) {
        runtime.metrics.connectionRefusedOverBudget();
        Object peer = ch.remoteAddress();
        runtime.rateLimited.event("over-budget", (count, period) -> ServerRuntime.LOG.warn(
                "inbound={} refused {} connections in the last {}, the last from {}: sessions hold {} bytes"
                + " (inbound_pending_bytes={})", runtime.tag, count, period, peer, runtime.metrics.pendingBytes(),
                runtime.settings.inboundPendingBytes()));
        reset(ch);
    }

    /**
     * Ends a client connection abnormally: what is queued for it is dropped, no TLS close_notify is sent (a client
     * that reads nothing would never see it), and the TCP connection is reset ({@code SO_LINGER} 0).
     */
    static void reset(Channel ch) {
        if (ch.pipeline().get(TLS) != null) {
            ch.pipeline().remove(TLS);
        }
        ch.config().setOption(ChannelOption.SO_LINGER, 0);
        ch.close();
    }

    @Override
    public CompletionStage<Void> stop() {
        Channel l;
        synchronized (this) {
            l = listener;
            listener = null;
        }
        runtime.markStopping();
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable closeAccepted = () -> channels.close().addListener(all -> {
            runtime.resolver.close();
            done.complete(null);
        });
        if (l != null) {
            l.close().addListener(f -> closeAccepted.run());
        } else {
            closeAccepted.run();
        }
        return done;
    }

    /** Open sessions, for tests and diagnostics. */
    long sessionsOpen() {
        return runtime.metrics.sessionsOpen();
    }

    /** The accepted connection from {@code peer}, if it is open; for tests and diagnostics. */
    Optional<Channel> connectionFrom(SocketAddress peer) {
        for (Channel ch : channels) {
            if (peer.equals(ch.remoteAddress())) {
                return Optional.of(ch);
            }
        }
        return Optional.empty();
    }

    /**
     * The bytes {@code connection} has queued toward its peer right now: its outbound buffer, which also counts
     * what the TLS layer holds before encrypting (it adds its unencrypted queue to the channel's pending bytes).
     */
    static long pendingBytes(Channel connection) {
        ChannelOutboundBuffer out = connection.unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }

    /** What all sessions hold, as counted against {@code inbound_pending_bytes}. For tests and diagnostics. */
    long pendingBytes() {
        return runtime.metrics.pendingBytes();
    }

    /** Open streams, for tests and diagnostics. */
    long streamsOpen() {
        return runtime.metrics.streamsOpen();
    }
}
