package org.anytls4j.transport.anytls.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.LongObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.CloseReason;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.Frame;
import org.anytls4j.transport.anytls.frame.FrameEncoder;
import org.anytls4j.transport.anytls.frame.KeyValueText;

/**
 * The server side of one authenticated AnyTLS session (PROTOCOL.md sections 6, 9.2, 10, 14): it reads the
 * client's frames and keeps the session's {@link ServerStream}s.
 *
 * <ul>
 *   <li>Settings (with data) marks the session ready; UpdatePaddingScheme (the configured raw bytes) is sent when
 *       the client's {@code padding-md5} differs or is missing, then ServerSettings {@code v=2} when the client's
 *       {@code v} is an integer >= 2 (Go {@code Atoi} rules). Zero-length Settings does not count.</li>
 *   <li>SYN before Settings is a protocol violation: Alert {@code client did not send its settings}, then close.
 *       SYN for an open id is ignored; SYN past {@code max_streams_per_session} is refused (SYNACK with an error
 *       text then FIN for v2 clients, FIN for v1).</li>
 *   <li>PSH and FIN for unknown ids are ignored. FIN closes the stream's target and is never answered.</li>
 *   <li>HeartRequest is answered with HeartResponse on the same stream id, whatever the version.</li>
 *   <li>Alert with data ends the session. Waste, frames meant for clients and unknown commands are skipped (the
 *       {@link org.anytls4j.transport.anytls.frame.FrameDecoder} already consumed their data).</li>
 *   <li>Nothing the server sends is padded, and v2-only frames (SYNACK, ServerSettings) go to v2 clients only.</li>
 * </ul>
 *
 * <h2>Back-pressure</h2>
 * Toward the client: while the session channel is not writable, every stream's target stops reading; each
 * stream also stops reading its target while {@code stream_pending_bytes} of its data wait to be written to the
 * client. Toward the targets: AnyTLS has no per-stream window, so when one stream has more than
 * {@code stream_pending_bytes} queued for its (slow or still connecting) target, the whole session stops reading
 * from its socket until that queue drains to half. Other streams of the session wait meanwhile; this is the only
 * bound that cannot be defeated by a client, and it matches what the protocol allows (PROTOCOL.md section 6.7).
 *
 * <h2>Threading, ownership and lifecycle</h2>
 * Everything runs on the session channel's event loop; streams and their targets are touched only there
 * (callbacks from elsewhere hop onto it). Received frames are released here after handling; a stream takes its
 * own reference to PSH data. The session ends on client EOF, an Alert, a protocol violation, an error, the idle
 * timeout or the inbound's shutdown; its streams are then closed locally without FIN frames (section 9.3).
 */
final class ServerSession extends ChannelInboundHandlerAdapter {
    static final String NAME = "anytls-session";
    static final String ALERT_NO_SETTINGS = "client did not send its settings";
    /** How long a closing session may take to flush its last frames (the reference's control write deadline). */
    static final long CLOSE_FLUSH_DEADLINE_SECONDS = 5;

    private final ServerRuntime runtime;
    private final long number;
    private final String user;
    private final LongObjectHashMap<ServerStream> streams = new LongObjectHashMap<>();
    private final List<ServerStream> targetsToFlush = new ArrayList<>();
    private ChannelHandlerContext ctx;
    private boolean settingsReceived;
    private boolean v2;
    private int blockedStreams;
    private long lastActivityNanos;
    private ScheduledFuture<?> idleTimer;
    private boolean closed;

    ServerSession(ServerRuntime runtime, long number, String user) {
        this.runtime = runtime;
        this.number = number;
        this.user = user;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        runtime.metrics.sessionOpened();
        ServerRuntime.LOG.info("inbound={} session=#{} opened user={} from {}", runtime.tag, number, user,
                ctx.channel().remoteAddress());
        lastActivityNanos = now();
        // Also on the close future, not only channelInactive (a later task): a listener added now runs before
        // those of whoever closed the channel (AnytlsInbound.stop), so the session has ended when they hear of it.
        ctx.channel().closeFuture().addListener(f -> close(runtime.stopping() ? CloseReason.SHUTDOWN
                : CloseReason.PEER_CLOSE));
        if (runtime.settings.sessionIdleTimeoutNanos() > 0) {
            scheduleIdleCheck(runtime.settings.sessionIdleTimeoutNanos());
        }
    }

