package org.anytls4j.transport.anytls.frame;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * For tests that look at frames as they were on the wire: behind a {@link FrameDecoder}, joins the pieces of PSH
 * data it emits as they arrive back into whole frames (copying them), and passes whole frames on as they are.
 * Pieces out of order (a later piece with no first, a first piece inside a frame, another frame's piece) fail
 * with {@link IllegalStateException}.
 */
public final class WholeFrames extends ChannelInboundHandlerAdapter {
    /** The frame being joined: its command, stream id and the data so far (null when none is). */
    private int command;
    private long streamId;
    private ByteBuf joined;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Frame piece) || piece.startsFrame() && piece.endsFrame() && joined == null) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (piece.startsFrame() != (joined == null)) {
                throw new IllegalStateException(piece + (joined == null ? " continues no frame"
                        : " inside a frame of " + Command.name(command) + " sid=" + streamId));
            }
            if (piece.startsFrame()) {
                command = piece.command();
                streamId = piece.streamId();
                joined = ctx.alloc().buffer(piece.frameLength());
            } else if (piece.command() != command || piece.streamId() != streamId) {
                throw new IllegalStateException(piece + " continues a frame of " + Command.name(command) + " sid="
                        + streamId);
            }
            joined.writeBytes(piece.data(), piece.data().readerIndex(), piece.data().readableBytes());
        } finally {
            piece.release();
        }
        if (piece.endsFrame()) {
            ByteBuf data = joined;
            joined = null;
            ctx.fireChannelRead(Frame.of(command, streamId, data));
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (joined != null) {
            joined.release();
            joined = null;
        }
    }
}
