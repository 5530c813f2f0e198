package org.anytls4j.transport.anytls.client;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.LongObjectHashMap;
import io.netty.util.collection.LongObjectMap;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.Destination;
import org.anytls4j.api.Ticker;
import org.anytls4j.api.outbound.Heartbeat;
import org.anytls4j.api.outbound.Session;
import org.anytls4j.api.outbound.StreamRefusedException;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.Frame;
import org.anytls4j.transport.anytls.frame.FrameDecoder;
import org.anytls4j.transport.anytls.frame.KeyValueText;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.anytls4j.transport.anytls.padding.PaddingWriter;
import org.anytls4j.transport.anytls.stream.InboundBudget;
import org.anytls4j.transport.anytls.stream.StreamChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client session: an authenticated TLS connection to an AnyTLS server carrying multiplexed streams
 * (PROTOCOL.md sections 6, 9.1, 10). It is the {@link Session} the host's pool holds, offers the
 * {@link Heartbeat} capability, and is the {@link StreamChannel.Host} of its streams.
 *
 * <h2>Protocol behaviour</h2>
 * <ul>
 *   <li>Settings ({@code v=2}, {@code client}, {@code padding-md5}) is held and leaves with the first session
 *   write as packet 1 (see {@link ClientSessionWriter}).</li>
 *   <li>Streams get ids from 1. The first stream's SYN and address PSH form one session write (joined with the
 *   held Settings); later streams send SYN and address PSH as two writes, as the reference does.</li>
 *   <li>{@link #openStream}: when the server announced {@code v >= 2} (ServerSettings), the stage completes on
 *   SYNACK, or fails with {@link StreamRefusedException} carrying its error text. The first stream of a session
 *   leaves with the Settings, before the server could announce anything: it waits up to
 *   {@code first_stream_wait} for the server's answer (a v2 server sends ServerSettings at once, then SYNACK), so
 *   that a refusal reaches the caller as a failed open (and the local client as a proper SOCKS or HTTP error)
 *   instead of a stream that closes after it was handed out; a server that says nothing in that time (v1) gets
 *   the stream handed out anyway. Otherwise the stage completes once SYN and address were written; a later SYNACK
 *   error fires the exception through the stream's pipeline and closes the stream.</li>
 *   <li>SYNACK watchdog: opening a stream with id >= 2 while the peer version is >= 2 (re)starts a 3 s timer that
 *   any SYNACK cancels; when it fires the session closes with {@link CloseReason#SYNACK_TIMEOUT}.</li>
 *   <li>HeartRequest is answered at once with HeartResponse of the same stream id. Alert (non-empty) is logged
 *   and closes the session ({@link CloseReason#PEER_CLOSE}). UpdatePaddingScheme replaces the outbound's scheme
 *   when valid (WARN and keep otherwise). Waste, Settings, SYN from the server and unknown commands are
 *   ignored (their data was skipped by the {@link FrameDecoder}). A FIN closes the stream after its queued data
 *   and is never answered; a FIN or PSH for an unknown id is ignored.</li>
 * </ul>
 *
 * <h2>Streams and back-pressure</h2>
 * Each stream is a {@link StreamChannel} child of the session channel, registered on its event loop; the
 * returned stage completes on that loop, so handlers added in the completion callback see every byte. Inbound
 * data waits in the stream's bounded queue ({@code stream_receive_buffer}) and the session stops reading its
 * socket while any queue is full or all together exceed {@code session_receive_buffer} ({@link InboundBudget}).
 *
 * <h2>Heartbeat</h2>
 * {@link #ping()} sends HeartRequest with its own stream id (1, 2, ... independent of stream ids; a v2 peer
 * echoes it) and completes with the round trip measured on the host's ticker when the matching HeartResponse
 * arrives. On a session still holding its Settings, the probe and the Settings leave together as packet 1.
 *
 * <h2>Threading</h2>
 * Public methods are thread-safe; all state lives on the channel's event loop, where every change happens.
 *
 * <h2>Lifecycle and ownership</h2>
 * Created by {@link AnytlsSessionConnector} once the preamble was written; {@link #attach} adds the frame
 * decoder and the session handler behind the TLS handler. The session owns its channel and its streams.
 * {@link #close} is idempotent: it fails pending opens and pings, closes streams without FIN, closes the
 * channel, and completes {@link #closeFuture()} with the first reason. The channel going inactive closes the
 * session with {@link CloseReason#PEER_CLOSE}; an exception closes it with {@link CloseReason#ERROR}.
 */
public final class ClientSession implements Session, Heartbeat, StreamChannel.Host {
    /** The SYNACK watchdog delay of the reference (PROTOCOL.md section 6.6). */
    static final long SYNACK_TIMEOUT_SECONDS = 3;
    /** Pipeline names. */
    public static final String DECODER_NAME = "anytls-frame-decoder";
    public static final String HANDLER_NAME = "anytls-client-session";

    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    private static final long MAX_STREAM_ID = 0xFFFF_FFFFL;

    private final String outbound;
    private final long seq;
    private final long createdNanos;
    private final Ticker ticker;
    private final Channel channel;
    private final EventLoop eventLoop;
    private final AtomicReference<PaddingScheme> scheme;
    private final RandomGenerator random;
    private final String clientMetadata;
    private final long streamReceiveLimit;
    private final InboundBudget budget;
    private final LongObjectMap<StreamChannel> streams = new LongObjectHashMap<>();
    private final LongObjectMap<CompletableFuture<Channel>> awaitingSynack = new LongObjectHashMap<>();
    /** How long the first stream waits for the server's first answer; 0 hands it out at once, as the reference. */
    private final long firstStreamWaitNanos;
    /** The id of a first stream waiting for its answer (in {@link #awaitingSynack}), or 0. */
    private long awaitingFirstAnswer;
    private ScheduledFuture<?> firstStreamTimer;
    private final LongObjectMap<Ping> pings = new LongObjectHashMap<>();
    private final CompletableFuture<CloseReason> closeFuture = new CompletableFuture<>();
    /** Streams that received data in the current read batch and wait for their {@code channelReadComplete}. */
    private final List<StreamChannel> readBatch = new ArrayList<>();

    private ClientSessionWriter writer;
    private long nextStreamId = 1;
    private long nextPingId = 1;
    private ScheduledFuture<?> synackWatchdog;
    private CloseReason closeReason;
    private volatile boolean active = true;
    private volatile int peerVersion;
    private volatile int openStreams;

    private record Ping(long sentNanos, CompletableFuture<Long> answer) {
    }

    /**
     * @param outbound           the outbound tag, for log lines
     * @param seq                the pool's sequence number
     * @param ticker             the host's clock: creation time and heartbeat round trips
     * @param channel            the TLS channel, after the preamble was written
     * @param scheme             the outbound's current padding scheme; replaced by UpdatePaddingScheme
     * @param random             the source of padding sizes
     * @param clientMetadata     the Settings {@code client} value; empty leaves the key out
     * @param streamReceiveLimit bytes one stream may queue before the session stops reading
     * @param sessionReceiveLimit bytes all streams together may queue before the session stops reading
     */
    public ClientSession(String outbound, long seq, Ticker ticker, Channel channel,
                         AtomicReference<PaddingScheme> scheme, RandomGenerator random, String clientMetadata,
                         long streamReceiveLimit, long sessionReceiveLimit) {
        this(outbound, seq, ticker, channel, scheme, random, clientMetadata, streamReceiveLimit, sessionReceiveLimit,
                Duration.ZERO);
    }

    /**
     * As above, with {@code first_stream_wait}: how long the first stream waits for the server's first answer
     * before it is handed out anyway ({@link Duration#ZERO}: at once, as the reference does).
     */
    public ClientSession(String outbound, long seq, Ticker ticker, Channel channel,
                         AtomicReference<PaddingScheme> scheme, RandomGenerator random, String clientMetadata,
                         long streamReceiveLimit, long sessionReceiveLimit, Duration firstStreamWait) {
        this.firstStreamWaitNanos = firstStreamWait.toNanos();
        this.outbound = requireNonNull(outbound, "outbound");
        this.seq = seq;
        this.ticker = requireNonNull(ticker, "ticker");
        this.createdNanos = ticker.nanoTime();
        this.channel = requireNonNull(channel, "channel");
        this.eventLoop = channel.eventLoop();
        this.scheme = requireNonNull(scheme, "scheme");
        this.random = requireNonNull(random, "random");
        this.clientMetadata = requireNonNull(clientMetadata, "clientMetadata");
        this.streamReceiveLimit = streamReceiveLimit;
        this.budget = new InboundBudget(channel, sessionReceiveLimit);
    }

    /** Adds the frame decoder and this session's handler at the end of the channel's pipeline. */
    public ClientSession attach() {
        assert eventLoop.inEventLoop();
        channel.pipeline().addLast(DECODER_NAME, new FrameDecoder());
        channel.pipeline().addLast(HANDLER_NAME, new Handler());
        if (!channel.isActive()) {
            close(CloseReason.PEER_CLOSE);
        }
        return this;
    }

    // ---- Session ----

    @Override
    public long seq() {
        return seq;
    }

    @Override
    public long createdNanos() {
        return createdNanos;
    }

    @Override
    public int openStreams() {
        return openStreams;
    }

    @Override
    public int peerVersion() {
        return peerVersion;
    }

    @Override
    public boolean isActive() {
        return active;
    }

    @Override
    public ScheduledExecutorService executor() {
        return eventLoop;
    }

    /** The session's TLS channel. */
    public Channel channel() {
        return channel;
    }

    @Override
    public CompletionStage<Channel> openStream(Destination destination) {
        requireNonNull(destination, "destination");
        CompletableFuture<Channel> result = new CompletableFuture<>();
        onEventLoop(() -> open0(destination, result));
        return result;
    }

    @Override
    public void close(CloseReason reason) {
        requireNonNull(reason, "reason");
        onEventLoop(() -> close0(reason));
    }

    @Override
    public CompletionStage<CloseReason> closeFuture() {
        return closeFuture;
    }

    @Override
    public <T> Optional<T> capability(Class<T> type) {
        return type == Heartbeat.class ? Optional.of(type.cast(this)) : Optional.empty();
    }

    // ---- Heartbeat ----

    @Override
    public CompletionStage<Long> ping() {
        CompletableFuture<Long> answer = new CompletableFuture<>();
        onEventLoop(() -> ping0(answer));
        return answer;
    }

    @Override
    public boolean peerAnswers() {
        return peerVersion >= 2;
    }

    // ---- StreamChannel.Host ----

    @Override
    public void writeData(StreamChannel stream, ByteBuf data) {
        if (!active || writer == null || streams.get(stream.streamId()) != stream) {
            data.release();
            return;
        }
        writer.writeData(stream.streamId(), data);
    }

    @Override
    public void flushData(StreamChannel stream) {
        if (writer != null) {
            writer.flush();
        }
    }

    @Override
    public void streamClosed(StreamChannel stream, boolean sendFin) {
        long id = stream.streamId();
        if (streams.get(id) == stream) {
            streams.remove(id);
        }
        openStreams--;
        CompletableFuture<Channel> pending = awaitingSynack.remove(id);
        if (pending != null) {
            pending.completeExceptionally(new ClosedChannelException());
        }
        if (sendFin && active) {
            writer.writeAndFlush(ClientFrames.emptyFrame(alloc(), Command.FIN, id));
        }
        log.debug("outbound={} session=#{} stream={} closed fin={}", outbound, seq, id, sendFin && active);
    }

    // ---- internals, all on the event loop ----

    private void open0(Destination destination, CompletableFuture<Channel> result) {
        if (!active) {
            result.completeExceptionally(closedException());
            return;
        }
        if (nextStreamId > MAX_STREAM_ID) {
            result.completeExceptionally(new IllegalStateException("stream ids of this session are used up"));
            close0(CloseReason.PROTOCOL_ERROR);
            return;
        }
        ByteBuf address;
        try {
            address = ClientFrames.addressFrame(alloc(), nextStreamId, destination);
        } catch (IllegalArgumentException e) {
            result.completeExceptionally(e); // not the session's fault: it stays usable
            return;
        }
        long id = nextStreamId++;
        StreamChannel stream = new StreamChannel(channel, id, this, budget, streamReceiveLimit);
        ChannelFuture registered = eventLoop.register(stream);
        if (!registered.isSuccess()) {
            address.release();
            result.completeExceptionally(registered.cause());
            return;
        }
        streams.put(id, stream);
        openStreams++;
        ByteBuf syn = ClientFrames.emptyFrame(alloc(), Command.SYN, id);
        ChannelFuture written;
        if (writer.isHolding()) {
            written = writer.write(alloc().compositeBuffer(2).addComponents(true, syn, address));
        } else {
            writer.write(syn);
            written = writer.write(address);
        }
        writer.flush();
        boolean v2 = peerVersion >= 2;
        if (id >= 2 && v2) {
            cancelWatchdog();
            synackWatchdog = eventLoop.schedule(this::synackTimedOut, SYNACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        log.debug("outbound={} session=#{} stream={} opened to {}", outbound, seq, id, destination);
        if (v2) {
            awaitingSynack.put(id, result);
            return;
        }
        if (id == 1 && peerVersion == 0 && firstStreamWaitNanos > 0) {
            // The Settings leave with this stream: wait for the server's ServerSettings and SYNACK, within bounds.
            awaitingSynack.put(id, result);
            awaitingFirstAnswer = id;
            firstStreamTimer = eventLoop.schedule(this::firstStreamWaitOver, firstStreamWaitNanos,
                    TimeUnit.NANOSECONDS);
            written.addListener(f -> {
                if (!f.isSuccess() && awaitingSynack.remove(id) != null) {
                    result.completeExceptionally(f.cause());
                }
            });
            return;
        }
        written.addListener(f -> {
            if (f.isSuccess()) {
                handOut(stream, result);
            } else {
                result.completeExceptionally(f.cause());
            }
        });
    }

    private void handOut(StreamChannel stream, CompletableFuture<Channel> result) {
        if (!result.complete(stream)) {
            stream.close(); // the caller gave up on it
            return;
        }
        // Handlers the caller added in its completion callback now see data that arrived meanwhile.
        eventLoop.execute(stream::deliverPending);
    }

    /**
     * The first stream waited long enough, or the server announced a version below 2 (which never sends SYNACK):
     * hand it out as the reference would have at once.
     */
    private void firstStreamWaitOver() {
        firstStreamTimer = null;
        long id = awaitingFirstAnswer;
        awaitingFirstAnswer = 0;
        CompletableFuture<Channel> pending = id == 0 ? null : awaitingSynack.remove(id);
        StreamChannel stream = id == 0 ? null : streams.get(id);
        if (pending != null && stream != null) {
            log.debug("outbound={} session=#{} stream={} handed out without SYNACK (server version {})", outbound,
                    seq, id, peerVersion);
            handOut(stream, pending);
        }
    }

    private void cancelFirstStreamTimer() {
        awaitingFirstAnswer = 0;
        if (firstStreamTimer != null) {
            firstStreamTimer.cancel(false);
            firstStreamTimer = null;
        }
    }

    private void synackTimedOut() {
        synackWatchdog = null;
        log.warn("outbound={} session=#{} no SYNACK within {}s; closing", outbound, seq, SYNACK_TIMEOUT_SECONDS);
        close0(CloseReason.SYNACK_TIMEOUT);
    }

    private void cancelWatchdog() {
        if (synackWatchdog != null) {
            synackWatchdog.cancel(false);
            synackWatchdog = null;
        }
    }

    private void ping0(CompletableFuture<Long> answer) {
        if (!active) {
            answer.completeExceptionally(closedException());
            return;
        }
        long id = nextPingId;
        nextPingId = nextPingId == MAX_STREAM_ID ? 1 : nextPingId + 1;
        Ping previous = pings.put(id, new Ping(ticker.nanoTime(), answer));
        if (previous != null) {
            previous.answer().completeExceptionally(new IOException("heartbeat id reused before an answer came"));
        }
        writer.writeAndFlush(ClientFrames.emptyFrame(alloc(), Command.HEART_REQUEST, id)).addListener(f -> {
            if (!f.isSuccess() && pings.remove(id) != null) {
                answer.completeExceptionally(f.cause());
            }
        });
    }

    private void close0(CloseReason reason) {
        if (closeReason != null) {
            return;
        }
        closeReason = reason;
        active = false;
        cancelWatchdog();
        cancelFirstStreamTimer();
        IOException closed = closedException();
        for (CompletableFuture<Channel> pending : new ArrayList<>(awaitingSynack.values())) {
            pending.completeExceptionally(closed);
        }
        awaitingSynack.clear();
        for (Ping ping : new ArrayList<>(pings.values())) {
            ping.answer().completeExceptionally(closed);
        }
        pings.clear();
        int streamCount = openStreams;
        List<StreamChannel> open = new ArrayList<>(streams.values());
        streams.clear();
        for (StreamChannel stream : open) {
            stream.closeBySession();
        }
        readBatch.clear();
        if (writer != null) {
            writer.release();
        }
        channel.close();
        log.info("outbound={} session=#{} closed reason={} streams={}", outbound, seq, reason, streamCount);
        closeFuture.complete(reason);
    }

    private IOException closedException() {
        return new SessionClosedException(closeReason);
    }

    private ByteBufAllocator alloc() {
        return channel.alloc();
    }

    private void onEventLoop(Runnable task) {
        if (eventLoop.inEventLoop()) {
            task.run();
        } else {
            eventLoop.execute(task);
        }
    }

    private void onFrame(Frame frame) {
        long sid = frame.streamId();
        switch (frame.command()) {
            case Command.PSH -> {
                StreamChannel stream = streams.get(sid);
                if (stream != null && stream.receive(frame.data().retain())) {
                    readBatch.add(stream);
                }
            }
            case Command.FIN -> {
                StreamChannel stream = streams.remove(sid);
                if (stream != null) {
                    CompletableFuture<Channel> pending = awaitingSynack.remove(sid);
                    if (pending != null) {
                        pending.completeExceptionally(
                                new IOException("the server closed stream " + sid + " before answering it"));
                    }
                    stream.peerClosed();
                }
            }
            case Command.SYNACK -> onSynack(sid, frame.data());
            case Command.HEART_REQUEST -> writer.writeAndFlush(
                    ClientFrames.emptyFrame(alloc(), Command.HEART_RESPONSE, sid));
            case Command.HEART_RESPONSE -> {
                Ping ping = pings.remove(sid);
                if (ping != null) {
                    ping.answer().complete(ticker.nanoTime() - ping.sentNanos());
                }
            }
            case Command.SERVER_SETTINGS -> {
                if (frame.data().isReadable()) {
                    Integer v = KeyValueText.parseGoInt(
                            KeyValueText.parse(frame.data().toString(StandardCharsets.UTF_8)).get("v"));
                    if (v != null) {
                        peerVersion = v;
                        log.debug("outbound={} session=#{} server version={}", outbound, seq, v);
                        if (v < 2 && awaitingFirstAnswer != 0) {
                            firstStreamWaitOver(); // a v1 server never answers a SYN
                        }
                    }
                }
            }
            case Command.UPDATE_PADDING_SCHEME -> {
                if (frame.data().isReadable()) {
                    onUpdatePaddingScheme(frame.data());
                }
            }
            case Command.ALERT -> {
                if (frame.data().isReadable()) {
                    log.warn("outbound={} session=#{} alert from server: {}; closing", outbound, seq,
                            frame.data().toString(StandardCharsets.UTF_8));
                    close0(CloseReason.PEER_CLOSE);
                }
            }
            default -> {
                // Waste, Settings, SYN from a server and unknown commands: ignored, data already skipped.
                if (!Command.isKnown(frame.command())) {
                    log.trace("outbound={} session=#{} skipped {}", outbound, seq, frame);
                }
            }
        }
    }

    private void onSynack(long sid, ByteBuf data) {
        cancelWatchdog();
        if (sid == awaitingFirstAnswer) {
            cancelFirstStreamTimer();
        }
        StreamChannel stream = streams.get(sid);
        if (stream == null) {
            return;
        }
        CompletableFuture<Channel> pending = awaitingSynack.remove(sid);
        if (!data.isReadable()) {
            if (pending != null) {
                handOut(stream, pending);
            }
            return;
        }
        String text = data.toString(StandardCharsets.UTF_8);
        log.debug("outbound={} session=#{} stream={} refused: {}", outbound, seq, sid, text);
        StreamRefusedException refused = new StreamRefusedException(text);
        streams.remove(sid);
        if (pending != null) {
            pending.completeExceptionally(refused); // the caller never saw the channel: close it quietly
            stream.closeBySession();
            return;
        }
        stream.refuse(refused);
    }

    private void onUpdatePaddingScheme(ByteBuf data) {
        byte[] raw = new byte[data.readableBytes()];
        data.getBytes(data.readerIndex(), raw);
        Optional<PaddingScheme> received = PaddingScheme.parseReceived(raw);
        if (received.isPresent()) {
            scheme.set(received.get());
            log.info("outbound={} session=#{} padding scheme updated md5={}", outbound, seq,
                    received.get().md5Hex());
        } else {
            log.warn("outbound={} session=#{} ignored an invalid padding scheme from the server ({} bytes, no"
                    + " valid 'stop'); keeping md5={}", outbound, seq, raw.length, scheme.get().md5Hex());
        }
    }

    /** The pipeline end of the session: frames in, writability and errors. */
    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            PaddingScheme current = scheme.get();
            ByteBuf settings = ClientFrames.textFrame(ctx.alloc(), Command.SETTINGS, 0,
                    ClientFrames.settingsText(clientMetadata, current.md5Hex()));
            writer = new ClientSessionWriter(ctx, new PaddingWriter(scheme::get, random), settings);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof Frame frame)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            try {
                if (active) {
                    onFrame(frame);
                }
            } finally {
                frame.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            for (int i = 0; i < readBatch.size(); i++) {
                readBatch.get(i).readComplete();
            }
            readBatch.clear();
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            close0(CloseReason.PEER_CLOSE);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            for (StreamChannel stream : new ArrayList<>(streams.values())) {
                stream.pipeline().fireChannelWritabilityChanged();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (active) {
                log.warn("outbound={} session=#{} error: {}; closing", outbound, seq, cause.toString());
            }
            close0(CloseReason.ERROR);
        }
    }

    /** The session was closed; the message names the reason. */
    static final class SessionClosedException extends IOException {
        private static final long serialVersionUID = 1L;

        SessionClosedException(CloseReason reason) {
            super(reason == null ? "session closed" : "session closed: " + reason, null);
        }
    }
}