    // ---- reading frames ------------------------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Frame frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (!closed) {
                lastActivityNanos = now();
                onFrame(frame);
            }
        } finally {
            frame.release();
        }
    }

    private void onFrame(Frame frame) {
        long sid = frame.streamId();
        int length = frame.data().readableBytes();
        switch (frame.command()) {
            case Command.SETTINGS -> {
                if (length > 0) {
                    onSettings(frame.data());
                }
            }
            case Command.SYN -> onSyn(sid);
            case Command.PSH -> {
                ServerStream stream = streams.get(sid);
                if (stream != null) {
                    runtime.metrics.bytesIn(length);
                    stream.onClientData(frame.data().retain());
                } else {
                    trace(frame, "unknown stream id, discarded");
                }
            }
            case Command.FIN -> {
                ServerStream stream = streams.get(sid);
                if (stream != null) {
                    stream.onClientFin();
                } else {
                    trace(frame, "unknown stream id, ignored");
                }
            }
            case Command.ALERT -> {
                if (length > 0) {
                    ServerRuntime.LOG.info("inbound={} session=#{} alert from client: {}", runtime.tag, number,
                            frame.data().toString(StandardCharsets.UTF_8));
                    close(CloseReason.PEER_CLOSE);
                }
            }
            case Command.HEART_REQUEST -> {
                write(Command.HEART_RESPONSE, sid, Unpooled.EMPTY_BUFFER);
            }
            default -> trace(frame, "ignored"); // Waste, frames meant for a client, unknown commands
        }
    }

    private void trace(Frame frame, String what) {
        if (ServerRuntime.LOG.isTraceEnabled()) {
            ServerRuntime.LOG.trace("inbound={} session=#{} {} cmd={} sid={} len={}: {}", runtime.tag, number,
                    Command.name(frame.command()), frame.command(), frame.streamId(), frame.data().readableBytes(),
                    what);
        }
    }

    private void onSettings(ByteBuf data) {
        settingsReceived = true;
        Map<String, String> settings = KeyValueText.parse(ByteBufUtil.getBytes(data));
        String md5 = settings.get("padding-md5");
        if (!runtime.settings.paddingScheme().md5Hex().equals(md5)) {
            write(Command.UPDATE_PADDING_SCHEME, 0, Unpooled.wrappedBuffer(runtime.settings.paddingScheme().raw()));
        }
        Integer version = KeyValueText.parseGoInt(settings.get("v"));
        if (version != null && version >= 2) {
            v2 = true;
            write(Command.SERVER_SETTINGS, 0, Unpooled.wrappedBuffer("v=2".getBytes(StandardCharsets.UTF_8)));
        }
        ServerRuntime.LOG.debug("inbound={} session=#{} settings v={} client={} padding-md5={}", runtime.tag,
                number, settings.get("v"), settings.get("client"), md5);
    }

    private void onSyn(long sid) {
        if (!settingsReceived) {
            ServerRuntime.LOG.info("inbound={} session=#{} protocol violation: SYN (cmd 1) sid={} before Settings;"
                    + " sending Alert and closing", runtime.tag, number, sid);
            write(Command.ALERT, 0, Unpooled.wrappedBuffer(ALERT_NO_SETTINGS.getBytes(StandardCharsets.UTF_8)));
            close(CloseReason.PROTOCOL_ERROR);
            return;
        }
        if (streams.containsKey(sid)) {
            ServerRuntime.LOG.debug("inbound={} session=#{} SYN for open stream={} ignored", runtime.tag, number,
                    sid);
            return;
        }
        int limit = runtime.settings.maxStreamsPerSession();
        if (streams.size() >= limit) {
            ServerRuntime.LOG.info("inbound={} session=#{} stream={} refused: max_streams_per_session={} reached",
                    runtime.tag, number, sid, limit);
            if (v2) {
                write(Command.SYNACK, sid, Unpooled.wrappedBuffer(("too many streams on this session: "
                        + "max_streams_per_session " + limit + " reached").getBytes(StandardCharsets.UTF_8)));
            }
            write(Command.FIN, sid, Unpooled.EMPTY_BUFFER);
            return;
        }
        streams.put(sid, new ServerStream(this, sid));
        runtime.metrics.streamOpened();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        for (int i = 0; i < targetsToFlush.size(); i++) {
            targetsToFlush.get(i).flushTarget();
        }
        targetsToFlush.clear();
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        for (ServerStream stream : streams.values()) {
            stream.updateTargetRead();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslCloseCompletionEvent) {
            close(CloseReason.PEER_CLOSE); // the client's close_notify: answer it and send FIN, as the reference
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        close(runtime.stopping() ? CloseReason.SHUTDOWN : CloseReason.PEER_CLOSE);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!closed) {
            ServerRuntime.LOG.info("inbound={} session=#{} error: {}", runtime.tag, number, cause.toString());
            ServerRuntime.LOG.debug("inbound={} session=#{} error detail", runtime.tag, number, cause);
        }
        close(CloseReason.ERROR);
    }

    // ---- what streams use ----------------------------------------------------------------------------------

    ServerRuntime runtime() {
        return runtime;
    }

    long number() {
        return number;
    }

    EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    ChannelHandlerContext context() {
        return ctx;
    }

    boolean isV2() {
        return v2;
    }

    boolean isClosed() {
        return closed;
    }

    boolean isWritable() {
        return ctx.channel().isWritable();
    }

    /** Runs {@code task} on the session's event loop: now if already there. */
    void run(Runnable task) {
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    /**
     * Writes one frame (not flushed) as a buffer of one piece ({@link FrameEncoder#frame}), so that its header
     * never depends on SslHandler merging pending writes to share a TLS record with its payload; takes ownership
     * of {@code data} (at most 65535 bytes).
     */
    ChannelFuture write(int command, long sid, ByteBuf data) {
        try {
            return ctx.write(FrameEncoder.frame(ctx.alloc(), command, sid, data, data.readableBytes()));
        } finally {
            data.release();
        }
    }

    /**
     * Writes {@code data} as PSH frames of at most 65535 bytes (not flushed); takes ownership. The future is the
     * last frame's.
     */
    ChannelFuture writePayload(long sid, ByteBuf data) {
        lastActivityNanos = now();
        runtime.metrics.bytesOut(data.readableBytes());
        try {
            while (data.readableBytes() > Frame.MAX_DATA_LENGTH) {
                write(Command.PSH, sid, data.readRetainedSlice(Frame.MAX_DATA_LENGTH));
            }
            return write(Command.PSH, sid, data.retain());
        } finally {
            data.release();
        }
    }

    void flush() {
        if (!closed) {
            ctx.flush();
        }
    }

    /** Flush {@code stream}'s target at the end of this read batch. */
    void flushTargetLater(ServerStream stream) {
        targetsToFlush.add(stream);
    }

    /** A stream started or stopped holding more than its pending bound for its target. */
    void streamBlocked(boolean blocked) {
        blockedStreams += blocked ? 1 : -1;
        boolean autoRead = blockedStreams == 0;
        if (ctx.channel().config().isAutoRead() != autoRead) {
            ctx.channel().config().setAutoRead(autoRead);
        }
    }

    /** The stream is closed; forget it. */
    void removeStream(ServerStream stream) {
        if (streams.get(stream.id()) == stream) {
            streams.remove(stream.id());
            runtime.metrics.streamClosed();
            lastActivityNanos = now();
        }
    }

    // ---- closing -------------------------------------------------------------------------------------------

    private long now() {
        return ctx.executor().ticker().nanoTime();
    }

    private void scheduleIdleCheck(long delayNanos) {
        idleTimer = ctx.executor().schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkIdle() {
        if (closed) {
            return;
        }
        long timeout = runtime.settings.sessionIdleTimeoutNanos();
        long idle = now() - lastActivityNanos;
        if (streams.isEmpty() && idle >= timeout) {
            close(CloseReason.IDLE_TIMEOUT);
        } else {
            scheduleIdleCheck(streams.isEmpty() ? timeout - idle : timeout);
        }
    }

    /** Closes the session: streams are closed locally without FIN, pending frames are flushed first. */
    void close(CloseReason reason) {
        if (closed) {
            return;
        }
        closed = true;
        if (idleTimer != null) {
            idleTimer.cancel(false);
        }
        int open = streams.size();
        List<ServerStream> all = new ArrayList<>(streams.values());
        streams.clear();
        for (ServerStream stream : all) {
            stream.abort();
            runtime.metrics.streamClosed();
        }
        targetsToFlush.clear();
        runtime.metrics.sessionClosed();
        ServerRuntime.LOG.info("inbound={} session=#{} closed reason={} user={} streams={}", runtime.tag, number,
                reason, user, open);
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            // a client that stopped reading never lets the flush finish: give it the reference's control-frame
            // write deadline, then close anyway
            ctx.executor().schedule(() -> {
                if (ctx.channel().isOpen()) {
                    ctx.close();
                }
            }, CLOSE_FLUSH_DEADLINE_SECONDS, TimeUnit.SECONDS);
        }
    }
}
