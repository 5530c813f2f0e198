package org.anytls4j.transport.anytls.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.inbound.ListenerGuard;
import org.anytls4j.transport.anytls.frame.FrameDecoder;

/**
 * Reads the authentication preamble (PROTOCOL.md section 3): {@code sha256(password) (32) | N u16 | N bytes}.
 *
 * <p>Unlike the reference, which decides on its first read only, the preamble may arrive in any number of
 * TLS records: bytes accumulate until the 32-byte hash is there, then it is compared in constant time against
 * every user (all users are always compared, so timing tells nothing about which). A matching hash waits for
 * the length and the padding. Fewer than 32 bytes always mean "wait": deciding early on a partial hash would
 * let a prober learn the hash byte by byte from when the server closes. The deadline ({@code auth_timeout})
 * starts when the TLS handshake completes (at once without TLS); on expiry the connection fails.
 *
 * <p>On success the handler replaces itself with a {@link FrameDecoder} and a {@link ServerSession}, and hands
 * them the bytes that followed the preamble. On failure it closes the connection without sending anything
 * (TLS close_notify, then FIN), or, when a fallback is configured, hands every byte read so far to a
 * {@link FallbackRelay}, which replays them to the fallback service.
 *
 * <h2>Threading and ownership</h2>
 * One instance per connection, used on its event loop only. It owns the accumulated bytes until it passes
 * them on; they are released when the channel closes first.
 */
final class AuthHandler extends ChannelInboundHandlerAdapter {
    static final String NAME = "anytls-auth";
    static final int HASH_LENGTH = 32;

    private enum State {
        /** Waiting for the preamble. */
        READING,
        /** Failed; bytes keep accumulating for the fallback until it takes over. */
        FALLING_BACK,
        /** Done: succeeded or closed. */
        DONE
    }

    private final ServerRuntime runtime;
    private final long sessionNumber;
    private ByteBuf received;
    private State state = State.READING;
    private ScheduledFuture<?> deadline;

    AuthHandler(ServerRuntime runtime, long sessionNumber) {
        this.runtime = runtime;
        this.sessionNumber = sessionNumber;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        received = ctx.alloc().buffer(128);
        if (ctx.pipeline().get(SslHandler.class) == null && ctx.channel().isActive()) {
            armDeadline(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (ctx.pipeline().get(SslHandler.class) == null) {
            armDeadline(ctx);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslCloseCompletionEvent && state == State.READING) {
            ctx.close(); // close_notify before a complete preamble: nothing to wait for
        } else if (evt instanceof SslHandshakeCompletionEvent e) {
            if (e.isSuccess()) {
                armDeadline(ctx);
            } else {
                runtime.metrics.tlsHandshakeFailed(e.cause() instanceof SslHandshakeTimeoutException);
                runtime.tlsHandshakeFailed(sessionNumber, ctx.channel().remoteAddress(), e.cause());
                ctx.close();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void armDeadline(ChannelHandlerContext ctx) {
        if (deadline == null && state == State.READING) {
            deadline = ctx.executor().schedule(() -> {
                if (state == State.READING) {
                    fail(ctx, true);
                }
            }, runtime.settings.authTimeoutNanos(), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (state == State.DONE) {
                return;
            }
            received.writeBytes(buf);
        } finally {
            buf.release();
        }
        if (state == State.READING) {
            check(ctx);
        }
    }

    private void check(ChannelHandlerContext ctx) {
        if (received.readableBytes() < HASH_LENGTH) {
            return;
        }
        AnytlsInboundSettings.User user = match(received);
        if (user == null) {
            fail(ctx, false);
            return;
        }
        if (received.readableBytes() < HASH_LENGTH + 2) {
            return;
        }
        int paddingLength = received.getUnsignedShort(received.readerIndex() + HASH_LENGTH);
        if (received.readableBytes() < HASH_LENGTH + 2 + paddingLength) {
            return;
        }
        succeed(ctx, user, paddingLength);
    }

    /** The user whose hash starts {@code in}, or null; compares against every user in constant time each. */
    private AnytlsInboundSettings.User match(ByteBuf in) {
        byte[] hash = new byte[HASH_LENGTH];
        in.getBytes(in.readerIndex(), hash);
        AnytlsInboundSettings.User found = null;
        List<AnytlsInboundSettings.User> users = runtime.settings.users();
        for (AnytlsInboundSettings.User user : users) {
            if (MessageDigest.isEqual(hash, user.passwordHash()) & found == null) {
                found = user;
            }
        }
        return found;
    }

    private void succeed(ChannelHandlerContext ctx, AnytlsInboundSettings.User user, int paddingLength) {
        state = State.DONE;
        cancelDeadline();
        received.skipBytes(HASH_LENGTH + 2 + paddingLength);
        ByteBuf rest = received;
        received = null;
        ServerSession session = new ServerSession(runtime, sessionNumber, user.name());
        ctx.pipeline().addAfter(ctx.name(), FrameDecoder.class.getSimpleName(), new FrameDecoder());
        ctx.pipeline().addAfter(FrameDecoder.class.getSimpleName(), ServerSession.NAME, session);
        if (rest.isReadable()) {
            ctx.fireChannelRead(rest);
            ctx.fireChannelReadComplete();
        } else {
            rest.release();
        }
        ctx.pipeline().remove(this);
    }

    private void fail(ChannelHandlerContext ctx, boolean timeout) {
        cancelDeadline();
        runtime.metrics.authFailed(timeout);
        String cause = timeout ? "timeout" : "bad-hash";
        if (runtime.settings.fallback().isPresent()) {
            state = State.FALLING_BACK;
            logFailure(ctx, cause, "relaying to fallback " + runtime.settings.fallback().get());
            ctx.channel().config().setAutoRead(false);
            new FallbackRelay(runtime, sessionNumber, runtime.settings.fallback().get())
                    .start(ctx.channel(), this::takeOver);
        } else {
            state = State.DONE;
            logFailure(ctx, cause, "closing");
            ctx.close();
        }
    }

    /**
     * A failed authentication: DEBUG each, INFO at most once per period and cause with the count (a prober or a
     * password guesser can fail as often as it connects).
     */
    private void logFailure(ChannelHandlerContext ctx, String cause, String then) {
        Object peer = ctx.channel().remoteAddress();
        int bytes = received.readableBytes();
        ServerRuntime.LOG.debug("inbound={} session=#{} authentication failed from {} cause={} bytes={}; {}",
                runtime.tag, sessionNumber, peer, cause, bytes, then);
        runtime.rateLimited.event("auth-" + cause, (count, period) -> ServerRuntime.LOG.info(
                "inbound={} session=#{} authentication failed from {} cause={} bytes={}; {} ({} failed with"
                + " cause={} in the last {})", runtime.tag, sessionNumber, peer, cause, bytes, then, count, cause,
                period));
    }

    /**
     * Called by the fallback relay, on the event loop, once connected: returns every byte read so far (the
     * caller owns them and removes this handler), or null when the connection has closed meanwhile.
     */
    private ByteBuf takeOver() {
        if (state != State.FALLING_BACK || received == null) {
            return null;
        }
        state = State.DONE;
        ByteBuf all = received;
        received = null;
        return all;
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        cancelDeadline();
        if (received != null) {
            received.release();
            received = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ListenerGuard.handOffIfFatal(cause); // an Error (OOM) ends the process; see FatalErrors
        ServerRuntime.LOG.debug("inbound={} session=#{} error before authentication from {}: {}", runtime.tag,
                sessionNumber, ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
