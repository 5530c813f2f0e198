package org.anytls4j.transport.anytls.frame;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

/**
 * One AnyTLS frame (PROTOCOL.md section 4): {@code cmd u8 | streamId u32 | length u16 | data}.
 *
 * <h2>Pieces</h2>
 * The {@link FrameDecoder} emits the data of a PSH frame as it arrives, so a received PSH frame may come as
 * several {@code Frame}s of command PSH and the same stream id, each holding the next part of its data:
 * {@link #startsFrame()} is true for the first, {@link #endsFrame()} for the last, {@link #frameLength()} is the
 * wire frame's data length in each. Every other frame is whole (both true). Whoever counts frames counts those
 * that start one; whoever decides something per frame decides it on the first piece and keeps to it.
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
    private final int frameLength;
    private final boolean startsFrame;
    private final boolean endsFrame;

    private Frame(int command, long streamId, ByteBuf data, int frameLength, boolean startsFrame,
                  boolean endsFrame) {
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
        this.frameLength = frameLength;
        this.startsFrame = startsFrame;
        this.endsFrame = endsFrame;
    }

    /** A frame that takes ownership of {@code data}. */
    public static Frame of(int command, long streamId, ByteBuf data) {
        requireNonNull(data, "data");
        return new Frame(command, streamId, data, data.readableBytes(), true, true);
    }

    /**
     * A piece of a wire frame's data, taking ownership of {@code data}: the bytes at {@code offset} of a frame of
     * {@code frameLength} data bytes (the decoder's PSH data as it arrives).
     */
    static Frame piece(int command, long streamId, ByteBuf data, int offset, int frameLength) {
        int end = offset + data.readableBytes();
        if (offset < 0 || end > frameLength || frameLength > MAX_DATA_LENGTH) {
            throw new IllegalArgumentException("a piece of " + data.readableBytes() + " bytes at " + offset
                    + " does not fit a frame of " + frameLength);
        }
        return new Frame(command, streamId, data, frameLength, offset == 0, end == frameLength);
    }

    /** A frame with no data (SYN, FIN, HeartRequest, HeartResponse, an empty SYNACK). */
    public static Frame empty(int command, long streamId) {
        return of(command, streamId, Unpooled.EMPTY_BUFFER);
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

    /** Whether this frame is, or is the first piece of, a wire frame (see "Pieces"). */
    public boolean startsFrame() {
        return startsFrame;
    }

    /** Whether this frame is, or is the last piece of, a wire frame (see "Pieces"). */
    public boolean endsFrame() {
        return endsFrame;
    }

    /** The data length of the wire frame, as its header says; that of {@link #data()} for a whole frame. */
    public int frameLength() {
        return frameLength;
    }

    /** Header plus data length, as on the wire (for a whole frame). */
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
        String piece = startsFrame && endsFrame ? "" : ", piece of " + frameLength;
        return Command.name(command) + "(sid=" + streamId + ", len=" + data.readableBytes() + piece + ")";
    }

    /** Releases {@code msg} if it is reference counted; a helper for drop paths. */
    static void releaseQuietly(Object msg) {
        if (msg instanceof ReferenceCounted rc && rc.refCnt() > 0) {
            rc.release();
        }
    }
}
