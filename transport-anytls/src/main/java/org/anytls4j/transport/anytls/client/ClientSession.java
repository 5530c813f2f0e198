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
import org.anytls4j.transport.anytls.AnytlsCloseReasons;
import org.anytls4j.api.Destination;
import org.anytls4j.api.GoDurations;
import org.anytls4j.api.Ticker;
import org.anytls4j.api.inbound.ListenerGuard;
import org.anytls4j.api.outbound.Heartbeat;
import org.anytls4j.api.outbound.PacketStreams;
import org.anytls4j.api.outbound.Session;
import org.anytls4j.api.outbound.StreamRefusedException;
import org.anytls4j.api.outbound.StreamResetException;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.Frame;
import org.anytls4j.transport.anytls.frame.FrameDecoder;
import org.anytls4j.transport.anytls.frame.KeyValueText;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.anytls4j.transport.anytls.padding.PaddingWriter;
import org.anytls4j.transport.anytls.stream.InboundBudget;
import org.anytls4j.transport.anytls.stream.StreamChannel;
import org.anytls4j.transport.anytls.uot.UotClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client session: an authenticated TLS connection to an AnyTLS server carrying multiplexed streams
 * (PROTOCOL.md sections 6, 9.1, 10). It is the {@link Session} the host's pool holds, offers the
 * {@link Heartbeat} and {@link PacketStreams} ({@link UotClient}) capabilities, and is the {@link StreamChannel.Host} of its streams.
 *
 * <h2>Protocol behaviour</h2>
 * <ul>
 *   <li>Settings ({@code v=2}, {@code client}, {@code padding-md5}) is held and leaves with the first session
 *   write as packet 1 (see {@link ClientSessionWriter}).</li>
 *   <li>Streams get ids from 1. The first stream's SYN and address PSH form one session write (joined with the
 *   held Settings); later streams send SYN and address PSH as two writes, as the reference does.</li>
 *   <li>{@link #openStream}: when the server is known to speak {@code v >= 2} (it announced it in ServerSettings,
 *   or another session of the outbound learnt it: {@link ServerKnowledge}), the stage completes on SYNACK, or
 *   fails with {@link StreamRefusedException} carrying its error text, or with an {@link IOException} naming the
 *   SYNACK watchdog when the server stays silent. Otherwise the first stream of a session leaves with the
 *   Settings, before the server could announce anything: it waits up to
 *   {@code first_stream_wait} for the server's answer (a v2 server sends ServerSettings at once, then SYNACK), so
 *   that a refusal reaches the caller as a failed open (and the local client as a proper SOCKS or HTTP error)
 *   instead of a stream that closes after it was handed out; a server that says nothing in that time (v1) gets
 *   the stream handed out anyway. Otherwise the stage completes once SYN and address were written; a later SYNACK
 *   error fires the exception through the stream's pipeline and closes the stream.</li>
 *   <li>SYNACK watchdog: opening a stream while the server is known to speak v2 (re)starts a timer
 *   ({@code stream_open_timeout}, 3 s as the reference) that any SYNACK cancels and anything else read from the
 *   server restarts (proof of life: the SYNACK may follow a slow dial); when the server stayed silent for the
 *   whole bound the session closes with {@link AnytlsCloseReasons#SYNACK_TIMEOUT} and the opens waiting for their
 *   SYNACK fail with an
 *   {@link IOException} naming the reason, so the pool may retry them on a fresh session. Unlike the reference,
 *   the first stream is guarded too when the outbound's {@link ServerKnowledge} says the server speaks v2 (a
 *   pre-warmed session whose server went silent is found at its first stream), and time during which the
 *   session's reads were paused by local back-pressure does not count (the SYNACK may sit unread behind data):
 *   the timer re-arms for the remaining time.</li>
 *   <li>HeartRequest is answered at once with HeartResponse of the same stream id; while the channel is not
 *   writable (the server does not read), answers are coalesced into one that leaves when it is writable again,
 *   and the session closes ({@link CloseReason#ERROR}) if that takes longer than the reference's 5 s control-frame
 *   write deadline, so a server flooding HeartRequest without reading cannot make the client queue without
 *   bound. Alert (non-empty) is logged
 *   and closes the session ({@link CloseReason#PEER_CLOSE}). UpdatePaddingScheme replaces the outbound's scheme
 *   when valid (WARN and keep otherwise). Waste, Settings, SYN from the server and unknown commands are
 *   ignored (their data was skipped by the {@link FrameDecoder}). A FIN closes the stream after its queued data
 *   and is never answered; a FIN or PSH for an unknown id is ignored (every piece of a PSH frame whose id was
 *   unknown at its first piece: the {@link FrameDecoder} hands PSH data on as it arrives).</li>
 * </ul>
 *
 * <h2>Streams and back-pressure</h2>
 * Each stream is a {@link StreamChannel} child of the session channel, registered on its event loop; the
 * returned stage completes on that loop. A stream is handed out with {@code autoRead} off and delivers nothing
 * until its owner reads, after installing its handlers from any thread (see {@link StreamChannel}). Inbound data
 * waits in the stream's bounded queue ({@code stream_receive_buffer}) and the session stops reading its socket
 * while any queue is full or all together exceed {@code session_receive_buffer} ({@link InboundBudget}).
 *
 * <h2>Heartbeat and liveness</h2>
 * {@link #ping()} sends HeartRequest with its own stream id (1, 2, ... independent of stream ids; a v2 peer
 * echoes it) and completes with the round trip measured on the host's ticker when the matching HeartResponse
 * arrives. On a session still holding its Settings, the probe and the Settings leave together as packet 1.
 * {@link #lastReadNanos()} is stamped by a handler in front of the frame decoder on every read from the TLS
 * layer, so any byte counts as proof of life; {@link #readsPaused()} and {@link #readsPausedNanos()} come from
 * the {@link InboundBudget}.
 *
 * <h2>Threading</h2>
 * Public methods are thread-safe; all state lives on the channel's event loop, where every change happens.
 *
 * <h2>Lifecycle and ownership</h2>
 * Created by {@link AnytlsSessionConnector} once the preamble was written; {@link #attach} adds the frame
 * decoder and the session handler behind the TLS handler. The session owns its channel and its streams.
 * {@link #close} is idempotent: it fails pending opens and pings, resets the streams that were handed out
 * ({@link StreamResetException} through their pipeline, then closed without FIN: they were cut, not ended),
 * closes the channel, and completes {@link #closeFuture()} with the first reason. The channel going inactive closes the
 * session with {@link CloseReason#PEER_CLOSE}; an exception closes it with {@link CloseReason#ERROR}.
 */
public final class ClientSession implements Session, Heartbeat, StreamChannel.Host {
    /** The SYNACK watchdog delay of the reference (PROTOCOL.md section 6.6), the default stream_open_timeout. */
    static final Duration SYNACK_TIMEOUT = Duration.ofSeconds(3);
    /**
     * How long a HeartResponse may wait for the channel to become writable before the session is closed: the
     * reference's write deadline for control frames (POOL.md section 8.7).
     */
    static final Duration CONTROL_WRITE_DEADLINE = Duration.ofSeconds(5);
    /** Pipeline names. */
    public static final String READ_CLOCK_NAME = "anytls-read-clock";
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
    /**
     * The stream the PSH frame arriving in pieces was found for at its first piece, or null (an unknown id): the
     * later pieces go there only, so a stream opened with that id meanwhile gets none of them.
     */
    private StreamChannel pshStream;

    private final ServerKnowledge knowledge;
    private final long synackTimeoutNanos;

    private ClientSessionWriter writer;
    private long nextStreamId = 1;
    private long nextPingId = 1;
    private ScheduledFuture<?> synackWatchdog;
    /** When the running watchdog was (re)armed, and the paused-read total then: paused time does not count. */
    private long watchdogArmedNanos;
    private long watchdogPausedNanos;
    /** The HeartResponse id waiting for the channel to become writable, or -1. */
    private long deferredHeartResponse = -1;
    /** HeartRequests answered by the deferred HeartResponse instead of their own, since it was deferred. */
    private long coalescedHeartRequests;
    private ScheduledFuture<?> heartResponseDeadline;
    private CloseReason closeReason;
    private volatile boolean active = true;
    private volatile int peerVersion;
    private volatile int openStreams;
    private volatile long lastReadNanos = Long.MIN_VALUE;
    private volatile boolean heartbeatAnswered;
    /** What the heartbeat monitor published last ({@link #observed}); any thread. */
    private volatile Heartbeat.Observation heartbeatObservation;

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
        this(outbound, seq, ticker, channel, scheme, random, clientMetadata, streamReceiveLimit, sessionReceiveLimit,
                firstStreamWait, new ServerKnowledge(outbound), SYNACK_TIMEOUT);
    }

    /**
     * As above, with what the outbound knows about its server (shared by its sessions) and
     * {@code stream_open_timeout}, the SYNACK watchdog's delay.
     */
    public ClientSession(String outbound, long seq, Ticker ticker, Channel channel,
                         AtomicReference<PaddingScheme> scheme, RandomGenerator random, String clientMetadata,
                         long streamReceiveLimit, long sessionReceiveLimit, Duration firstStreamWait,
                         ServerKnowledge knowledge, Duration streamOpenTimeout) {
        this.firstStreamWaitNanos = firstStreamWait.toNanos();
        this.knowledge = requireNonNull(knowledge, "knowledge");
        this.synackTimeoutNanos = streamOpenTimeout.toNanos();
        if (synackTimeoutNanos <= 0) {
            throw new IllegalArgumentException("streamOpenTimeout must be > 0, was " + streamOpenTimeout);
        }
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
        this.budget = new InboundBudget(channel, sessionReceiveLimit, ticker);
    }

    /** Adds the frame decoder and this session's handler at the end of the channel's pipeline. */
    public ClientSession attach() {
        assert eventLoop.inEventLoop();
        channel.pipeline().addLast(READ_CLOCK_NAME, new ReadClock());
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
    public long lastReadNanos() {
        return lastReadNanos;
    }

    @Override
    public boolean readsPaused() {
        return budget.isPaused();
    }

    @Override
    public long readsPausedNanos() {
        return budget.pausedNanos();
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
        if (type == Heartbeat.class) {
            return Optional.of(type.cast(this));
        }
        return type == PacketStreams.class ? Optional.of(type.cast(new UotClient(this))) : Optional.empty();
    }

    // ---- Heartbeat ----

    @Override
    public CompletionStage<Long> ping() {
        CompletableFuture<Long> answer = new CompletableFuture<>();
        onEventLoop(() -> ping0(answer));
        return answer;
    }

    /**
     * True when this session's server answered a heartbeat or announced v2, or, before it announced anything,
     * when the outbound's server proved either on another session ({@link ServerKnowledge}).
     */
    @Override
    public boolean peerAnswers() {
        int v = peerVersion;
        if (heartbeatAnswered || v >= 2) {
            return true;
        }
        return v == 0 && knowledge.answersHeartbeats();
    }

    /** Keeps the heartbeat monitor's last observation for {@code /pool}. */
    @Override
    public void observed(Heartbeat.Observation observation) {
        heartbeatObservation = observation;
    }

    @Override
    public Optional<Heartbeat.Observation> lastObservation() {
        return Optional.ofNullable(heartbeatObservation);
    }

    /** Whether the server is known to answer every SYN with SYNACK: it said so here, or proved it elsewhere. */
    private boolean serverSpeaksV2() {
        int v = peerVersion;
        return v >= 2 || (v == 0 && knowledge.knowsV2());
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
        boolean v2 = serverSpeaksV2();
        if (v2) {
            armWatchdog();
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
                    failOpen(stream, result, f.cause());
                }
            });
            return;
        }
        written.addListener(f -> {
            if (f.isSuccess()) {
                handOut(stream, result);
            } else {
                failOpen(stream, result, f.cause());
            }
        });
    }

    /**
     * The stream's SYN could not be written (the connection broke under the session): it was never handed out, so
     * it closes quietly (no FIN, nothing fired through a pipeline nobody installed) before its open fails.
     */
    private void failOpen(StreamChannel stream, CompletableFuture<Channel> result, Throwable cause) {
        stream.closeBySession();
        result.completeExceptionally(cause);
    }

    /**
     * Gives the stream to the caller. It delivers nothing until the caller reads (see {@link StreamChannel}): data
     * that arrived meanwhile, or arrives before the caller's handlers are in place, waits in its queue.
     */
    private void handOut(StreamChannel stream, CompletableFuture<Channel> result) {
        if (result.complete(stream)) {
            stream.markHandedOut();
        } else {
            stream.close(); // the caller gave up on it
        }
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

    /** (Re)starts the SYNACK watchdog for a stream just opened (PROTOCOL.md section 6.6). */
    private void armWatchdog() {
        cancelWatchdog();
        watchdogArmedNanos = ticker.nanoTime();
        watchdogPausedNanos = budget.pausedNanos();
        synackWatchdog = eventLoop.schedule(this::synackTimedOut, synackTimeoutNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * The watchdog's time is up. It exists to find a connection that died silently, so it closes the session only
     * when the server sent nothing at all for the bound: anything read since the watchdog was armed proves the
     * server alive (its SYNACK may follow a slow dial), and the watchdog re-arms for a new bound from now. Time
     * during which the session did not read because of local back-pressure says nothing about the server either
     * (its SYNACK may be waiting behind data), so the timer re-arms for what is left of the bound in reading time;
     * while reads are paused now, no verdict at all.
     */
    private void synackTimedOut() {
        synackWatchdog = null;
        long lastRead = lastReadNanos;
        if (lastRead != Long.MIN_VALUE && lastRead - watchdogArmedNanos > 0) {
            log.debug("outbound={} session=#{} no SYNACK yet, but the server sent data meanwhile; watchdog re-armed",
                    outbound, seq);
            armWatchdog();
            return;
        }
        long pausedMeanwhile = budget.pausedNanos() - watchdogPausedNanos;
        long readingNanos = ticker.nanoTime() - watchdogArmedNanos - pausedMeanwhile;
        if (budget.isPaused() || readingNanos < synackTimeoutNanos) {
            long rest = Math.max(synackTimeoutNanos - readingNanos, synackTimeoutNanos / 10);
            log.debug("outbound={} session=#{} no SYNACK yet, but reads were paused by local back-pressure for {};"
                    + " watchdog re-armed for {}", outbound, seq, GoDurations.format(pausedMeanwhile),
                    GoDurations.format(rest));
            synackWatchdog = eventLoop.schedule(this::synackTimedOut, rest, TimeUnit.NANOSECONDS);
            return;
        }
        String bound = GoDurations.format(synackTimeoutNanos);
        log.warn("outbound={} session=#{} no SYNACK within {}; closing", outbound, seq, bound);
        close0(AnytlsCloseReasons.SYNACK_TIMEOUT,
                new IOException("server did not answer within " + bound + " (no SYNACK); session closed"));
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
        close0(reason, null);
    }

    /**
     * @param openFailure what opens still waiting for their answer fail with; null: "session closed: reason"
     */
    private void close0(CloseReason reason, IOException openFailure) {
        if (closeReason != null) {
            return;
        }
        closeReason = reason;
        active = false; // before any future completes: the pool's retry checks it
        cancelWatchdog();
        cancelFirstStreamTimer();
        cancelHeartResponseDeadline();
        IOException closed = closedException();
        List<CompletableFuture<Channel>> waiting = new ArrayList<>(awaitingSynack.values());
        List<StreamChannel> handedOut = new ArrayList<>();
        // Streams not handed out yet (awaiting a SYNACK, or their SYN still being written) have nobody to tell of a
        // reset: they close quietly and their opens fail.
        List<StreamChannel> notHandedOut = new ArrayList<>();
        for (StreamChannel stream : streams.values()) {
            (stream.isHandedOut() ? handedOut : notHandedOut).add(stream);
        }
        streams.clear();
        awaitingSynack.clear();
        for (CompletableFuture<Channel> pending : waiting) {
            pending.completeExceptionally(openFailure != null ? openFailure : closed);
        }
        for (Ping ping : new ArrayList<>(pings.values())) {
            ping.answer().completeExceptionally(closed);
        }
        pings.clear();
        int streamCount = openStreams;
        notHandedOut.forEach(StreamChannel::closeBySession);
        handedOut.forEach(stream -> resetStream(stream, reason));
        readBatch.clear();
        if (writer != null) {
            writer.release();
        }
        channel.close();
        log.info("outbound={} session=#{} closed reason={} streams={}", outbound, seq, reason, streamCount);
        closeFuture.complete(reason);
    }

    /**
     * A stream the session cuts off (it was handed out and had not ended): its pipeline learns it was cut, by a
     * {@link StreamResetException}, so whoever relays it resets the local connection instead of ending it with
     * a clean EOF; then it closes without FIN.
     */
    private void resetStream(StreamChannel stream, CloseReason reason) {
        if (!stream.isOpen()) {
            return;
        }
        StreamResetException cause = new StreamResetException(reason, "outbound " + outbound + " session #" + seq
                + " closed (" + reason + ") while stream " + stream.streamId() + " was open");
        stream.reset(cause);
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
                if (frame.startsFrame()) {
                    pshStream = stream;
                } else if (stream != pshStream) {
                    stream = null; // unknown at the frame's first piece, or closed since
                }
                if (frame.endsFrame()) {
                    pshStream = null;
                }
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
            case Command.HEART_REQUEST -> answerHeartRequest(sid);
            case Command.HEART_RESPONSE -> {
                if (!heartbeatAnswered) {
                    heartbeatAnswered = true;
                    knowledge.heartbeatAnswered();
                }
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
                        knowledge.versionAnnounced(seq, v);
                        if (v < 2) {
                            serverIsV1();
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

    /**
     * A server that announced a version below 2 never answers a SYN: streams waiting for their SYNACK (because
     * the outbound believed the server spoke v2, or in {@code first_stream_wait}) are handed out now, as the
     * reference would have done at once, and the watchdog stops.
     */
    private void serverIsV1() {
        cancelWatchdog();
        cancelFirstStreamTimer();
        List<Long> ids = new ArrayList<>(awaitingSynack.keySet());
        for (long id : ids) {
            CompletableFuture<Channel> pending = awaitingSynack.remove(id);
            StreamChannel stream = streams.get(id);
            if (pending != null && stream != null) {
                handOut(stream, pending);
            }
        }
    }

    /**
     * Answers a HeartRequest (PROTOCOL.md section 6.10) without letting a server that sends them faster than it
     * reads make us queue without bound: while the channel is not writable, only the latest answer is kept; it
     * leaves once the channel is writable again, and if that takes longer than {@link #CONTROL_WRITE_DEADLINE}
     * the session is closed.
     */
    private void answerHeartRequest(long sid) {
        if (deferredHeartResponse < 0 && channel.isWritable()) {
            writer.writeAndFlush(ClientFrames.emptyFrame(alloc(), Command.HEART_RESPONSE, sid));
            return;
        }
        if (deferredHeartResponse < 0) {
            log.debug("outbound={} session=#{} the server is not reading; holding HeartResponse until it does",
                    outbound, seq);
            heartResponseDeadline = eventLoop.schedule(this::heartResponseStuck, CONTROL_WRITE_DEADLINE.toNanos(),
                    TimeUnit.NANOSECONDS);
        } else {
            coalescedHeartRequests++;
        }
        deferredHeartResponse = sid;
    }

    /** The channel became writable: the held HeartResponse leaves. */
    private void sendDeferredHeartResponse() {
        if (deferredHeartResponse < 0 || !active || !channel.isWritable()) {
            return;
        }
        long sid = deferredHeartResponse;
        if (coalescedHeartRequests > 0) {
            log.debug("outbound={} session=#{} answered {} HeartRequests with one HeartResponse (the server was "
                    + "not reading)", outbound, seq, coalescedHeartRequests + 1);
        }
        deferredHeartResponse = -1;
        coalescedHeartRequests = 0;
        cancelHeartResponseDeadline();
        writer.writeAndFlush(ClientFrames.emptyFrame(alloc(), Command.HEART_RESPONSE, sid));
    }

    private void heartResponseStuck() {
        heartResponseDeadline = null;
        if (deferredHeartResponse < 0 || !active) {
            return;
        }
        log.warn("outbound={} session=#{} the server did not read for {} while sending {} HeartRequests; closing",
                outbound, seq, GoDurations.format(CONTROL_WRITE_DEADLINE), coalescedHeartRequests + 1);
        close0(CloseReason.ERROR);
    }

    private void cancelHeartResponseDeadline() {
        if (heartResponseDeadline != null) {
            heartResponseDeadline.cancel(false);
            heartResponseDeadline = null;
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

    /** In front of the frame decoder: stamps {@link #lastReadNanos} on every read, whole frame or not. */
    private final class ReadClock extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            lastReadNanos = ticker.nanoTime();
            ctx.fireChannelRead(msg);
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
            sendDeferredHeartResponse();
            for (StreamChannel stream : new ArrayList<>(streams.values())) {
                stream.pipeline().fireChannelWritabilityChanged();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ListenerGuard.handOffIfFatal(cause); // an Error (OOM) ends the process; see FatalErrors
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
