package org.anytls4j.transport.anytls.frame;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

/**
 * One AnyTLS frame (PROTOCOL.md section 4): {@code cmd u8 | streamId u32 | length u16 | data}.
 *
 * <h2>Ownership</h2>
 * A frame owns its {@link #data()}; it is reference counted through it. Whoever receives a frame releases it
 * (or passes it on); a handler that drops one releases it in {@code finally}.
 */
public final class Frame extends AbstractReferenceCounted {
    /** Size of the header: command, stream id, length. */
    public static final int HEADER_LENGTH = 7;
    /** Largest data length one frame can carry (the length field is 16 bits). */
    public static final int MAX_DATA_LENGTH = 0xFFFF;

    private final int command;
    private final long streamId;
    private final ByteBuf data;

    private Frame(int command, long streamId, ByteBuf data) {
        if (command < 0 || command > 0xFF) {
            throw new IllegalArgumentException("command must be in 0..255, was " + command);
        }
        if (streamId < 0 || streamId > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("stream id must be in 0..2^32-1, was " + streamId);
        }
        if (data.readableBytes() > MAX_DATA_LENGTH) {
            throw new IllegalArgumentException(
                    "frame data must be at most " + MAX_DATA_LENGTH + " bytes, was " + data.readableBytes());
        }
        this.command = command;
        this.streamId = streamId;
        this.data = data;
    }

    /** A frame that takes ownership of {@code data}. */
    public static Frame of(int command, long streamId, ByteBuf data) {
        return new Frame(command, streamId, requireNonNull(data, "data"));
    }

    /** A frame with no data (SYN, FIN, HeartRequest, HeartResponse, an empty SYNACK). */
    public static Frame empty(int command, long streamId) {
        return new Frame(command, streamId, Unpooled.EMPTY_BUFFER);
    }

    public int command() {
        return command;
    }

    public long streamId() {
        return streamId;
    }

    /** The payload; valid until the frame is released. */
    public ByteBuf data() {
        return data;
    }

    /** Header plus data length, as on the wire. */
    public int wireLength() {
        return HEADER_LENGTH + data.readableBytes();
    }

    @Override
    public Frame touch(Object hint) {
        data.touch(hint);
        return this;
    }

    @Override
    protected void deallocate() {
        data.release();
    }

    @Override
    public Frame retain() {
        super.retain();
        return this;
    }

    @Override
    public Frame touch() {
        return touch(null);
    }

    @Override
    public String toString() {
        return Command.name(command) + "(sid=" + streamId + ", len=" + data.readableBytes() + ")";
    }

    /** Releases {@code msg} if it is reference counted; a helper for drop paths. */
    static void releaseQuietly(Object msg) {
        if (msg instanceof ReferenceCounted rc && rc.refCnt() > 0) {
            rc.release();
        }
    }
}
