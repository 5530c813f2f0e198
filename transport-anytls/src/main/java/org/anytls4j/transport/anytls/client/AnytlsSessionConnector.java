package org.anytls4j.transport.anytls.client;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslHandler;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLHandshakeException;
import org.anytls4j.api.NettyResources;
import org.anytls4j.api.Ticker;
import org.anytls4j.api.outbound.Session;
import org.anytls4j.api.outbound.SessionConnector;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.anytls4j.transport.anytls.tls.ClientTlsContext;
import org.anytls4j.transport.anytls.tls.TlsFailures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes {@link ClientSession}s to the server of one {@code anytls} outbound (PROTOCOL.md section 9.1): TCP
 * connect (bounded by {@code connect_timeout}, the name resolved asynchronously by Netty's DNS resolver), TLS
 * handshake (bounded by the same timeout), then the authentication preamble as one write (packet 0, padding0
 * from the outbound's current scheme). Once the preamble is written the sequencer is asked for the session's
 * number and the session is handed out, still holding its Settings frame.
 *
 * <h2>Padding scheme</h2>
 * This object owns the outbound's padding scheme: it starts at {@link PaddingScheme#DEFAULT}, every session
 * reads it at each write, and a valid UpdatePaddingScheme received on any session replaces it for all of them
 * (PROTOCOL.md section 6.3). Nothing is persisted.
 *
 * <h2>What the server proved</h2>
 * This object also holds the outbound's {@link ServerKnowledge}, shared by its sessions: once any session learnt
 * that the server speaks v2 or answers heartbeats, new and pre-warmed sessions are watched from their first
 * heartbeat probe and their first stream (POOL.md section 8.7, "This project").
 *
 * <h2>Threading and lifecycle</h2>
 * Thread-safe. Each attempt runs on one worker event loop, which becomes the session's. After {@link #close()}
 * every {@link #connect} fails; sessions made earlier stay open for the pool to close.
 */
public final class AnytlsSessionConnector implements SessionConnector {
    private static final Logger log = LoggerFactory.getLogger(AnytlsSessionConnector.class);
    private static final String HANDSHAKE_FAILURE = "tls-handshake-failure";
    private static final String CONNECTED_FLAG = "tls-connected-flag";

    private final String outbound;
    private final ClientSettings settings;
    private final ClientTlsContext tls;
    private final NettyResources netty;
    private final Ticker ticker;
    private final RandomGenerator random;
    private final AddressResolverGroup<InetSocketAddress> resolver;
    private final AtomicReference<PaddingScheme> scheme = new AtomicReference<>(PaddingScheme.DEFAULT);
    private final ServerKnowledge knowledge;
    private volatile boolean closed;

    /**
     * @param random the source of padding sizes; must be thread-safe ({@link java.security.SecureRandom} in
     *               production, a seeded {@link java.util.Random} to reproduce sizes)
     */
    public AnytlsSessionConnector(String outbound, ClientSettings settings, ClientTlsContext tls,
                                  NettyResources netty, Ticker ticker, RandomGenerator random) {
        this.outbound = requireNonNull(outbound, "outbound");
        this.settings = requireNonNull(settings, "settings");
        this.tls = requireNonNull(tls, "tls");
        this.netty = requireNonNull(netty, "netty");
        this.ticker = requireNonNull(ticker, "ticker");
        this.random = requireNonNull(random, "random");
        this.knowledge = new ServerKnowledge(outbound);
        this.resolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(netty.datagramChannelClass())
                .socketChannelType(netty.socketChannelClass()));
    }

    /** What the outbound's server proved on any session so far. */
    public ServerKnowledge serverKnowledge() {
        return knowledge;
    }

    /** The outbound's current padding scheme. */
    public PaddingScheme paddingScheme() {
        return scheme.get();
    }

    /**
     * Replaces the outbound's padding scheme, exactly as a valid UpdatePaddingScheme from the server does: live
     * sessions use it from their next write, new sessions for everything.
     */
    public void replacePaddingScheme(PaddingScheme replacement) {
        scheme.set(requireNonNull(replacement, "replacement"));
    }

    @Override
    public CompletionStage<Session> connect(LongSupplier sequencer) {
        requireNonNull(sequencer, "sequencer");
        CompletableFuture<Session> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new IllegalStateException("outbound " + outbound + " is closed"));
            return result;
        }
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis());
        Bootstrap bootstrap = new Bootstrap()
                .group(netty.workerGroup())
                .channel(netty.socketChannelClass())
                .resolver(resolver)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.RECVBUF_ALLOCATOR, netty.streamReadAllocator())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SslHandler ssl = tls.newHandler(ch.alloc(), settings.port());
                        ssl.setHandshakeTimeoutMillis(timeoutMillis);
                        ConnectedFlag connected = new ConnectedFlag();
                        ch.pipeline().addLast(CONNECTED_FLAG, connected);
                        ch.pipeline().addLast("tls", ssl);
                        ch.pipeline().addLast(HANDSHAKE_FAILURE, HandshakeFailureSink.INSTANCE);
                        // Listened to here, before the handshake can start: a handshake that fails (a refused pin)
                        // closes the channel and empties its pipeline, possibly before a listener added to the
                        // connect's future from this thread runs, which then found no SslHandler to ask.
                        ssl.handshakeFuture().addListener(h -> handshaken(ch, ssl, connected, h, sequencer, result));
                    }
                });
        ChannelFuture connected = bootstrap.connect(
                InetSocketAddress.createUnresolved(settings.server(), settings.port()));
        Channel channel = connected.channel();
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                fail(result, channel, "connect", f.cause());
            }
        });
        return result;
    }

    private void handshaken(Channel channel, SslHandler ssl, ConnectedFlag connected, Future<?> handshake,
                            LongSupplier sequencer, CompletableFuture<Session> result) {
        if (!handshake.isSuccess()) {
            // Reported here only for a connection that was made: for one never made SslHandler fails its handshake
            // as it is removed, and the connect's listener reports why.
            if (connected.active) {
                SSLHandshakeException failure = new SSLHandshakeException("TLS handshake with "
                        + settings.server() + ":" + settings.port() + " failed: "
                        + TlsFailures.clientReason(handshake.cause(), tls.settings().serverName()));
                failure.initCause(handshake.cause());
                fail(result, channel, "TLS handshake", failure);
            }
            return;
        }
        channel.pipeline().remove(HANDSHAKE_FAILURE);
        channel.pipeline().remove(CONNECTED_FLAG);
        authenticate(channel, ssl, sequencer, result);
    }

    private void authenticate(Channel channel, SslHandler ssl, LongSupplier sequencer,
                              CompletableFuture<Session> result) {
        int padding0 = scheme.get().drawPadding0(random);
        channel.writeAndFlush(ClientFrames.preamble(channel.alloc(), settings.passwordHash(), padding0))
                .addListener(w -> {
                    if (!w.isSuccess()) {
                        fail(result, channel, "authentication write", w.cause());
                        return;
                    }
                    if (closed) {
                        fail(result, channel, "authentication", new IOException("outbound closed"));
                        return;
                    }
                    ClientSession session;
                    try {
                        session = new ClientSession(outbound, sequencer.getAsLong(), ticker, channel, scheme,
                                random, settings.clientMetadata(), settings.streamReceiveBytes(),
                                settings.sessionReceiveBytes(), settings.firstStreamWait(), knowledge,
                                settings.streamOpenTimeout()).attach();
                    } catch (RuntimeException e) {
                        fail(result, channel, "session setup", e);
                        return;
                    }
                    log.info("outbound={} session=#{} connected server={} tls={}", outbound, session.seq(),
                            channel.remoteAddress(),
                            ssl.engine().getSession().getProtocol());
                    if (!result.complete(session)) {
                        session.close(org.anytls4j.api.CloseReason.SHUTDOWN);
                    }
                });
    }

    /**
     * First in the pipeline until the handshake succeeds: whether the connection was made. SslHandler starts the
     * handshake in its own channelActive, and a write that fails there (the peer reset the connection at once) fails
     * the handshake before that event reaches any handler after it; this one has seen it by then. Read on the
     * event loop.
     */
    private static final class ConnectedFlag extends ChannelInboundHandlerAdapter {
        boolean active;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            active = true;
            ctx.fireChannelActive();
        }
    }

    /**
     * Ends the pipeline until the handshake succeeds: the engine's failure (a pin, CA or name refused, an alert) is
     * reported once, in words, through the connect's future; without this handler Netty would also log it with its
     * stack trace as an exception that "reached the tail of the pipeline".
     */
    @ChannelHandler.Sharable
    private static final class HandshakeFailureSink extends ChannelInboundHandlerAdapter {
        static final HandshakeFailureSink INSTANCE = new HandshakeFailureSink();

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.trace("connection to {} failed before its session was made: {}", ctx.channel().remoteAddress(),
                    cause.toString());
            ctx.close();
        }
    }

    private void fail(CompletableFuture<Session> result, Channel channel, String step, Throwable cause) {
        channel.close();
        log.debug("outbound={} connect failed at {}: {}", outbound, step, cause.toString());
        result.completeExceptionally(cause);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            resolver.close();
        }
    }
}
