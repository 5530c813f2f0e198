package org.anytls4j.transport.anytls.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
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
import org.anytls4j.api.inbound.ListenerGuard;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.Frame;
import org.anytls4j.transport.anytls.frame.FrameDecoder;
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
 * <h2>Bounded memory against clients that do not read</h2>
 * Every frame the server sends may sit in its queue if the client stops reading: replies (HeartResponse, SYNACK,
 * FIN of a refused stream, UpdatePaddingScheme, ServerSettings, Alert) as well as stream data. What the session
 * holds is the channel's outbound buffer (which counts the TLS layer's unencrypted queue too) plus what its
 * streams queue toward their targets; when that reaches {@code session_pending_bytes} the session stops reading
 * from its client (so the client can make it generate nothing more) until it drains to half. If the client
 * drains nothing for {@code session_write_stall_timeout} meanwhile, the session is reset ({@code
 * reason=write-stall}: what is queued is dropped, no close_notify, SO_LINGER 0). {@link #updateAutoRead} is the
 * one place that decides whether the session reads, from both reasons: this bound and a stream's bound toward its
 * target; while it does not read, the frames of its last read batch wait in the decoder. Pure answers are not
 * queued twice: a
 * HeartResponse is dropped while the previous one is still queued (the queued one proves liveness as well) or
 * while the session is over its bound; UpdatePaddingScheme and ServerSettings are sent at most once per session.
 * Control frames are written with a void promise, so a queued reply costs its bytes and no listener.
 *
 * <p>No cap on control frames per second: with the byte bound and the coalescing above, a flood of requests
 * costs the server only the CPU to parse them, which the client pays for with the same bandwidth; a rate cap
 * would add a clock read per frame and cut legitimate bursts (a pool opening hundreds of streams at once) while
 * protecting nothing the byte bound does not.
 *
 * <p>What all sessions of the inbound hold is summed in {@link ServerMetrics} (sampled after each batch of writes
 * and every {@value #DRAIN_CHECK_MILLIS} ms while a backlog drains) so that {@link AnytlsInbound} can refuse new
 * connections above {@code inbound_pending_bytes}. A client that stops in the middle of a frame is closed after
 * {@code frame_read_timeout} ({@code reason=frame-read-timeout}).
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
    /** How often a session with frames queued toward its client samples how much is left. */
    static final long DRAIN_CHECK_MILLIS = 100;
    static final CloseReason WRITE_STALL = CloseReason.of("write-stall");
    static final CloseReason FRAME_READ_TIMEOUT = CloseReason.of("frame-read-timeout");

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
    private FrameDecoder decoder;
    private ChannelPromise voidPromise;
    /** Bytes the streams queue toward their targets (counted with a per-buffer overhead). */
    private long toTargets;
    /** The outbound buffer's size last added to the inbound's total. */
    private long reportedToClient;
    /** Over {@code session_pending_bytes}: not reading until the queue drains to half. */
    private boolean pausedForCap;
    private ScheduledFuture<?> drainTimer;
    private long lastClientSample;
    private long lastTargetsSample;
    private long lastDrainNanos;
    private boolean heartResponseQueued;
    private boolean paddingSchemeSent;
    private boolean serverSettingsSent;
    /** When the frame now arriving started (a partial frame is buffered), or -1. */
    private long partialFrameSinceNanos = -1;
    private ScheduledFuture<?> frameTimer;

    ServerSession(ServerRuntime runtime, long number, String user) {
        this.runtime = runtime;
        this.number = number;
        this.user = user;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.decoder = ctx.pipeline().get(FrameDecoder.class);
        this.voidPromise = new VoidChannelPromise(ctx.channel(), false);
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
                if (frame.endsFrame()) { // a whole frame arrived (PSH data comes in pieces: its last one)
                    lastActivityNanos = now();
                    partialFrameSinceNanos = -1; // a frame left partial is timed afresh
                }
                onFrame(frame);
                checkPending();
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
                // Looked up for each piece of the frame's data: only a SYN adds a stream, and none can arrive
                // inside a frame, so a frame for an unknown id has all its pieces discarded.
                ServerStream stream = streams.get(sid);
                if (stream != null) {
                    runtime.metrics.bytesIn(length);
                    stream.onClientData(frame.data().retain());
                } else if (frame.startsFrame()) {
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
            case Command.HEART_REQUEST -> answerHeartRequest(sid);
            default -> trace(frame, "ignored"); // Waste, frames meant for a client, unknown commands
        }
    }

    private void trace(Frame frame, String what) {
        if (ServerRuntime.LOG.isTraceEnabled()) {
            ServerRuntime.LOG.trace("inbound={} session=#{} {} cmd={} sid={} len={}: {}", runtime.tag, number,
                    Command.name(frame.command()), frame.command(), frame.streamId(), frame.frameLength(), what);
        }
    }

    /** One HeartResponse at a time: while one is queued (or the session is over its bound) more are dropped. */
    private void answerHeartRequest(long sid) {
        if (heartResponseQueued || pausedForCap) {
            runtime.metrics.replyDropped();
            return;
        }
        heartResponseQueued = true;
        ctx.write(FrameEncoder.frame(ctx.alloc(), Command.HEART_RESPONSE, sid, Unpooled.EMPTY_BUFFER, 0))
                .addListener(f -> heartResponseQueued = false);
    }

    private void onSettings(ByteBuf data) {
        settingsReceived = true;
        Map<String, String> settings = KeyValueText.parse(ByteBufUtil.getBytes(data));
        String md5 = settings.get("padding-md5");
        if (!paddingSchemeSent && !runtime.settings.paddingScheme().md5Hex().equals(md5)) {
            paddingSchemeSent = true; // the server has one scheme: a client needs it once per session
            writeControl(Command.UPDATE_PADDING_SCHEME, 0,
                    Unpooled.wrappedBuffer(runtime.settings.paddingScheme().raw()));
        }
        Integer version = KeyValueText.parseGoInt(settings.get("v"));
        if (version != null && version >= 2) {
            v2 = true;
            if (!serverSettingsSent) {
                serverSettingsSent = true;
                writeControl(Command.SERVER_SETTINGS, 0,
                        Unpooled.wrappedBuffer("v=2".getBytes(StandardCharsets.UTF_8)));
            }
        }
        ServerRuntime.LOG.debug("inbound={} session=#{} settings v={} client={} padding-md5={}", runtime.tag,
                number, settings.get("v"), settings.get("client"), md5);
    }

    private void onSyn(long sid) {
        if (!settingsReceived) {
            runtime.metrics.protocolViolation();
            ServerRuntime.LOG.debug("inbound={} session=#{} protocol violation: SYN (cmd 1) sid={} before Settings;"
                    + " sending Alert and closing", runtime.tag, number, sid);
            Object peer = ctx.channel().remoteAddress();
            runtime.rateLimited.event("syn-before-settings", (count, period) -> ServerRuntime.LOG.info(
                    "inbound={} session=#{} protocol violation: SYN (cmd 1) before Settings; sending Alert and"
                    + " closing ({} such sessions in the last {}, the last from {})", runtime.tag, number, count,
                    period, peer));
            writeControl(Command.ALERT, 0, Unpooled.wrappedBuffer(ALERT_NO_SETTINGS.getBytes(StandardCharsets.UTF_8)));
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
            runtime.metrics.streamRefused();
            if (ServerRuntime.LOG.isDebugEnabled()) {
                ServerRuntime.LOG.debug("inbound={} session=#{} stream={} refused: max_streams_per_session={}"
                        + " reached", runtime.tag, number, sid, limit);
            }
            Object peer = ctx.channel().remoteAddress();
            runtime.rateLimited.event("refused-stream", (count, period) -> ServerRuntime.LOG.info(
                    "inbound={} refused {} streams in the last {}, the last from {} (max_streams_per_session={})",
                    runtime.tag, count, period, peer, limit));
            if (v2) {
                writeControl(Command.SYNACK, sid, Unpooled.wrappedBuffer(("too many streams on this session: "
                        + "max_streams_per_session " + limit + " reached").getBytes(StandardCharsets.UTF_8)));
            }
            writeControl(Command.FIN, sid, Unpooled.EMPTY_BUFFER);
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
        flush();
        checkPartialFrame();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        for (ServerStream stream : streams.values()) {
            stream.updateTargetRead();
        }
        checkPending();
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
        ListenerGuard.handOffIfFatal(cause); // an Error (OOM) ends the process; see FatalErrors
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
     * Writes one control frame (not flushed) that nobody waits for, with a void promise: queued, it costs its bytes
     * and no listener. Takes ownership of {@code data}.
     */
    void writeControl(int command, long sid, ByteBuf data) {
        try {
            ctx.write(FrameEncoder.frame(ctx.alloc(), command, sid, data, data.readableBytes()), voidPromise);
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
                FrameEncoder.writeFrame(ctx, Command.PSH, sid, data, Frame.MAX_DATA_LENGTH, voidPromise);
            }
            // large payloads go to TLS uncopied, each header still in its payload's record (FrameEncoder#writeFrame)
            return FrameEncoder.writeFrame(ctx, Command.PSH, sid, data, data.readableBytes(), ctx.newPromise());
        } finally {
            data.release();
        }
    }

    void flush() {
        if (!closed) {
            ctx.flush();
            checkPending();
        }
    }

    /** Flush {@code stream}'s target at the end of this read batch. */
    void flushTargetLater(ServerStream stream) {
        targetsToFlush.add(stream);
    }

    /** A stream started or stopped holding more than its pending bound for its target. */
    void streamBlocked(boolean blocked) {
        blockedStreams += blocked ? 1 : -1;
        updateAutoRead();
    }

    /** A stream's bytes queued toward its target changed by {@code delta}. */
    void toTargets(long delta) {
        if (closed) {
            return; // the session's share was taken off the inbound's total when it closed
        }
        toTargets += delta;
        runtime.metrics.pending(delta);
        if (delta < 0 && pausedForCap) {
            checkPending();
        }
    }

    // ---- what the session holds --------------------------------------------------------------------------

    /** The one place that decides whether the session reads from its client. */
    private void updateAutoRead() {
        boolean autoRead = blockedStreams == 0 && !pausedForCap;
        if (ctx.channel().config().isAutoRead() != autoRead) {
            ctx.channel().config().setAutoRead(autoRead);
            if (decoder != null) {
                decoder.hold(!autoRead); // the frames of the last read batch wait too
                if (autoRead) {
                    ctx.executor().execute(this::releaseHeldFrames); // not from within a frame's handling
                }
            }
            if (autoRead && partialFrameSinceNanos >= 0) {
                partialFrameSinceNanos = now(); // the frame's time runs only while we read
            }
        }
    }

    private void releaseHeldFrames() {
        if (closed || !ctx.channel().config().isAutoRead()) {
            return;
        }
        ChannelHandlerContext decoderContext = ctx.pipeline().context(decoder);
        if (decoderContext == null) {
            return;
        }
        try {
            decoder.release(decoderContext);
        } catch (Exception e) {
            exceptionCaught(ctx, e);
        }
    }

    /** Bytes queued toward the client: the outbound buffer, which counts the TLS layer's unencrypted queue too. */
    private long toClient() {
        return AnytlsInbound.pendingBytes(ctx.channel());
    }

    /**
     * Updates the inbound's total, pauses or resumes reading for {@code session_pending_bytes}, and keeps a drain
     * check running while frames are queued toward the client.
     */
    private void checkPending() {
        if (closed) {
            return;
        }
        long toClient = toClient();
        if (toClient != reportedToClient) {
            runtime.metrics.pending(toClient - reportedToClient);
            reportedToClient = toClient;
        }
        long held = toClient + toTargets;
        int cap = runtime.settings.sessionPendingBytes();
        if (!pausedForCap && held >= cap) {
            pausedForCap = true;
            lastDrainNanos = now();
            lastClientSample = toClient;
            lastTargetsSample = toTargets;
            ServerRuntime.LOG.debug("inbound={} session=#{} holds {} bytes (session_pending_bytes={}): not reading",
                    runtime.tag, number, held, cap);
            updateAutoRead();
        } else if (pausedForCap && held <= cap / 2) {
            pausedForCap = false;
            ServerRuntime.LOG.debug("inbound={} session=#{} holds {} bytes: reading again", runtime.tag, number,
                    held);
            updateAutoRead();
        }
        if ((toClient > 0 || pausedForCap) && drainTimer == null) {
            drainTimer = ctx.executor().schedule(this::drainCheck, DRAIN_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Runs every {@value #DRAIN_CHECK_MILLIS} ms while frames are queued toward the client or the session is over
     * its bound. Over its bound, a session whose queues (toward the client and toward the targets) have not
     * shrunk for {@code session_write_stall_timeout} is closed: it cannot read, so it is of no use to anyone.
     */
    private void drainCheck() {
        drainTimer = null;
        if (closed) {
            return;
        }
        long toClient = toClient();
        if (!pausedForCap || toClient < lastClientSample || toTargets < lastTargetsSample) {
            lastDrainNanos = now();
        }
        lastClientSample = toClient;
        lastTargetsSample = toTargets;
        if (pausedForCap && now() - lastDrainNanos >= runtime.settings.sessionWriteStallTimeoutNanos()) {
            runtime.metrics.timedOut(true);
            Object peer = ctx.channel().remoteAddress();
            long stalledMillis = TimeUnit.NANOSECONDS.toMillis(now() - lastDrainNanos);
            long forTargets = toTargets;
            runtime.rateLimited.event("write-stall", (count, period) -> ServerRuntime.LOG.info(
                    "inbound={} closed {} sessions over session_pending_bytes={} that drained nothing for {} ms in"
                    + " the last {}, the last from {} (holding {} bytes for it, {} for its targets)", runtime.tag,
                    count, runtime.settings.sessionPendingBytes(), stalledMillis, period, peer, toClient,
                    forTargets));
            close(WRITE_STALL);
            return;
        }
        checkPending();
    }

    /** After a read batch: times a frame that is only partly here. */
    private void checkPartialFrame() {
        long timeout = runtime.settings.frameReadTimeoutNanos();
        if (timeout == 0 || closed || decoder == null) {
            return;
        }
        if (!decoder.inFrame()) {
            partialFrameSinceNanos = -1;
            return;
        }
        if (partialFrameSinceNanos < 0) {
            partialFrameSinceNanos = now();
        }
        if (frameTimer == null) {
            frameTimer = ctx.executor().schedule(this::frameCheck, timeout, TimeUnit.NANOSECONDS);
        }
    }

    private void frameCheck() {
        frameTimer = null;
        if (closed || partialFrameSinceNanos < 0) {
            return;
        }
        long timeout = runtime.settings.frameReadTimeoutNanos();
        long waited = now() - partialFrameSinceNanos;
        if (ctx.channel().config().isAutoRead() && waited >= timeout) {
            runtime.metrics.timedOut(false);
            Object peer = ctx.channel().remoteAddress();
            runtime.rateLimited.event("frame-read-timeout", (count, period) -> ServerRuntime.LOG.info(
                    "inbound={} closed {} sessions stalled in the middle of a frame for frame_read_timeout={} ms in"
                    + " the last {}, the last from {}", runtime.tag, count, TimeUnit.NANOSECONDS.toMillis(timeout),
                    period, peer));
            close(FRAME_READ_TIMEOUT);
            return;
        }
        long next = ctx.channel().config().isAutoRead() ? timeout - waited : timeout;
        frameTimer = ctx.executor().schedule(this::frameCheck, next, TimeUnit.NANOSECONDS);
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
        for (ScheduledFuture<?> timer : new ScheduledFuture<?>[] {idleTimer, drainTimer, frameTimer}) {
            if (timer != null) {
                timer.cancel(false);
            }
        }
        runtime.metrics.pending(-(reportedToClient + toTargets)); // what it still holds is freed with the channel
        reportedToClient = 0;
        toTargets = 0;
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
        if (ctx.channel().isActive() && reason == WRITE_STALL) {
            // The client reads nothing: neither our last frames nor a TLS close_notify can reach it. Drop what is
            // queued and reset the connection now (an abnormal end is loud), instead of waiting on a flush.
            AnytlsInbound.reset(ctx.channel());
        } else if (ctx.channel().isActive()) {
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
