package org.anytls4j.transport.anytls.frame;

import io.netty.buffer.ByteBuf;
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
 * One instance per channel.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.readableBytes() >= Frame.HEADER_LENGTH) {
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
    }
}
