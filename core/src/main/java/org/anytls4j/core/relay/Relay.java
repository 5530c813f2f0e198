package org.anytls4j.core.relay;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import org.anytls4j.api.inbound.ListenerGuard;
import org.anytls4j.api.outbound.StreamRefusedException;
import org.anytls4j.api.outbound.StreamResetException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies bytes both ways between two channels, typically an inbound connection and an outbound stream, until
 * either side ends.
 *
 * <h2>Back-pressure</h2>
 * Each side writes into the other without flushing per buffer and flushes on {@code channelReadComplete}. When
 * the sink becomes unwritable the source's {@code autoRead} is turned off; the sink's
 * {@code channelWritabilityChanged} turns it back on (Netty's {@code HexDumpProxy} idea, driven by writability so
 * that a fast pair is not limited to one buffer in flight).
 *
 * <h2>Half-close</h2>
 * AnyTLS streams have no half-close, so neither does the relay: when one side ends cleanly (EOF), what was
 * already written to the other side is flushed and then the other side is closed too.
 *
 * <h2>Abnormal end</h2>
 * When one side fails instead ({@code exceptionCaught}: a {@link StreamResetException} because the stream's
 * session died under it, a refused stream, a connection reset), the other side is ended abnormally with
 * {@link #reset(Channel)}: a TCP connection gets an RST, so the application behind it sees "connection reset"
 * rather than a clean EOF that would make a truncated download look complete.
 *
 * <h2>Ownership and threading</h2>
 * A buffer read from one side is handed to the other side's {@code write}, which owns it from then on (and
 * releases it if the write fails). Anything read after the peer closed is released here. Both channels should be
 * on one event loop (outbounds register fresh connections on the caller's loop); if not, Netty's write path hops
 * threads safely, the {@code autoRead} toggles are thread-safe.
 */
public final class Relay {
    private static final Logger log = LoggerFactory.getLogger(Relay.class);

    /** Pipeline name of the relay handler on each side. */
    public static final String HANDLER_NAME = "relay";

    private Relay() {
    }

    /**
     * Adds the relay handlers at the end of both pipelines and turns {@code autoRead} on for both. Call on
     * {@code a}'s event loop, after every handler that must see the bytes first has been added. A stream handed
     * out by an {@link org.anytls4j.api.outbound.Outbound} delivers nothing until this starts reading it, so
     * whatever the destination sent first (a banner) waits for the relay. If {@code a} (the
     * local side) is already closed, {@code b} is closed; if {@code b} (the outbound side) is, something cut it
     * before it could carry anything (a stream whose session died as it was handed out), so {@code a} is
     * {@link #reset}.
     *
     * @param a      one side, e.g. the local client connection
     * @param b      the other side, e.g. the outbound stream
     * @param aToB   counts bytes read from {@code a} and written to {@code b}
     * @param bToA   counts bytes read from {@code b} and written to {@code a}
     * @param logTag prefix for debug lines, e.g. {@code inbound=mixed dest=example.com:443}
     */
    public static void start(Channel a, Channel b, Counter aToB, Counter bToA, String logTag) {
        requireNonNull(a, "a");
        requireNonNull(b, "b");
        a.pipeline().addLast(HANDLER_NAME, new Side(b, aToB, logTag));
        b.pipeline().addLast(HANDLER_NAME, new Side(a, bToA, logTag));
        if (!a.isActive()) {
            closeOnFlush(b);
            return;
        }
        if (!b.isActive()) {
            reset(a);
            return;
        }
        a.config().setAutoRead(true);
        b.config().setAutoRead(true);
        a.read();
        b.read();
    }

    /**
     * Relays one way only: bytes read from {@code from} are written to {@code to}; when {@code from} ends,
     * {@code to} is flushed and closed. For protocols where the other direction needs a codec of its own (the
     * plain HTTP proxy writes requests through an encoder, responses come back as raw bytes). Call on
     * {@code from}'s event loop. If {@code from} is already closed, it was cut before it could carry anything and
     * {@code to} is {@link #reset}.
     */
    public static void forward(Channel from, Channel to, Counter bytes, String logTag) {
        requireNonNull(from, "from");
        requireNonNull(to, "to");
        from.pipeline().addLast(HANDLER_NAME, new Side(to, bytes, logTag));
        if (!from.isActive()) {
            reset(to);
            return;
        }
        from.config().setAutoRead(true);
        from.read();
    }

    /**
     * The channel {@code ch} relays to, or null when no relay runs on it (not started yet, or ended). For
     * diagnostics and tests; call on {@code ch}'s event loop.
     */
    public static Channel peer(Channel ch) {
        return ch.pipeline().get(HANDLER_NAME) instanceof Side side ? side.peer : null;
    }

    /** Flushes what is pending on {@code ch}, then closes it. */
    public static void closeOnFlush(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close();
        }
    }

    /**
     * Ends {@code ch} abnormally: a TCP connection (NIO or epoll) is closed with an RST ({@code SO_LINGER} 0, then
     * close; what it had not sent yet is discarded), so its peer's next read fails with "connection reset"; any
     * other channel is simply closed. Safe from any thread; does nothing to a closed channel.
     */
    public static void reset(Channel ch) {
        if (!ch.eventLoop().inEventLoop()) {
            ch.eventLoop().execute(() -> reset(ch));
            return;
        }
        if (ch instanceof SocketChannel && ch.isActive()) {
            try {
                ch.config().setOption(ChannelOption.SO_LINGER, 0);
            } catch (ChannelException e) {
                log.debug("cannot set SO_LINGER 0 on {} (closing it anyway): {}", ch, e.toString());
            }
        }
        ch.close();
    }

    /** One direction: reads from its own channel and writes to {@code peer}. */
    private static final class Side extends ChannelInboundHandlerAdapter {
        private final Channel peer;
        private final Counter bytes;
        private final String logTag;

        Side(Channel peer, Counter bytes, String logTag) {
            this.peer = peer;
            this.bytes = bytes;
            this.logTag = logTag;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!peer.isActive()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof ByteBuf buf) {
                bytes.increment(buf.readableBytes());
            }
            peer.write(msg, peer.voidPromise());
            if (!peer.isWritable()) {
                peer.flush();
                if (!peer.isWritable()) {
                    ctx.channel().config().setAutoRead(false);
                    // The peer may live on another event loop (a pooled session's streams do) and turn writable
                    // between the check above and the line before, firing its writability change while autoRead
                    // was still on: that wake-up would be lost and both directions would stall. Check again.
                    if (peer.isWritable()) {
                        ctx.channel().config().setAutoRead(true);
                    }
                }
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            peer.flush();
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                peer.config().setAutoRead(true);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeOnFlush(peer);
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ListenerGuard.handOffIfFatal(cause); // an Error (OOM) ends the process; see FatalErrors
            if (cause instanceof StreamRefusedException) {
                // the server refused the stream after it was handed out; the client got a success reply already
                log.info("{} stream refused by the server: {}", logTag, cause.getMessage());
            } else if (cause instanceof StreamResetException reset) {
                log.info("{} stream cut reason={}: {}; resetting the local connection", logTag, reset.reason(),
                        reset.getMessage());
            } else {
                log.debug("{} relay closed: {}", logTag, cause.toString());
            }
            ctx.close();
            reset(peer); // the transfer is incomplete: the other side must not see a clean end
        }
    }
}
