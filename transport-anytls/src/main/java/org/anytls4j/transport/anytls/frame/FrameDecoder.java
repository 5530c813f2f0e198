package org.anytls4j.transport.anytls.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the decrypted byte stream into {@link Frame}s (PROTOCOL.md section 4). Frame boundaries are
 * independent of TLS records: a frame may span records and a record may hold many frames.
 *
 * <p>Every frame is consumed whole, data included, whatever its command: unknown commands and commands that
 * should carry no data (SYN, FIN, heart frames) still have their {@code length} bytes skipped, so the stream
 * stays in sync whatever a peer sends (the SagerNet rewrite does the same; the reference does not).
 *
 * <p>Input is bounded: at most one header plus 65535 data bytes are ever buffered for an incomplete frame.
 * Frames are emitted one per {@code decode} call, so each is handled (and released) before the next is sliced:
 * a read of thousands of tiny frames never holds thousands of frame objects at once. {@link #inFrame()} tells
 * whether a frame has started and not finished, for a read deadline. One instance per channel.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private boolean held;

    /**
     * While held, no frame is emitted: what was read stays buffered (one read batch at most, as the holder also
     * stops reading), so a session that stopped reading does not go on answering the frames of its last batch.
     */
    public void hold(boolean hold) {
        this.held = hold;
    }

    /** Releases the hold and emits the frames buffered meanwhile. On the event loop, not from a decode callback. */
    public void release(ChannelHandlerContext ctx) throws Exception {
        held = false;
        if (internalBuffer().isReadable()) {
            channelRead(ctx, Unpooled.EMPTY_BUFFER);
            channelReadComplete(ctx);
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (held || in.readableBytes() < Frame.HEADER_LENGTH) {
            return;
        }
        int start = in.readerIndex();
        int length = in.getUnsignedShort(start + 5);
        if (in.readableBytes() < Frame.HEADER_LENGTH + length) {
            return; // consume nothing until the whole frame is here
        }
        int command = in.getUnsignedByte(start);
        long streamId = in.getUnsignedInt(start + 1);
        in.skipBytes(Frame.HEADER_LENGTH);
        out.add(Frame.of(command, streamId, in.readRetainedSlice(length)));
    }

    /** Whether bytes of a frame not yet emitted are buffered. On the channel's event loop. */
    public boolean inFrame() {
        return internalBuffer().isReadable();
    }
}
