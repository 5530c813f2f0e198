package org.anytls4j.transport.anytls.stream;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;

/**
 * One AnyTLS stream as a Netty child channel of its session's channel (modelled on Netty's
 * {@code AbstractHttp2StreamChannel}). Reads deliver {@link ByteBuf}s (the reader releases them); writes take
 * {@code ByteBuf}s, which the {@link Host} turns into PSH frames on the session. Used by the client and the
 * server alike.
 *
 * <h2>Reading and back-pressure</h2>
 * Data the peer sends is queued here until the reader asks for it: with {@code autoRead} on it is delivered at
 * once; with {@code autoRead} off, each {@link Channel#read()} delivers what is queued at that moment followed
 * by {@code channelReadComplete}. Data arriving from the session is followed by one {@code channelReadComplete}
 * per session read batch (see {@link #receive}). AnyTLS has no per-stream window, so a reader that stops reading makes the
 * queue grow; once it holds more than {@code receiveLimitBytes} the session's {@link InboundBudget} stops
 * reading the session socket, which stalls every stream of the session (the only safe choice: the peer cannot
 * be told to stop sending on one stream). Until then, other streams keep flowing: a slow reader costs the
 * others nothing below its bound, and the session as a whole never buffers more than its budget (plus one read,
 * see {@link InboundBudget}). Nothing is ever dropped.
 *
 * <h2>Hand-out</h2>
 * A stream starts with {@code autoRead} off, like Netty's HTTP/2 child channels before their initializer ran: it
 * delivers nothing, whatever handlers its pipeline has, until its owner calls {@link Channel#read()} or turns
 * {@code autoRead} on. Data that arrives before is queued as above (so the budget applies and a stream nobody
 * reads still pauses its session), and delivered in order by the first read. The owner installs its handlers
 * first, from any thread, then starts reading; no ordering of {@code addLast} calls can lose a byte. A FIN that
 * arrives before the first read waits behind the queued data.
 *
 * <h2>Writing</h2>
 * Writes are handed to the session when flushed; a write's promise completes when the session took it (a
 * failing session write closes the session and with it this channel). The stream is writable only while its
 * own buffer is below its high-water mark <em>and</em> the session channel is writable; the host fires
 * {@code channelWritabilityChanged} on every stream when the session's writability changes.
 *
 * <h2>Closing</h2>
 * Closing the channel locally asks the host to send FIN. A FIN from the peer ({@link #peerClosed()}) fails
 * further writes at once and closes the channel, without answering FIN, after the data queued before it was
 * delivered. A closing session closes its streams with {@link #closeBySession()}: no FIN; a session that died
 * with streams still open cuts them with {@link #reset(Throwable)}, which tells the reader the data is incomplete.
 *
 * <h2>Threading</h2>
 * Registered on the session channel's event loop; every method of this class that is not part of
 * {@link Channel} must be called there.
 */
