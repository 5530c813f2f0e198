package org.anytls4j.transport.anytls.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.anytls4j.api.Destination;
import org.anytls4j.api.Digests;
import org.anytls4j.transport.anytls.frame.Command;
import org.anytls4j.transport.anytls.frame.Frame;
import org.anytls4j.transport.anytls.frame.FrameEncoder;
import org.anytls4j.transport.anytls.frame.KeyValueText;
import org.anytls4j.transport.anytls.frame.SocksAddress;

/**
 * The bytes a client sends: the authentication preamble (PROTOCOL.md section 3) and its session frames
 * (sections 4-6). Stateless; every method returns a new buffer the caller owns.
 */
public final class ClientFrames {
    private ClientFrames() {
    }

    /** SHA-256 of the password's UTF-8 bytes, the 32 bytes at the start of the preamble. */
    public static byte[] passwordHash(String password) {
        return Digests.sha256(password);
    }

    /** {@code sha256(password) | padding0 length u16 | padding0 zero bytes}: packet 0, one write. */
    public static ByteBuf preamble(ByteBufAllocator alloc, byte[] passwordHash, int padding0) {
        if (padding0 < 0 || padding0 > 0xFFFF) {
            throw new IllegalArgumentException("padding0 must be 0..65535, was " + padding0);
        }
        ByteBuf out = alloc.buffer(passwordHash.length + 2 + padding0);
        out.writeBytes(passwordHash);
        out.writeShort(padding0);
        out.writeZero(padding0);
        return out;
    }

    /**
     * The client's Settings text, keys in the order {@code v}, {@code client}, {@code padding-md5}
     * (PROTOCOL.md section 8); {@code client} is left out when {@code clientMetadata} is empty.
     */
    public static String settingsText(String clientMetadata, String paddingMd5) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("v", "2");
        if (!clientMetadata.isEmpty()) {
            settings.put("client", clientMetadata);
        }
        settings.put("padding-md5", paddingMd5);
        return KeyValueText.format(settings);
    }

    /** A frame whose data is {@code text} in UTF-8. */
    public static ByteBuf textFrame(ByteBufAllocator alloc, int command, long streamId, String text) {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = alloc.buffer(Frame.HEADER_LENGTH + data.length);
        FrameEncoder.writeHeader(out, command, streamId, data.length);
        out.writeBytes(data);
        return out;
    }

    /** A frame without data: SYN, FIN, HeartRequest, HeartResponse. */
    public static ByteBuf emptyFrame(ByteBufAllocator alloc, int command, long streamId) {
        ByteBuf out = alloc.buffer(Frame.HEADER_LENGTH);
        FrameEncoder.writeHeader(out, command, streamId, 0);
        return out;
    }

    /**
     * The PSH frame carrying a stream's destination (PROTOCOL.md section 11).
     *
     * @throws IllegalArgumentException for a domain longer than 255 bytes
     */
    public static ByteBuf addressFrame(ByteBufAllocator alloc, long streamId, Destination destination) {
        int length = SocksAddress.encodedLength(destination);
        ByteBuf out = alloc.buffer(Frame.HEADER_LENGTH + length);
        try {
            FrameEncoder.writeHeader(out, Command.PSH, streamId, length);
            SocksAddress.write(destination, out);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /**
     * PSH frames carrying {@code data}, split into frames of at most 65535 bytes (PROTOCOL.md section 4), each
     * frame one piece ({@link FrameEncoder#frame}); several frames come as a composite of whole frames.
     *
     * @param data ownership passes
     */
    public static ByteBuf dataFrames(ByteBufAllocator alloc, long streamId, ByteBuf data) {
        try {
            if (data.readableBytes() <= Frame.MAX_DATA_LENGTH) {
                return FrameEncoder.frame(alloc, Command.PSH, streamId, data, data.readableBytes());
            }
            CompositeByteBuf out = alloc.compositeBuffer(data.readableBytes() / Frame.MAX_DATA_LENGTH + 1);
            try {
                while (data.isReadable()) {
                    int chunk = Math.min(data.readableBytes(), Frame.MAX_DATA_LENGTH);
                    out.addComponent(true, FrameEncoder.frame(alloc, Command.PSH, streamId, data, chunk));
                }
                return out;
            } catch (RuntimeException e) {
                out.release();
                throw e;
            }
        } finally {
            data.release();
        }
    }
}
