package org.anytls4j.transport.anytls.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.anytls4j.api.Destination;
import org.anytls4j.api.inbound.ListenerGuard;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.SocksAddress;
import org.anytls4j.transport.anytls.uot.UotServer;

/**
 * One stream of a {@link ServerSession}: reads the destination from the stream's first bytes (PROTOCOL.md
 * section 11; it may span PSH frames or share one with payload), opens the target through the inbound's route
 * (or a UDP socket for UDP-over-TCP, section 15), answers SYNACK to v2 clients, then relays both ways.
 *
 * <ul>
 *   <li>Unreadable address (unknown ATYP, empty domain): FIN, no SYNACK.</li>
 *   <li>Open failure: SYNACK with an error text naming the destination and the cause (v2 only), then FIN; the
 *       session stays usable.</li>
 *   <li>FIN from the client: data already received is written to the target, then the target is closed; no FIN
 *       is sent back.</li>
 *   <li>Target EOF or error: FIN to the client after the data read before it.</li>
 * </ul>
 *
 * <h2>Back-pressure</h2>
 * {@code pendingToTarget} counts client bytes handed to the target (or queued while it opens) and not yet
 * written, each buffer charged {@value #BUFFER_OVERHEAD} bytes more than its length (a flood of 1-byte PSH frames
 * would otherwise queue a million buffers, each pinning the decoder's buffer it was sliced from, under a bound
 * counted in bytes; the decoder hands a PSH frame's data on as it arrives, in as many buffers as it took reads,
 * and each is charged: each is queued and pins what it was sliced from); the session counts these bytes toward
 * its own bound too. Past {@code stream_pending_bytes} the stream asks its session to stop reading, and releases
 * it once the count drains to half.
 * {@code pendingToClient} counts target bytes handed to the session and not yet written; past the bound, or while
 * the session is unwritable, the target's {@code autoRead} is off.
 *
 * <h2>Threading and ownership</h2>
 * Used only on the session's event loop; the target's handler hops there if the target lives on another loop.
 * The stream owns the bytes it queues and releases them when it closes.
 */
final class ServerStream {
    static final String RELAY = "anytls-stream-relay";
    /** What a queued buffer is charged beyond its length: about its object, its queue entry and its promise. */
    static final int BUFFER_OVERHEAD = 128;

    private enum State {
        /** Collecting the destination address. */
        ADDRESS,
        /** The target is being opened; client data queues. */
        OPENING,
        /** Relaying. */
        OPEN,
        /** Closed; everything is dropped. */
        CLOSED
    }

    private final ServerSession session;
    private final long id;
    private final int pendingLimit;
    private State state = State.ADDRESS;
    private ByteBuf head;
    private final ArrayDeque<ByteBuf> queued = new ArrayDeque<>();
    private Destination destination;
    private Channel target;
    private boolean clientFin;
    private int pendingToTarget;
    private int pendingToClient;
    private boolean blocking;
    private boolean flushScheduled;
    private boolean targetReading;

    ServerStream(ServerSession session, long id) {
        this.session = session;
        this.id = id;
        this.pendingLimit = session.runtime().settings.streamPendingBytes();
    }

    long id() {
        return id;
    }

    // ---- client to target ----------------------------------------------------------------------------------

    /** PSH data from the client; takes ownership. */
    void onClientData(ByteBuf data) {
        switch (state) {
            case ADDRESS -> readAddress(data);
            case OPENING -> queue(data);
            case OPEN -> writeToTarget(data);
            default -> data.release();
        }
    }

    private void readAddress(ByteBuf data) {
        if (head == null) {
            head = data;
        } else {
            ByteBuf merged = session.context().alloc().buffer(head.readableBytes() + data.readableBytes());
            merged.writeBytes(head).writeBytes(data);
            head.release();
            data.release();
            head = merged;
        }
        Destination parsed;
        try {
            parsed = SocksAddress.read(head);
        } catch (SocksAddress.MalformedAddressException e) {
            debug("closed: {}", e.getMessage());
            finish(true);
            return;
        }
        if (parsed == SocksAddress.INCOMPLETE) {
            return;
        }
        ByteBuf rest = head;
        head = null;
        destination = parsed;
        state = State.OPENING;
        if (rest.isReadable()) {
            queue(rest);
        } else {
            rest.release();
        }
        open();
    }

    private void queue(ByteBuf data) {
        charge(data.readableBytes() + BUFFER_OVERHEAD);
        queued.add(data);
        updateBlocking();
    }

    /** Adds {@code n} (negative: removes) to the bytes queued toward the target, here and in the session. */
    private void charge(int n) {
        pendingToTarget += n;
        session.toTargets(n);
    }

    private void writeToTarget(ByteBuf data) {
        int n = data.readableBytes() + BUFFER_OVERHEAD;
        charge(n);
        updateBlocking();
        target.write(data).addListener((ChannelFutureListener) f -> session.run(() -> {
            charge(-n);
            updateBlocking();
            if (!f.isSuccess() && state == State.OPEN) {
                debug("write to target failed: {}", f.cause().toString());
                f.channel().close();
            }
        }));
        if (!flushScheduled) {
            flushScheduled = true;
            session.flushTargetLater(this);
        }
    }

    void flushTarget() {
        flushScheduled = false;
        if (target != null) {
            target.flush();
        }
    }

    private void updateBlocking() {
        boolean block = state != State.CLOSED && (blocking ? pendingToTarget > pendingLimit / 2
                : pendingToTarget > pendingLimit);
        if (block != blocking) {
            blocking = block;
            session.streamBlocked(block);
        }
    }