public final class StreamChannel extends AbstractChannel {
    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);

    /** The session side of a stream. Called on the session's event loop. */
    public interface Host {
        /** Sends {@code data} (ownership passes) as PSH frames of {@code stream}; not flushed yet. */
        void writeData(StreamChannel stream, ByteBuf data);

        /** Flushes what {@link #writeData} queued. */
        void flushData(StreamChannel stream);

        /**
         * The stream channel closed. {@code sendFin} is true when the local side closed a stream the peer still
         * has open; the host then sends FIN. Either way the host forgets the stream.
         */
        void streamClosed(StreamChannel stream, boolean sendFin);
    }

    private final long streamId;
    private final Host host;
    private final InboundBudget budget;
    private final long receiveLimitBytes;
    private final ChannelConfig config;
    private final ArrayDeque<ByteBuf> inbound = new ArrayDeque<>();
    private long queuedBytes;
    private boolean open = true;
    private boolean readRequested;
    private boolean delivering;
    private boolean readCompletePending;
    private boolean peerClosed;
    private boolean sessionClosed;
    /** Whether the session gave this stream to its caller; one it never did has nobody to tell of a reset. */
    private boolean handedOut;

    /**
     * @param session           the session channel; its event loop runs this stream
     * @param streamId          the AnyTLS stream id
     * @param receiveLimitBytes this stream's inbound queue bound before the session is paused
     */
    public StreamChannel(Channel session, long streamId, Host host, InboundBudget budget, long receiveLimitBytes) {
        super(requireNonNull(session, "session"));
        this.streamId = streamId;
        this.host = requireNonNull(host, "host");
        this.budget = requireNonNull(budget, "budget");
        if (receiveLimitBytes < 1) {
            throw new IllegalArgumentException("receiveLimitBytes must be >= 1, was " + receiveLimitBytes);
        }
        this.receiveLimitBytes = receiveLimitBytes;
        this.config = new DefaultChannelConfig(this) {
            @Override
            protected void autoReadCleared() {
                readRequested = false;
            }
        };
        config.setAutoRead(false); // nothing is delivered before the owner asks: see "Hand-out"
    }

    /** The AnyTLS stream id. */
    public long streamId() {
        return streamId;
    }

    /** Bytes received and not yet delivered to the reader. */
    public long queuedBytes() {
        return queuedBytes;
    }

    /** True once the peer sent FIN for this stream. */
    public boolean isPeerClosed() {
        return peerClosed;
    }

    /**
     * Data from the peer (a PSH frame's payload); ownership passes to this channel. It is delivered at once if the
     * reader asked for it, but its {@code channelReadComplete} waits for {@link #readComplete()}: the host calls
     * that at the end of the session's read batch, so a reader that flushes on {@code channelReadComplete} (a
     * relay) flushes once per batch of frames, not once per frame.
     *
     * @return true when this call left a {@code channelReadComplete} pending, i.e. the host must call
     *     {@link #readComplete()} at the end of its read batch
     */
    public boolean receive(ByteBuf data) {
        assert eventLoop().inEventLoop();
        if (!open || peerClosed) {
            data.release();
            return false;
        }
        if (!data.isReadable()) {
            data.release();
            return false;
        }
        inbound.add(data);
        account(data.readableBytes());
        boolean wasPending = readCompletePending;
        deliver(false);
        return readCompletePending && !wasPending;
    }

    /** Fires the {@code channelReadComplete} that data delivered by {@link #receive} left pending, if any. */
    public void readComplete() {
        assert eventLoop().inEventLoop();
        if (readCompletePending) {
            readCompletePending = false;
            if (open) {
                pipeline().fireChannelReadComplete();
            }
        }
    }

    /** The peer sent FIN: deliver what is queued, then close without answering FIN. */
    public void peerClosed() {
        assert eventLoop().inEventLoop();
        peerClosed = true;
        deliverPending();
    }

    /** The session gave the stream to its caller (on the stream's event loop). */
    public void markHandedOut() {
        handedOut = true;
    }

    /** Whether {@link #markHandedOut} was called: only then may a reset be fired through the pipeline. */
    public boolean isHandedOut() {
        return handedOut;
    }

    /** The session is closing: close at once, drop what is queued, send nothing. */
    public void closeBySession() {
        sessionClosed = true;
        if (open) {
            unsafe().close(unsafe().voidPromise());
        }
    }

    /**
     * The stream was cut before it ended normally (its session died under it: heartbeat or watchdog timeout, the
     * peer vanished): {@code cause}, typically a {@link org.anytls4j.api.outbound.StreamResetException}, goes
     * through the pipeline so that whoever relays the stream ends its local connection abnormally (an RST, not a
     * FIN that would pass a truncated transfer off as complete); then the stream closes at once like
     * {@link #closeBySession()}: what is queued is dropped, nothing is sent. Does nothing once closed.
     */
    public void reset(Throwable cause) {
        requireNonNull(cause, "cause");
        sessionClosed = true;
        if (open) {
            pipeline().fireExceptionCaught(cause);
            if (open) {
                unsafe().close(unsafe().voidPromise());
            }
        }
    }

    /** The peer refused the stream: {@code cause} goes through the pipeline, then the stream closes, no FIN. */
    public void refuse(Throwable cause) {
        peerClosed = true;
        if (open) {
            pipeline().fireExceptionCaught(cause);
            unsafe().close(unsafe().voidPromise());
        }
    }

    /** Delivers queued data if the reader asked for it; closes once a peer's FIN has been reached. */
    private void deliverPending() {
        deliver(true);
    }

    /**
     * @param completeNow fire {@code channelReadComplete} after delivering (else leave it pending for
     *                    {@link #readComplete()})
     */
    private void deliver(boolean completeNow) {
        if (delivering || !open) {
            return;
        }
        delivering = true;
        boolean delivered = false;
        try {
            while (readRequested && !inbound.isEmpty() && open) {
                ByteBuf data = inbound.poll();
                account(-data.readableBytes());
                delivered = true;
                pipeline().fireChannelRead(data);
            }
            if (!config.isAutoRead()) {
                readRequested = false;
            }
            if (delivered || readCompletePending) {
                if (completeNow) {
                    readCompletePending = false;
                    if (open) {
                        pipeline().fireChannelReadComplete();
                    }
                } else {
                    readCompletePending = open;
                }
            }
        } finally {
            delivering = false;
        }
        if (peerClosed && inbound.isEmpty() && open) {
            unsafe().close(unsafe().voidPromise());
        }
    }

    private void account(long delta) {
        boolean wasOver = queuedBytes > receiveLimitBytes;
        queuedBytes += delta;
        budget.changed(delta, wasOver, queuedBytes > receiveLimitBytes);
    }

    @Override
    public boolean isWritable() {
        return super.isWritable() && parent().isWritable();
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new AbstractUnsafe() {
            @Override
            public void connect(SocketAddress remote, SocketAddress local, ChannelPromise promise) {
                promise.setFailure(new UnsupportedOperationException("a stream is opened by its session"));
            }
        };
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return true;
    }

    @Override
    protected SocketAddress localAddress0() {
        return parent().localAddress();
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return parent().remoteAddress();
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        throw new UnsupportedOperationException("a stream cannot be bound");
    }

    @Override
    protected void doDisconnect() {
        doClose();
    }

    @Override
    protected void doClose() {
        if (!open) {
            return;
        }
        open = false;
        ByteBuf data;
        while ((data = inbound.poll()) != null) {
            account(-data.readableBytes());
            data.release();
        }
        host.streamClosed(this, !peerClosed && !sessionClosed);
    }

    @Override
    protected void doBeginRead() {
        readRequested = true;
        deliverPending();
    }

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof ByteBuf) {
            return msg;
        }
        throw new UnsupportedOperationException("a stream writes ByteBuf only, not " + msg.getClass().getName());
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) {
        boolean wrote = false;
        for (;;) {
            Object msg = in.current();
            if (msg == null) {
                break;
            }
            if (peerClosed || sessionClosed) {
                in.remove(new ClosedChannelException());
                continue;
            }
            ByteBuf data = (ByteBuf) msg;
            if (data.isReadable()) {
                host.writeData(this, data.retain());
                wrote = true;
            }
            in.remove();
        }
        if (wrote) {
            host.flushData(this);
        }
        deliverPending();
    }

    @Override
    public String toString() {
        return "StreamChannel(sid=" + streamId + ", " + (open ? "open" : "closed") + ")";
    }
}
