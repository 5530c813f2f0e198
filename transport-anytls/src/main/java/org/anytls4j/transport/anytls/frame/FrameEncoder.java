package org.anytls4j.transport.anytls.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

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
