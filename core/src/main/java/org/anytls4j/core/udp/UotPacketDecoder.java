package org.anytls4j.core.udp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.socksx.v5.Socks5AddressType;
import java.util.List;

/**
 * Splits the server-to-client bytes of a UDP over TCP v2 stream into {@link UotPacket}s: non-connected mode,
 * {@code family | address | port u16 | length u16 | payload} with the family table 0 IPv4, 1 IPv6, 2 domain
 * (PROTOCOL.md section 15). A packet may be split across reads or share one with others; nothing is consumed
 * until a packet is whole. An unknown family is a protocol violation: {@link CorruptedFrameException} naming the
 * byte, after which everything is discarded.
 *
 * <h2>Threading and ownership</h2>
 * One instance per stream, on its event loop. Each packet's payload is a retained slice the next handler owns.
 */
final class UotPacketDecoder extends ByteToMessageDecoder {
    private boolean corrupted;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (corrupted) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int start = in.readerIndex();
        if (!in.isReadable()) {
            return;
        }
        Socks5AddressType type;
        try {
            type = UotAddress.typeOfFamily(in.getUnsignedByte(start));
        } catch (IllegalArgumentException e) {
            corrupted = true;
            in.skipBytes(in.readableBytes());
            throw new CorruptedFrameException(e.getMessage());
        }
        int body = UotAddress.bodyLength(in, start + 1, type);
        if (body < 0 || in.readableBytes() < 1 + body + 4) {
            return;
        }
        int length = in.getUnsignedShort(start + 1 + body + 2);
        if (in.readableBytes() < 1 + body + 4 + length) {
            return;
        }
        in.skipBytes(1);
        String host = UotAddress.readBody(type, in);
        int port = in.readUnsignedShort();
        in.skipBytes(2);
        out.add(new UotPacket(host, port, in.readRetainedSlice(length)));
    }
}
