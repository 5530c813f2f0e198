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
 * <p>The data of a PSH frame is emitted as it arrives, without a copy: once its header is here, each read yields
 * a {@link Frame} of command PSH and the frame's stream id holding a retained slice of the data read so far (at
 * most what the frame has left), its {@linkplain Frame#startsFrame() first} and {@linkplain Frame#endsFrame()
 * last} pieces marked. Waiting for the whole frame instead meant cumulating: a 64 KiB frame arrives in about four
 * 16 KiB TLS records, and each one made the cumulation grow into a fresh buffer that the bytes so far were copied
 * into; on a bulk download that zeroing and copying was about 6 % of the client's CPU. PSH data is a byte stream
 * to every receiver, so nothing needs it whole. A PSH frame of length 0 is one empty {@code Frame}, as before.
 *
 * <p>Every other frame is consumed and emitted whole, data included, whatever its command (its data is parsed as
 * a unit): unknown commands and commands that should carry no data (SYN, FIN, heart frames) still have their
 * {@code length} bytes skipped, so the stream stays in sync whatever a peer sends (the SagerNet rewrite does the
 * same; the reference does not). Only a partial header or a partial frame of such a command is cumulated (and,
 * while {@linkplain #hold held}, whatever is read meanwhile).
 *
 * <p>Input is bounded: at most one header plus 65535 data bytes are ever buffered for an incomplete frame.
 * Frames (and pieces) are emitted one per {@code decode} call, so each is handled (and released) before the next
 * is sliced: a read of thousands of tiny frames never holds thousands of frame objects at once. {@link #inFrame()}
 * tells whether a frame has started and not finished, for a read deadline. One instance per channel.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private boolean held;
    /** The PSH frame whose data is arriving: its stream id, its data length, and the bytes not yet emitted. */
    private long pshStreamId;
    private int pshLength;
    private int pshLeft;

    /**
     * While held, no frame (nor piece of PSH data) is emitted: what was read stays buffered (one read batch at
     * most, as the holder also stops reading), so a session that stopped reading does not go on answering the
     * frames of its last batch.
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
        if (held) {
            return;
        }
        if (pshLeft > 0) {
            emitPshData(in, out);
            return;
        }
        if (in.readableBytes() < Frame.HEADER_LENGTH) {
            return;
        }
        int start = in.readerIndex();
        int command = in.getUnsignedByte(start);
        long streamId = in.getUnsignedInt(start + 1);
        int length = in.getUnsignedShort(start + 5);
        if (command == Command.PSH && length > 0) {
            in.skipBytes(Frame.HEADER_LENGTH);
            pshStreamId = streamId;
            pshLength = length;
            pshLeft = length;
            emitPshData(in, out); // nothing when only the header is here: the next read brings the data
            return;
        }
        if (in.readableBytes() < Frame.HEADER_LENGTH + length) {
            return; // consume nothing until the whole frame is here
        }
        in.skipBytes(Frame.HEADER_LENGTH);
        out.add(Frame.of(command, streamId, in.readRetainedSlice(length)));
    }

    /** Emits the data of the current PSH frame that is here, if any, as one piece. */
    private void emitPshData(ByteBuf in, List<Object> out) {
        int n = Math.min(pshLeft, in.readableBytes());
        if (n > 0) {
            int offset = pshLength - pshLeft;
            pshLeft -= n;
            out.add(Frame.piece(Command.PSH, pshStreamId, in.readRetainedSlice(n), offset, pshLength));
        }
    }

    /**
     * Whether a frame has started and not finished: bytes of a frame not yet emitted are buffered, or a PSH
     * frame's data has not all arrived yet. On the channel's event loop.
     */
    public boolean inFrame() {
        return pshLeft > 0 || internalBuffer().isReadable();
    }
}
