package org.anytls4j.transport.anytls.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Serialises frames. Not a pipeline handler on purpose: the client's padding writer must see the exact bytes
 * of each session write to cut them into records (PADDING.md section 7), so frames are encoded where writes
 * are assembled.
 */
public final class FrameEncoder {
    private FrameEncoder() {
    }

    /** Writes the 7-byte header of a frame with {@code dataLength} bytes of data into {@code out}. */
    public static void writeHeader(ByteBuf out, int command, long streamId, int dataLength) {
        if (dataLength < 0 || dataLength > Frame.MAX_DATA_LENGTH) {
            throw new IllegalArgumentException(
                    "frame data must be 0.." + Frame.MAX_DATA_LENGTH + " bytes, was " + dataLength);
        }
        out.writeByte(command);
        out.writeInt((int) streamId);
        out.writeShort(dataLength);
    }

    /**
     * One frame as a buffer of one piece: the header, then {@code length} bytes read from {@code data} (whose
     * reader index advances; it is not released).
     *
     * <p>One piece matters on the wire: a TLS engine may turn each piece of a composite buffer into a record of its
     * own (OpenSSL does), so a header written beside its payload would leave as a 7-byte TLS record in front of
     * every data frame, a pattern no reference peer shows. Copying the payload costs less than encrypting it.
     */
    public static ByteBuf frame(ByteBufAllocator alloc, int command, long streamId, ByteBuf data, int length) {
        ByteBuf out = alloc.ioBuffer(Frame.HEADER_LENGTH + length);
        try {
            writeHeader(out, command, streamId, length);
            out.writeBytes(data, length);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /**
     * Frames with at most this much data go to TLS as one buffer ({@link #frame}): with the header they fill one TLS
     * record (16 KiB of plaintext), so copying them costs little.
     */
    public static final int COPY_LIMIT = 16 * 1024 - Frame.HEADER_LENGTH;

    /**
     * Writes one frame (not flushed) through {@code ctx}, whose next outbound handler is TLS ({@code SslHandler}):
     * a frame of up to {@link #COPY_LIMIT} data bytes as one buffer ({@link #frame}); a larger one as two writes,
     * its header in a buffer with room for a record's worth of data, then a retained slice of its data. Netty's
     * SslHandler cuts what is pending into records of {@code wrapDataSize} (16 KiB) by copying the first pieces of
     * a record into the first one's buffer, so the header still shares its record with the start of its payload
     * and the records fall exactly where one buffer would have put them; but only the first ~16 KiB of a 64 KiB
     * payload is copied instead of all of it (the copy was 4-8 % of a process's CPU on bulk transfers).
     * {@code data}'s reader index advances by {@code length}; it is not released. The promise is the data's.
     */
    public static ChannelFuture writeFrame(ChannelHandlerContext ctx, int command, long streamId, ByteBuf data,
            int length, ChannelPromise promise) {
        if (length <= COPY_LIMIT) {
            return ctx.write(frame(ctx.alloc(), command, streamId, data, length), promise);
        }
        ByteBuf header = ctx.alloc().ioBuffer(COPY_LIMIT + Frame.HEADER_LENGTH);
        try {
            writeHeader(header, command, streamId, length);
        } catch (RuntimeException e) {
            header.release();
            throw e;
        }
        ctx.write(header, ctx.voidPromise());
        return ctx.write(data.readRetainedSlice(length), promise);
    }

    /** Appends {@code frame}'s header and data to {@code out}; does not release the frame. */
    public static void encode(Frame frame, ByteBuf out) {
        writeHeader(out, frame.command(), frame.streamId(), frame.data().readableBytes());
        out.writeBytes(frame.data(), frame.data().readerIndex(), frame.data().readableBytes());
    }

    /** A new buffer holding {@code frame} on the wire; does not release the frame. */
    public static ByteBuf encode(Frame frame, ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(frame.wireLength());
        encode(frame, out);
        return out;
    }
}