    /** FIN from the client. */
    void onClientFin() {
        switch (state) {
            case OPENING -> {
                clientFin = true; // the queued data goes out once the target is open, then it is closed
                session.removeStream(this);
            }
            case OPEN -> {
                debug("closed by {}", "client FIN");
                Channel t = target;
                finish(false);
                t.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
            default -> finish(false);
        }
    }

    // ---- opening -------------------------------------------------------------------------------------------

    private void open() {
        CompletionStage<Channel> opening;
        UotServer.Version uot = UotServer.versionOf(destination);
        try {
            opening = uot != null
                    ? UotServer.open(uot, session.eventLoop(), session.runtime().context.netty(),
                            session.runtime().resolver, logPrefix())
                    : session.runtime().context.route().open(destination, session.eventLoop());
        } catch (RuntimeException e) {
            opening = CompletableFuture.failedFuture(e);
        }
        opening.whenComplete((channel, error) -> session.run(() -> opened(channel, error)));
    }

    private void opened(Channel channel, Throwable error) {
        if (error != null) {
            if (state == State.OPENING && !clientFin) {
                String text = DialErrors.describe(destination, error);
                logDialFailure(text, error);
                if (session.isV2()) {
                    session.writeControl(Command.SYNACK, id,
                            Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
                }
                finish(true);
                session.flush();
            } else {
                finish(false);
            }
            return;
        }
        if (state != State.OPENING || session.isClosed()) {
            finish(false);
            channel.close();
            return;
        }
        target = channel;
        state = State.OPEN;
        channel.pipeline().addLast(RELAY, new TargetHandler());
        debug("open to {}", destination);
        if (clientFin) {
            state = State.CLOSED; // closing the target below must not send a FIN
            charge(-pendingToTarget); // handed to the target, which closes once it has written them
            while (!queued.isEmpty()) {
                channel.write(queued.poll());
            }
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            finish(false);
            return;
        }
        if (session.isV2()) {
            session.writeControl(Command.SYNACK, id, Unpooled.EMPTY_BUFFER);
            session.flush();
        }
        charge(-pendingToTarget);
        while (!queued.isEmpty()) {
            writeToTarget(queued.poll());
        }
        channel.flush();
        // An outbound hands the target out with autoRead off (Outbound's hand-out contract): the relay handler is
        // in and SYNACK is written before the first byte of the target is read.
        targetReading = false;
        channel.config().setAutoRead(false);
        updateTargetRead(); // turns reading on (and reads) unless the session is already backed up
    }

    // ---- target to client ----------------------------------------------------------------------------------

    private void fromTarget(ByteBuf data) {
        if (state != State.OPEN) {
            data.release();
            return;
        }
        int n = data.readableBytes();
        pendingToClient += n;
        session.writePayload(id, data).addListener((ChannelFutureListener) f -> {
            pendingToClient -= n;
            updateTargetRead();
        });
        updateTargetRead();
    }

    /** Turns the target's reads on or off for the current session writability and pending bytes. */
    void updateTargetRead() {
        if (target == null || state != State.OPEN) {
            return;
        }
        boolean read = session.isWritable() && pendingToClient < pendingLimit;
        if (read != targetReading) {
            targetReading = read;
            target.config().setAutoRead(read);
        }
    }

    private void targetClosed() {
        if (state == State.OPEN) {
            debug("closed by {}", "target");
            finish(true);
            session.flush();
        }
    }

    // ---- closing -------------------------------------------------------------------------------------------

    /** Ends the stream, sending FIN if {@code sendFin} and it was not closed yet; releases what it holds. */
    private void finish(boolean sendFin) {
        boolean wasOpen = state != State.CLOSED;
        state = State.CLOSED;
        release();
        if (blocking) {
            blocking = false;
            session.streamBlocked(false);
        }
        if (sendFin && wasOpen && !session.isClosed()) {
            session.writeControl(Command.FIN, id, Unpooled.EMPTY_BUFFER);
        }
        session.removeStream(this);
    }

    /** The session is closing: close locally, no FIN (PROTOCOL.md section 9.3). */
    void abort() {
        state = State.CLOSED;
        release();
        if (target != null) {
            target.close();
        }
    }

    private void release() {
        if (head != null) {
            head.release();
            head = null;
        }
        while (!queued.isEmpty()) {
            ByteBuf data = queued.poll();
            charge(-(data.readableBytes() + BUFFER_OVERHEAD));
            data.release();
        }
    }

    /** DEBUG for each failed dial, with the local detail; INFO at most once per period with the count. */
    private void logDialFailure(String text, Throwable error) {
        ServerRuntime runtime = session.runtime();
        runtime.metrics.dialFailed(error);
        if (ServerRuntime.LOG.isDebugEnabled()) {
            ServerRuntime.LOG.debug("{} open failed: {} ({})", logPrefix(), text, error.toString());
        }
        String prefix = logPrefix();
        runtime.rateLimited.event("dial-failed", (count, period) -> ServerRuntime.LOG.info(
                "inbound={} {} dials failed in the last {}, the last: {} stream: {} ({})", runtime.tag, count, period,
                prefix, text, DialErrors.unwrap(error).toString()));
    }

    private String logPrefix() {
        return "inbound=" + session.runtime().tag + " session=#" + session.number() + " stream=" + id;
    }

    private void debug(String format, Object arg) {
        if (ServerRuntime.LOG.isDebugEnabled()) {
            ServerRuntime.LOG.debug(logPrefix() + " " + format, arg);
        }
    }

    /** The last handler of the target's pipeline: hands what it reads to the session. */
    private final class TargetHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf data) {
                session.run(() -> fromTarget(data));
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            session.run(session::flush);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            session.run(ServerStream.this::targetClosed);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ListenerGuard.handOffIfFatal(cause); // an Error (OOM) ends the process; see FatalErrors
            session.run(() -> debug("target error: {}", cause.toString()));
            ctx.close();
        }
    }
}
