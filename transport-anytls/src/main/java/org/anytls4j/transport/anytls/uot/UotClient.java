package org.anytls4j.transport.anytls.uot;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.MessageToByteEncoder;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.Packet;
import org.anytls4j.api.outbound.PacketStreams;
import org.anytls4j.api.outbound.Session;
import org.anytls4j.transport.anytls.frame.SocksAddress;

/**
 * The client side of UDP over TCP v2 (PROTOCOL.md section 15): the {@link PacketStreams} capability of an AnyTLS
 * session. A packet stream is a stream to {@code sp.v2.udp-over-tcp.arpa:0} in non-connected mode, with a codec
 * between the stream's bytes and {@link Packet}s:
 * <ul>
 *   <li>written: the request header ({@code isConnect = 0 | SOCKS address of the first packet's destination},
 *       informational in this mode) goes in the same write as the first packet; every packet is
 *       {@code family | address | port u16 | length u16 | payload} with the UoT family table (0 IPv4, 1 IPv6,
 *       2 domain) and a domain's length counted in UTF-8 bytes, as {@link UotAddress} writes it;</li>
 *   <li>read: the same packet framing, each naming its source. An unknown family is a protocol violation:
 *       {@link CorruptedFrameException} naming the byte, after which everything is discarded.</li>
 * </ul>
 * The codec is installed before the stream is handed out, which is still with {@code autoRead} off.
 *
 * <h2>Threading and ownership</h2>
 * Stateless; one codec instance per stream, on the stream's event loop. Each packet read holds a retained slice
 * its reader releases; each packet written is released once framed (or when its framing fails, which fails its
 * promise).
 */
public final class UotClient implements PacketStreams {
    /** Pipeline name of the decoder on a packet stream. */
    public static final String DECODER = "uot-decoder";
    /** Pipeline name of the encoder on a packet stream. */
    public static final String ENCODER = "uot-encoder";

    private static final Destination V2 = new Destination(UotServer.V2_MAGIC, 0);

    private final Session session;

    /** The capability of {@code session}. */
    public UotClient(Session session) {
        this.session = session;
    }

    @Override
    public CompletionStage<Channel> openPacketStream() {
        return session.openStream(V2).thenApply(UotClient::install);
    }

    /** Adds the codec to a UoT v2 stream that nothing reads yet. */
    static Channel install(Channel stream) {
        stream.pipeline().addLast(DECODER, new Decoder());
        stream.pipeline().addLast(ENCODER, new Encoder());
        return stream;
    }

    /** Packets to bytes, the request header before the first. */
    static final class Encoder extends MessageToByteEncoder<Packet> {
        private boolean headerSent;

        Encoder() {
            super(Packet.class);
        }

        @Override
        protected void encode(ChannelHandlerContext ctx, Packet packet, ByteBuf out) {
            Destination peer = packet.peer();
            ByteBuf payload = packet.content();
            if (payload.readableBytes() > 0xFFFF) {
                throw new IllegalArgumentException("a UDP payload must be at most 65535 bytes, was "
                        + payload.readableBytes());
            }
            if (!headerSent) {
                out.writeByte(0); // isConnect = false: non-connected mode
                SocksAddress.write(peer, out);
            }
            UotAddress.write(peer, out);
            out.writeShort(payload.readableBytes());
            out.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
            headerSent = true;
        }

        @Override
        protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Packet packet, boolean preferDirect) {
            return ctx.alloc().ioBuffer(2 * (1 + 1 + 255 + 2) + 1 + 2 + packet.content().readableBytes());
        }
    }

    /** Bytes to packets, each naming its source. */
    static final class Decoder extends ByteToMessageDecoder {
        private boolean corrupted;

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            if (corrupted) {
                in.skipBytes(in.readableBytes());
                return;
            }
            int start = in.readerIndex();
            Destination source;
            try {
                source = UotAddress.read(in);
            } catch (IllegalArgumentException e) {
                corrupted = true;
                in.skipBytes(in.readableBytes());
                throw new CorruptedFrameException(e.getMessage());
            }
            if (source == null) {
                return;
            }
            if (in.readableBytes() < 2 || in.readableBytes() < 2 + in.getUnsignedShort(in.readerIndex())) {
                in.readerIndex(start);
                return;
            }
            int length = in.readUnsignedShort();
            out.add(new Packet(source, in.readRetainedSlice(length)));
        }
    }
}
